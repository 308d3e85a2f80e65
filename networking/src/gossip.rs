//! One message type per gossip topic, encoded as `snappy(ssz(message))`.

use crate::codec::{decode_message, encode_message, WireError};
use crate::limits::{Limits, MAX_TRANSACTIONS_PER_MESSAGE};
use crate::topic::{attestation_subnet, Topic};
use consensus::{Attestation, AttesterSlashing, BeaconBlock, ProposerSlashing, VoluntaryExit};
use shard::transaction::Transaction;
use shard::types::compute_home_shard;
use shard::ShardBlock;
use ssz_rs::prelude::*;

/// What `shard_transaction_{shard}` carries: 1 to [`MAX_TRANSACTIONS_PER_MESSAGE`] transactions,
/// all sent from accounts of that shard. A relay bundles what arrived since its last message,
/// so a busy shard costs one message per bundle instead of one per transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct TransactionBatch {
    pub transactions: List<Transaction, MAX_TRANSACTIONS_PER_MESSAGE>,
}

/// A decoded gossip message. Large variants are boxed so the enum stays small.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GossipMessage {
    BeaconBlock(Box<BeaconBlock>),
    /// An unaggregated attestation on its shard's subnet.
    Attestation(Box<Attestation>),
    /// An aggregate for the proposers.
    Aggregate(Box<Attestation>),
    ShardBlock(Box<ShardBlock>),
    Transactions(Box<TransactionBatch>),
    VoluntaryExit(Box<VoluntaryExit>),
    ProposerSlashing(Box<ProposerSlashing>),
    AttesterSlashing(Box<AttesterSlashing>),
}

impl GossipMessage {
    /// The topic this message is published on.
    pub fn topic(&self, active_shard_count: u64) -> Topic {
        match self {
            GossipMessage::BeaconBlock(_) => Topic::BeaconBlock,
            GossipMessage::Attestation(a) => Topic::BeaconAttestation(attestation_subnet(
                a.data.crosslink.shard,
                active_shard_count,
            )),
            GossipMessage::Aggregate(_) => Topic::BeaconAggregate,
            GossipMessage::ShardBlock(b) => Topic::ShardBlock(b.shard),
            GossipMessage::Transactions(batch) => Topic::ShardTransaction(
                batch
                    .transactions
                    .first()
                    .map(|t| compute_home_shard(&t.from, active_shard_count))
                    .unwrap_or(u64::MAX),
            ),
            GossipMessage::VoluntaryExit(_) => Topic::VoluntaryExit,
            GossipMessage::ProposerSlashing(_) => Topic::ProposerSlashing,
            GossipMessage::AttesterSlashing(_) => Topic::AttesterSlashing,
        }
    }

    /// `snappy(ssz(message))`.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        match self {
            GossipMessage::BeaconBlock(m) => encode_message("beacon_block", m.as_ref()),
            GossipMessage::Attestation(m) => encode_message("attestation", m.as_ref()),
            GossipMessage::Aggregate(m) => encode_message("aggregate", m.as_ref()),
            GossipMessage::ShardBlock(m) => encode_message("shard_block", m.as_ref()),
            GossipMessage::Transactions(m) => encode_message("transactions", m.as_ref()),
            GossipMessage::VoluntaryExit(m) => encode_message("voluntary_exit", m.as_ref()),
            GossipMessage::ProposerSlashing(m) => encode_message("proposer_slashing", m.as_ref()),
            GossipMessage::AttesterSlashing(m) => encode_message("attester_slashing", m.as_ref()),
        }
    }

    /// Decodes bytes received on `topic`, within that type's limit. A message whose content
    /// belongs on another topic (an attestation for another shard's subnet, a shard block or
    /// transaction of another shard) is refused.
    pub fn decode(
        topic: Topic,
        bytes: &[u8],
        limits: &Limits,
        active_shard_count: u64,
    ) -> Result<GossipMessage, WireError> {
        let message =
            match topic {
                Topic::BeaconBlock => GossipMessage::BeaconBlock(Box::new(decode_message(
                    "beacon_block",
                    bytes,
                    limits.beacon_block,
                )?)),
                Topic::BeaconAttestation(_) => GossipMessage::Attestation(Box::new(
                    decode_message("attestation", bytes, limits.attestation)?,
                )),
                Topic::BeaconAggregate => GossipMessage::Aggregate(Box::new(decode_message(
                    "aggregate",
                    bytes,
                    limits.attestation,
                )?)),
                Topic::ShardBlock(_) => GossipMessage::ShardBlock(Box::new(decode_message(
                    "shard_block",
                    bytes,
                    limits.shard_block,
                )?)),
                Topic::ShardTransaction(shard) => {
                    let batch: TransactionBatch =
                        decode_message("transactions", bytes, limits.transactions)?;
                    if batch.transactions.is_empty() {
                        return Err(WireError::EmptyTransactionBatch);
                    }
                    if let Some(other) = batch
                        .transactions
                        .iter()
                        .map(|t| compute_home_shard(&t.from, active_shard_count))
                        .find(|&home| home != shard)
                    {
                        return Err(WireError::TransactionOfOtherShard {
                            shard: other,
                            topic,
                        });
                    }
                    GossipMessage::Transactions(Box::new(batch))
                }
                Topic::VoluntaryExit => GossipMessage::VoluntaryExit(Box::new(decode_message(
                    "voluntary_exit",
                    bytes,
                    limits.voluntary_exit,
                )?)),
                Topic::ProposerSlashing => GossipMessage::ProposerSlashing(Box::new(
                    decode_message("proposer_slashing", bytes, limits.proposer_slashing)?,
                )),
                Topic::AttesterSlashing => GossipMessage::AttesterSlashing(Box::new(
                    decode_message("attester_slashing", bytes, limits.attester_slashing)?,
                )),
            };
        let actual = message.topic(active_shard_count);
        if actual != topic {
            return Err(WireError::WrongTopic { actual, topic });
        }
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::ChainConfig;

    #[test]
    fn messages_round_trip_on_their_topic_only() {
        let config = ChainConfig::default();
        let limits = Limits::from_config(&config);
        let mut attestation = Attestation::default();
        attestation.data.crosslink.shard = 3;
        let block = ShardBlock {
            shard: 5,
            slot: 9,
            ..ShardBlock::default()
        };
        let messages = [
            GossipMessage::BeaconBlock(Box::default()),
            GossipMessage::Attestation(Box::new(attestation)),
            GossipMessage::Aggregate(Box::default()),
            GossipMessage::ShardBlock(Box::new(block)),
            GossipMessage::Transactions(Box::new(TransactionBatch {
                transactions: List::try_from(vec![Transaction::default()]).unwrap(),
            })),
            GossipMessage::VoluntaryExit(Box::default()),
            GossipMessage::ProposerSlashing(Box::default()),
            GossipMessage::AttesterSlashing(Box::default()),
        ];
        for message in messages {
            let topic = message.topic(8);
            let bytes = message.encode().unwrap();
            assert_eq!(
                GossipMessage::decode(topic, &bytes, &limits, 8).unwrap(),
                message
            );
        }
        // An attestation of shard 3 on shard 4's subnet is refused.
        let mut attestation = Attestation::default();
        attestation.data.crosslink.shard = 3;
        let bytes = GossipMessage::Attestation(Box::new(attestation))
            .encode()
            .unwrap();
        assert!(matches!(
            GossipMessage::decode(Topic::BeaconAttestation(4), &bytes, &limits, 8),
            Err(WireError::WrongTopic { .. })
        ));
        // A beacon block's bytes on the exit topic do not decode as an exit.
        let bytes = GossipMessage::BeaconBlock(Box::default()).encode().unwrap();
        assert!(GossipMessage::decode(Topic::VoluntaryExit, &bytes, &limits, 8).is_err());
    }
}
