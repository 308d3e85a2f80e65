//! Where each recent transaction went, for `GET /shardnode/v1/transactions/{hash}` and the
//! inclusion-latency histogram.
//!
//! **Owns** a bounded map from transaction hash to what this node saw of it: when it was
//! submitted to this node's API, the latest shard block it imported that included it, and,
//! for a cross-shard transfer, the receipt that block created. Whether that block is still
//! canonical, finalized, or the receipt credited is not stored here: the API asks the node at
//! query time, so the answer never goes stale.
//!
//! **Must never** grow with the run: at most [`TX_INDEX_CAPACITY`] transactions submitted here
//! and [`SEEN_CAPACITY`] others (seen only in blocks) are kept, the oldest of each forgotten
//! first. Two queues, so that a cluster's block traffic does not push out what this node's own
//! clients submitted: ask the node you submitted to. It holds no protocol rule.

use consensus::primitives::{Root, Shard, Slot};
use shard::Address;
use std::collections::{HashMap, VecDeque};

/// Transactions submitted to this node remembered at most (about 150 bytes each with the map:
/// ~40 MB when full). At 1,250 TPS submitted here that is the last 210 s.
pub const TX_INDEX_CAPACITY: usize = 1 << 18;

/// Transactions seen only in imported blocks remembered at most (~10 MB when full).
pub const SEEN_CAPACITY: usize = 1 << 16;

/// A shard block that included the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inclusion {
    pub shard: Shard,
    pub slot: Slot,
    pub block_root: Root,
}

/// The receipt a cross-shard transfer created: credited once the destination's state has
/// credited `index` from the source shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub destination: Shard,
    pub index: u64,
}

/// What this node saw of one transaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxRecord {
    /// Wall-clock ms of its submission to this node's API.
    pub submitted_ms: Option<u64>,
    /// Its sender and nonce, when it was submitted here (to find it in the mempool).
    pub sender: Option<(Address, u64)>,
    /// The latest imported block that included it.
    pub included: Option<Inclusion>,
    pub receipt: Option<Receipt>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct TxIndex {
    records: HashMap<Root, TxRecord>,
    /// Submitted here, oldest first.
    submitted: VecDeque<Root>,
    /// Seen only in blocks when first recorded, oldest first (skipped on eviction once
    /// submitted here: the other queue holds it then).
    seen: VecDeque<Root>,
}

impl TxIndex {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn get(&self, hash: &Root) -> Option<TxRecord> {
        self.records.get(hash).copied()
    }

    /// The record of `hash`, created if new (queued as submitted here or as seen), the oldest
    /// of that queue forgotten past its capacity.
    fn record(&mut self, hash: Root, submitting: bool) -> &mut TxRecord {
        let known_as_submitted = self
            .records
            .get(&hash)
            .is_some_and(|r| r.submitted_ms.is_some());
        let new = !self.records.contains_key(&hash);
        if submitting && !known_as_submitted {
            while self.submitted.len() >= TX_INDEX_CAPACITY {
                if let Some(old) = self.submitted.pop_front() {
                    self.records.remove(&old);
                }
            }
            self.submitted.push_back(hash);
        } else if new {
            while self.seen.len() >= SEEN_CAPACITY {
                let Some(old) = self.seen.pop_front() else {
                    break;
                };
                if self
                    .records
                    .get(&old)
                    .is_some_and(|r| r.submitted_ms.is_none())
                {
                    self.records.remove(&old);
                }
            }
            self.seen.push_back(hash);
        }
        self.records.entry(hash).or_default()
    }

    /// `hash` (from `sender` at `nonce`) was accepted by this node's API at `now_ms`.
    pub fn submitted(&mut self, hash: Root, sender: Address, nonce: u64, now_ms: u64) {
        let record = self.record(hash, true);
        record.submitted_ms.get_or_insert(now_ms);
        record.sender = Some((sender, nonce));
    }

    /// A block this node imported included `hash`. Returns the submission time when this is
    /// the first inclusion of a transaction submitted here (for the latency histogram).
    pub fn included(
        &mut self,
        hash: Root,
        inclusion: Inclusion,
        receipt: Option<Receipt>,
    ) -> Option<u64> {
        let record = self.record(hash, false);
        let first = record.included.is_none();
        record.included = Some(inclusion);
        record.receipt = receipt;
        if first {
            record.submitted_ms
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::primitives::FixedBytes;

    fn root(n: u64) -> Root {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&n.to_le_bytes());
        FixedBytes(bytes)
    }

    /// The index keeps the newest transactions only, and reports a latency once.
    #[test]
    fn bounded_and_first_inclusion_only() {
        let mut index = TxIndex::default();
        let at = Inclusion {
            shard: 1,
            slot: 3,
            block_root: root(7),
        };
        index.submitted(root(1), FixedBytes([9; 32]), 0, 1_000);
        assert_eq!(index.included(root(1), at, None), Some(1_000));
        assert_eq!(index.included(root(1), at, None), None);
        // A transaction seen only in a block has no submission time.
        assert_eq!(index.included(root(2), at, None), None);
        // Block traffic does not push out what was submitted here.
        for n in 0..SEEN_CAPACITY as u64 + 10 {
            index.included(root(1_000_000 + n), at, None);
        }
        assert_eq!(index.len(), SEEN_CAPACITY + 1);
        assert!(index.get(&root(1)).is_some(), "submitted here: kept");
        assert!(
            index.get(&root(2)).is_none(),
            "seen only: the oldest are forgotten"
        );
        let newest = root(1_000_000 + SEEN_CAPACITY as u64 + 9);
        assert!(index.get(&newest).is_some());
        // Submissions are bounded too.
        for n in 0..TX_INDEX_CAPACITY as u64 + 10 {
            index.submitted(root(2_000_000 + n), FixedBytes([1; 32]), n, 0);
        }
        assert_eq!(index.len(), TX_INDEX_CAPACITY + SEEN_CAPACITY);
        assert!(
            index.get(&root(1)).is_none(),
            "the oldest submission is forgotten"
        );
    }
}
