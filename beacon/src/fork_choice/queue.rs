//! Attestations waiting for a block: an attestation whose target root or beacon block root is
//! not yet in the store is kept here, under the missing root, and handed back when that block
//! is imported.
//!
//! **Owns** the bound on waiting attestations (a full queue refuses with a typed error rather
//! than dropping something silently) and their release when a block arrives or when
//! finalization makes them useless.

use consensus::primitives::{Epoch, Root};
use consensus::Attestation;
use std::collections::BTreeMap;

/// Waiting attestations are bounded by default to this many.
pub const DEFAULT_QUEUE_CAPACITY: usize = 16_384;

/// Attestations keyed by the root of the block they wait for.
#[derive(Clone, Debug)]
pub struct AttestationQueue {
    capacity: usize,
    len: usize,
    waiting: BTreeMap<Root, Vec<Attestation>>,
}

impl Default for AttestationQueue {
    fn default() -> Self {
        Self::new(DEFAULT_QUEUE_CAPACITY)
    }
}

/// The queue holds `capacity` attestations already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull {
    pub capacity: usize,
}

impl AttestationQueue {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            len: 0,
            waiting: BTreeMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many attestations wait for `root`.
    pub fn waiting_for(&self, root: &Root) -> usize {
        self.waiting.get(root).map_or(0, Vec::len)
    }

    /// Keeps `attestation` until `missing` arrives; refuses when full.
    pub fn push(&mut self, missing: Root, attestation: Attestation) -> Result<(), QueueFull> {
        if self.len >= self.capacity {
            return Err(QueueFull {
                capacity: self.capacity,
            });
        }
        self.waiting.entry(missing).or_default().push(attestation);
        self.len += 1;
        Ok(())
    }

    /// Removes and returns the attestations waiting for `root`, in arrival order.
    pub fn take(&mut self, root: &Root) -> Vec<Attestation> {
        let taken = self.waiting.remove(root).unwrap_or_default();
        self.len -= taken.len();
        taken
    }

    /// Drops the attestations whose target epoch is before `epoch`: once that epoch is
    /// finalized, the block they wait for (at or before their target epoch's start, in any
    /// honest attestation) can no longer be imported. Returns how many were dropped.
    pub fn drop_targets_before(&mut self, epoch: Epoch) -> usize {
        let mut dropped = 0;
        self.waiting.retain(|_, list| {
            let before = list.len();
            list.retain(|a| a.data.target.epoch >= epoch);
            dropped += before - list.len();
            !list.is_empty()
        });
        self.len -= dropped;
        dropped
    }
}
