//! What the runtime counts while the node runs (beside what the node itself knows): the
//! network's identity and peers, the first finality, crosslinks per shard, how long after
//! their slot's start beacon blocks arrive, and gossip verdicts by reason. Shared with the
//! HTTP API.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Arrival delays kept for percentiles (the most recent ones).
const DELAY_SAMPLES: usize = 4096;

/// See the module documentation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RuntimeStats {
    pub peer_id: String,
    pub listen: Vec<String>,
    pub connected_peers: usize,
    /// The peer ids connected now.
    pub peer_ids: BTreeSet<String>,
    pub banned_peers: u64,
    pub first_finalized_epoch: Option<u64>,
    /// When the node saw its first finalized epoch (ms since the Unix epoch).
    pub first_finalized_at_ms: Option<u64>,
    pub crosslinks_per_shard: Vec<u64>,
    pub beacon_blocks_proposed: u64,
    pub shard_blocks_proposed: u64,
    pub signing_refused: u64,
    /// Gossip verdicts, by `topic kind/verdict label`.
    pub verdicts: BTreeMap<String, u64>,
    #[serde(skip)]
    delays_ms: VecDeque<u64>,
}

/// Percentiles of the beacon block arrival delays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Delays {
    pub count: usize,
    pub p50_ms: Option<u64>,
    pub p99_ms: Option<u64>,
}

impl RuntimeStats {
    pub fn new(shards: u64) -> Self {
        Self {
            crosslinks_per_shard: vec![0; shards as usize],
            ..Self::default()
        }
    }

    /// A gossip beacon block accepted `delay_ms` after its slot began.
    pub fn block_arrived(&mut self, delay_ms: u64) {
        if self.delays_ms.len() == DELAY_SAMPLES {
            self.delays_ms.pop_front();
        }
        self.delays_ms.push_back(delay_ms);
    }

    pub fn delays(&self) -> Delays {
        let mut sorted: Vec<u64> = self.delays_ms.iter().copied().collect();
        sorted.sort_unstable();
        let at = |q: f64| -> Option<u64> {
            let last = sorted.len().checked_sub(1)?;
            sorted.get(((last as f64) * q).round() as usize).copied()
        };
        Delays {
            count: sorted.len(),
            p50_ms: at(0.5),
            p99_ms: at(0.99),
        }
    }

    /// The delays kept, oldest first.
    pub fn delay_samples(&self) -> Vec<u64> {
        self.delays_ms.iter().copied().collect()
    }

    pub fn verdict(&mut self, topic_kind: &str, label: &str) {
        *self
            .verdicts
            .entry(format!("{topic_kind}/{label}"))
            .or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_percentiles() {
        let mut stats = RuntimeStats::new(2);
        assert_eq!(stats.delays().p50_ms, None);
        for d in 1..=100 {
            stats.block_arrived(d);
        }
        let delays = stats.delays();
        assert_eq!(delays.count, 100);
        assert_eq!(delays.p50_ms, Some(51));
        assert_eq!(delays.p99_ms, Some(99));
        for d in 0..10_000 {
            stats.block_arrived(d);
        }
        assert_eq!(stats.delays().count, DELAY_SAMPLES);
    }
}
