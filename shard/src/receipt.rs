//! Cross-shard receipts: `Receipt { source_shard, index, to, amount }`, emitted by the sender's
//! shard when `to` lives elsewhere, and the root of a block's outgoing receipts,
//! `hash_tree_root(List[Receipt, 2^16])`.

use crate::merkle_tree::IncrementalTree;
use crate::types::{Address, Amount, OUTGOING_RECEIPTS_TREE_DEPTH};
use consensus::hash::{hash_pair, mix_in_length};
use consensus::primitives::{Root, Shard};
use ssz_rs::prelude::*;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Receipt {
    pub source_shard: Shard,
    /// Position of this receipt among the receipts its source shard has emitted to the same
    /// destination shard (`compute_home_shard(to)`): numbered from 0 per pair and credited
    /// in that order.
    pub index: u64,
    pub to: Address,
    pub amount: Amount,
}

fn u64_chunk(value: u64) -> [u8; 32] {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    chunk
}

impl Receipt {
    /// `hash_tree_root(receipt)` in three hashes.
    pub fn root(&self) -> Root {
        let left = hash_pair(&u64_chunk(self.source_shard), &u64_chunk(self.index));
        let right = hash_pair(&self.to.0, &u64_chunk(self.amount));
        Root::new(hash_pair(&left, &right))
    }
}

/// The outgoing receipts tree of one block (without the length mix-in).
fn receipts_tree(receipts: &[Receipt]) -> IncrementalTree {
    IncrementalTree::from_leaves(
        OUTGOING_RECEIPTS_TREE_DEPTH,
        receipts.iter().map(|r| r.root().0).collect(),
    )
}

/// `compute_outgoing_receipts_root(receipts)` = `hash_tree_root(List[Receipt, 2^16](receipts))`.
pub fn compute_outgoing_receipts_root(receipts: &[Receipt]) -> Root {
    mix_in_length(&receipts_tree(receipts).root(), receipts.len() as u64)
}

/// The branch from `receipts[position]` to the outgoing receipts root: 16 siblings and the
/// length chunk (depth 17, index `position`).
pub fn outgoing_receipt_branch(receipts: &[Receipt], position: usize) -> Option<Vec<Root>> {
    let mut branch = receipts_tree(receipts).branch(position)?;
    branch.push(Root::new(u64_chunk(receipts.len() as u64)));
    Some(branch)
}

/// The branches of every receipt of one block, from one tree (a proposer proving many
/// receipts of the same block builds the tree once).
pub fn outgoing_receipt_branches(receipts: &[Receipt]) -> Vec<Vec<Root>> {
    let mut tree = receipts_tree(receipts);
    let length = Root::new(u64_chunk(receipts.len() as u64));
    (0..receipts.len())
        .filter_map(|position| {
            let mut branch = tree.branch(position)?;
            branch.push(length);
            Some(branch)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::MAX_OUTGOING_RECEIPTS_PER_BLOCK;
    use consensus::hash::is_valid_merkle_branch;
    use consensus::sszx::hash_tree_root;

    fn receipts(n: u64) -> Vec<Receipt> {
        (0..n)
            .map(|i| Receipt {
                source_shard: 3,
                index: 100 + i,
                to: Address::new([i as u8; 32]),
                amount: 5 + i,
            })
            .collect()
    }

    #[test]
    fn roots_equal_ssz_and_branches_verify() {
        let list = receipts(5);
        assert_eq!(list[2].root(), hash_tree_root(&list[2]));
        let ssz: List<Receipt, MAX_OUTGOING_RECEIPTS_PER_BLOCK> =
            List::try_from(list.clone()).unwrap();
        let root = compute_outgoing_receipts_root(&list);
        assert_eq!(root, hash_tree_root(&ssz));
        for (i, r) in list.iter().enumerate() {
            let branch = outgoing_receipt_branch(&list, i).unwrap();
            assert_eq!(branch.len(), OUTGOING_RECEIPTS_TREE_DEPTH + 1);
            assert!(is_valid_merkle_branch(
                &r.root(),
                &branch,
                17,
                i as u64,
                &root
            ));
        }
        assert!(outgoing_receipt_branch(&list, 5).is_none());
        let all = outgoing_receipt_branches(&list);
        assert_eq!(all.len(), list.len());
        for (i, branch) in all.iter().enumerate() {
            assert_eq!(Some(branch.clone()), outgoing_receipt_branch(&list, i));
        }
        let empty: List<Receipt, MAX_OUTGOING_RECEIPTS_PER_BLOCK> = List::default();
        assert_eq!(compute_outgoing_receipts_root(&[]), hash_tree_root(&empty));
    }
}
