//! [`DepositTree`]: the deposit contract's incremental Merkle tree (depth
//! `DEPOSIT_CONTRACT_TREE_DEPTH`), giving `hash_tree_root(List[DepositData, 2^32](data))` after
//! each insertion in O(depth), and Merkle proofs for tests and genesis tooling.

use consensus::hash::{hash_pair, mix_in_length, zero_hashes};
use consensus::preset::DEPOSIT_CONTRACT_TREE_DEPTH;
use consensus::primitives::Root;

const DEPTH: usize = DEPOSIT_CONTRACT_TREE_DEPTH as usize;

/// The left siblings of the next insertion path, as the deposit contract keeps them.
#[derive(Clone, Debug, Default)]
pub struct DepositTree {
    branch: [[u8; 32]; DEPTH],
    count: u64,
}

/// The tree already holds `2^DEPOSIT_CONTRACT_TREE_DEPTH` leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the deposit tree is full ({count} leaves)")]
pub struct DepositTreeFull {
    pub count: u64,
}

impl DepositTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends one leaf (`hash_tree_root(DepositData)`).
    pub fn push(&mut self, leaf: Root) -> Result<(), DepositTreeFull> {
        if self.count >= 1 << DEPTH {
            return Err(DepositTreeFull { count: self.count });
        }
        self.count += 1;
        let mut node = leaf.0;
        let mut size = self.count;
        for height in 0..DEPTH {
            if size & 1 == 1 {
                self.branch[height] = node;
                return Ok(());
            }
            node = hash_pair(&self.branch[height], &node);
            size >>= 1;
        }
        Ok(())
    }

    /// `hash_tree_root(List[DepositData, 2^32])` of the leaves so far (the length mixed in).
    pub fn root(&self) -> Root {
        let mut node = [0u8; 32];
        let mut size = self.count;
        for (left, zero) in self.branch.iter().zip(zero_hashes().iter()) {
            node = if size & 1 == 1 {
                hash_pair(left, &node)
            } else {
                hash_pair(&node, zero)
            };
            size >>= 1;
        }
        mix_in_length(&Root::new(node), self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::hash::merkleize_chunks;

    #[test]
    fn matches_list_root() {
        let mut tree = DepositTree::new();
        let mut leaves = Vec::new();
        let empty = mix_in_length(&merkleize_chunks(&[], 1 << 32), 0);
        assert_eq!(tree.root(), empty);
        for i in 0..37u8 {
            let leaf = [i.wrapping_mul(13).wrapping_add(1); 32];
            leaves.push(leaf);
            tree.push(Root::new(leaf)).unwrap();
            let expected = mix_in_length(&merkleize_chunks(&leaves, 1 << 32), leaves.len() as u64);
            assert_eq!(tree.root(), expected, "after {} leaves", leaves.len());
        }
    }
}
