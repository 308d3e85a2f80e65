//! Gossipsub topic names: `/shardnode/<network>/<topic>/ssz_snappy`. `<network>` names the
//! chain (the runtime passes the first four bytes of the genesis root in hex), so nodes of
//! different chains never share a topic.

use crate::topic::Topic;
use libp2p::gossipsub::{IdentTopic, TopicHash};

/// The topic names of one chain.
#[derive(Clone, Debug)]
pub struct TopicNames {
    network: String,
    active_shard_count: u64,
}

impl TopicNames {
    pub fn new(network: &str, active_shard_count: u64) -> Self {
        Self {
            network: network.to_string(),
            active_shard_count,
        }
    }

    /// The gossipsub topic of `topic`.
    pub fn topic(&self, topic: Topic) -> IdentTopic {
        IdentTopic::new(format!("/shardnode/{}/{topic}/ssz_snappy", self.network))
    }

    pub fn hash(&self, topic: Topic) -> TopicHash {
        self.topic(topic).hash()
    }

    /// The protocol topic a gossipsub topic names, if it is one of this chain's.
    pub fn parse(&self, hash: &TopicHash) -> Option<Topic> {
        let name = hash
            .as_str()
            .strip_prefix("/shardnode/")?
            .strip_prefix(self.network.as_str())?
            .strip_prefix('/')?
            .strip_suffix("/ssz_snappy")?;
        Topic::parse(name, self.active_shard_count).ok()
    }

    /// Every topic of the chain.
    pub fn all(&self) -> Vec<Topic> {
        Topic::all(self.active_shard_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_other_chains_are_not_ours() {
        let names = TopicNames::new("0a1b2c3d", 64);
        for topic in names.all() {
            assert_eq!(names.parse(&names.hash(topic)), Some(topic));
        }
        assert_eq!(
            names.hash(Topic::ShardBlock(7)).as_str(),
            "/shardnode/0a1b2c3d/shard_block_7/ssz_snappy"
        );
        let other = TopicNames::new("ffffffff", 64);
        assert_eq!(names.parse(&other.hash(Topic::BeaconBlock)), None);
        // A shard outside the active set is not a topic of this chain.
        let wide = TopicNames::new("0a1b2c3d", 128);
        assert_eq!(names.parse(&wide.hash(Topic::ShardBlock(100))), None);
    }
}
