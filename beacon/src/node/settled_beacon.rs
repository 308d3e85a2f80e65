//! The canonical beacon blocks finality let go, remembered by root: a bounded set, oldest
//! forgotten first.
//!
//! Shard fork choice only follows shard blocks that point at canonical beacon blocks. Once
//! finality prunes a beacon block, its root is no longer in the canonical index, and every
//! shard block pointing at it looked non-canonical: a shard whose crosslink lagged behind
//! beacon finality could then never extend its head past the pruned range, built empty
//! crosslinks on the old tip, and lost every block from there (swarm seed 0: shard 3 had no
//! canonical block from slot 24 to 65). A finalized canonical block stays canonical for good,
//! so its root is kept here.
//!
//! **Bounds**: at most [`SETTLED_BEACON_BLOCKS`] roots (32 bytes each).

use consensus::primitives::Root;
use std::collections::{BTreeSet, VecDeque};

/// Finalized canonical beacon block roots remembered at most (about 4 hours of minimal slots,
/// 13 hours of mainnet ones; a shard's crosslink lagging further is past the protocol's
/// reach anyway).
pub const SETTLED_BEACON_BLOCKS: usize = 4096;

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct SettledBeacon {
    order: VecDeque<Root>,
    roots: BTreeSet<Root>,
}

impl SettledBeacon {
    /// Remembers `root`, a canonical block finality let go (oldest first).
    pub fn insert(&mut self, root: Root) {
        if !self.roots.insert(root) {
            return;
        }
        self.order.push_back(root);
        while self.order.len() > SETTLED_BEACON_BLOCKS {
            if let Some(oldest) = self.order.pop_front() {
                self.roots.remove(&oldest);
            }
        }
    }

    pub fn contains(&self, root: &Root) -> bool {
        self.roots.contains(root)
    }

    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_roots_up_to_the_bound() {
        let mut settled = SettledBeacon::default();
        let root = |i: usize| {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
            Root::new(bytes)
        };
        for i in 0..SETTLED_BEACON_BLOCKS + 10 {
            settled.insert(root(i));
        }
        settled.insert(root(SETTLED_BEACON_BLOCKS + 5));
        assert_eq!(settled.len(), SETTLED_BEACON_BLOCKS);
        assert!(!settled.contains(&root(9)));
        assert!(settled.contains(&root(10)));
        assert!(settled.contains(&root(SETTLED_BEACON_BLOCKS + 9)));
    }
}
