//! Gossip: every message type, decoded as the node decodes what a peer publishes (snappy with
//! the compressed and uncompressed bounds, SSZ, the per-topic checks). A message that decodes
//! must encode back to bytes that decode to the same message.

use crate::target::{refused, Encoding, Target, Verdict};
use consensus::ChainConfig;
use networking::{GossipMessage, Limits, Topic};
use std::sync::OnceLock;

/// The chain the targets decode for: the default configuration (8 shards).
pub fn chain() -> &'static ChainConfig {
    static CHAIN: OnceLock<ChainConfig> = OnceLock::new();
    CHAIN.get_or_init(ChainConfig::default)
}

pub fn limits() -> &'static Limits {
    static LIMITS: OnceLock<Limits> = OnceLock::new();
    LIMITS.get_or_init(|| Limits::from_config(chain()))
}

/// The topic each gossip target decodes on.
pub fn topic_of(target: &str) -> Option<Topic> {
    Some(match target {
        "gossip_beacon_block" => Topic::BeaconBlock,
        "gossip_attestation" => Topic::BeaconAttestation(1),
        "gossip_aggregate" => Topic::BeaconAggregate,
        "gossip_shard_block" => Topic::ShardBlock(1),
        "gossip_transactions" => Topic::ShardTransaction(1),
        "gossip_voluntary_exit" => Topic::VoluntaryExit,
        "gossip_proposer_slashing" => Topic::ProposerSlashing,
        "gossip_attester_slashing" => Topic::AttesterSlashing,
        _ => return None,
    })
}

fn decode(topic: Topic, bytes: &[u8]) -> Verdict {
    let asc = chain().active_shard_count;
    match GossipMessage::decode(topic, bytes, limits(), asc) {
        Ok(message) => match message.encode() {
            Ok(again) => match GossipMessage::decode(topic, &again, limits(), asc) {
                Ok(twice) if twice == message => Verdict::Accepted,
                Ok(_) => Verdict::Wrong(format!("{topic}: re-encoding decodes differently")),
                Err(e) => Verdict::Wrong(format!("{topic}: re-encoding does not decode: {e}")),
            },
            Err(e) => Verdict::Wrong(format!("{topic}: a decoded message does not encode: {e}")),
        },
        Err(e) => refused(e),
    }
}

macro_rules! gossip_target {
    ($name:literal) => {
        Target {
            name: $name,
            encoding: Encoding::Snappy,
            run: |bytes| match topic_of($name) {
                Some(topic) => decode(topic, bytes),
                None => Verdict::Wrong(format!("no topic for {}", $name)),
            },
        }
    };
}

pub fn targets() -> Vec<Target> {
    vec![
        gossip_target!("gossip_beacon_block"),
        gossip_target!("gossip_attestation"),
        gossip_target!("gossip_aggregate"),
        gossip_target!("gossip_shard_block"),
        gossip_target!("gossip_transactions"),
        gossip_target!("gossip_voluntary_exit"),
        gossip_target!("gossip_proposer_slashing"),
        gossip_target!("gossip_attester_slashing"),
    ]
}
