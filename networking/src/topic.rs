//! Gossip topics (design 5), with a shard number where the topic is per shard.

use consensus::primitives::Shard;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topic {
    BeaconBlock,
    /// Unaggregated attestations of one shard's committee (a per-shard subnet).
    BeaconAttestation(Shard),
    BeaconAggregate,
    ShardBlock(Shard),
    ShardTransaction(Shard),
    VoluntaryExit,
    ProposerSlashing,
    AttesterSlashing,
}

/// A topic name this protocol does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error("unknown topic `{0}`")]
    Unknown(String),
    #[error("topic `{name}`: shard {shard} is not below the active shard count {active}")]
    ShardOutOfRange {
        name: String,
        shard: Shard,
        active: u64,
    },
}

/// The attestation subnet of a committee shard: the shard itself, or for the
/// attestation-only committees of design D7 (at or above the active shard count) the shard
/// modulo that count, so the topic set stays one subnet per active shard.
pub fn attestation_subnet(committee_shard: Shard, active_shard_count: u64) -> Shard {
    committee_shard
        .checked_rem(active_shard_count)
        .unwrap_or(committee_shard)
}

impl Topic {
    /// Every topic a node with `active_shard_count` shards subscribes to.
    pub fn all(active_shard_count: u64) -> Vec<Topic> {
        let mut topics = vec![
            Topic::BeaconBlock,
            Topic::BeaconAggregate,
            Topic::VoluntaryExit,
            Topic::ProposerSlashing,
            Topic::AttesterSlashing,
        ];
        for shard in 0..active_shard_count {
            topics.push(Topic::BeaconAttestation(shard));
            topics.push(Topic::ShardBlock(shard));
            topics.push(Topic::ShardTransaction(shard));
        }
        topics
    }

    /// Parses a topic name, refusing unknown names and shards outside the active set.
    pub fn parse(name: &str, active_shard_count: u64) -> Result<Topic, TopicError> {
        let fixed = match name {
            "beacon_block" => Some(Topic::BeaconBlock),
            "beacon_aggregate" => Some(Topic::BeaconAggregate),
            "voluntary_exit" => Some(Topic::VoluntaryExit),
            "proposer_slashing" => Some(Topic::ProposerSlashing),
            "attester_slashing" => Some(Topic::AttesterSlashing),
            _ => None,
        };
        if let Some(topic) = fixed {
            return Ok(topic);
        }
        type MakeTopic = fn(Shard) -> Topic;
        let per_shard: [(&str, MakeTopic); 3] = [
            ("beacon_attestation_", Topic::BeaconAttestation),
            ("shard_block_", Topic::ShardBlock),
            ("shard_transaction_", Topic::ShardTransaction),
        ];
        for (prefix, make) in per_shard {
            if let Some(digits) = name.strip_prefix(prefix) {
                let shard: Shard = digits
                    .parse()
                    .ok()
                    .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| TopicError::Unknown(name.to_string()))?;
                if shard >= active_shard_count {
                    return Err(TopicError::ShardOutOfRange {
                        name: name.to_string(),
                        shard,
                        active: active_shard_count,
                    });
                }
                return Ok(make(shard));
            }
        }
        Err(TopicError::Unknown(name.to_string()))
    }

    /// The topic's name without its shard, for metric labels (`shard_block`, ...).
    pub fn kind(self) -> &'static str {
        match self {
            Topic::BeaconBlock => "beacon_block",
            Topic::BeaconAttestation(_) => "beacon_attestation",
            Topic::BeaconAggregate => "beacon_aggregate",
            Topic::ShardBlock(_) => "shard_block",
            Topic::ShardTransaction(_) => "shard_transaction",
            Topic::VoluntaryExit => "voluntary_exit",
            Topic::ProposerSlashing => "proposer_slashing",
            Topic::AttesterSlashing => "attester_slashing",
        }
    }

    /// The shard of a per-shard topic.
    pub fn shard(self) -> Option<Shard> {
        match self {
            Topic::BeaconAttestation(s) | Topic::ShardBlock(s) | Topic::ShardTransaction(s) => {
                Some(s)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::BeaconBlock => f.write_str("beacon_block"),
            Topic::BeaconAttestation(s) => write!(f, "beacon_attestation_{s}"),
            Topic::BeaconAggregate => f.write_str("beacon_aggregate"),
            Topic::ShardBlock(s) => write!(f, "shard_block_{s}"),
            Topic::ShardTransaction(s) => write!(f, "shard_transaction_{s}"),
            Topic::VoluntaryExit => f.write_str("voluntary_exit"),
            Topic::ProposerSlashing => f.write_str("proposer_slashing"),
            Topic::AttesterSlashing => f.write_str("attester_slashing"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_names_are_refused() {
        for topic in Topic::all(8) {
            assert_eq!(Topic::parse(&topic.to_string(), 8), Ok(topic));
        }
        assert_eq!(Topic::all(8).len(), 5 + 3 * 8);
        assert!(matches!(
            Topic::parse("shard_block_8", 8),
            Err(TopicError::ShardOutOfRange { .. })
        ));
        for bad in [
            "",
            "beacon",
            "shard_block_",
            "shard_block_x",
            "shard_block_+1",
            "shard_block_-1",
        ] {
            assert_eq!(
                Topic::parse(bad, 8),
                Err(TopicError::Unknown(bad.to_string())),
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod subnet_tests {
    use super::attestation_subnet;

    #[test]
    fn attestation_only_committees_share_the_active_subnets() {
        assert_eq!(attestation_subnet(5, 8), 5);
        assert_eq!(attestation_subnet(5, 1), 0);
        assert_eq!(attestation_subnet(7, 3), 1);
        assert_eq!(attestation_subnet(2, 0), 2, "no division by zero");
    }
}
