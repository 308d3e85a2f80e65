//! `ShardCrosslinkData { shard, start_slot, end_slot, block_roots, head_state_root }`: what a
//! crosslink's `data_root` commits to (design D2 and 3.2): the roots of a shard's blocks with
//! `start_slot <= slot < end_slot`, in chain order, and the state root after the last of them.

use crate::merkle_tree::IncrementalTree;
use crate::types::{CROSSLINK_BLOCK_ROOTS_TREE_DEPTH, MAX_CROSSLINK_BLOCK_ROOTS};
use consensus::hash::{merkleize_fields, mix_in_length};
use consensus::primitives::{Root, Shard, Slot};
use ssz_rs::prelude::*;

/// Field index of `block_roots` in `ShardCrosslinkData` (five fields, a tree of depth 3).
pub const BLOCK_ROOTS_FIELD_INDEX: u64 = 3;
/// Depth of the container's field tree.
pub const CROSSLINK_DATA_FIELDS_DEPTH: usize = 3;
/// Length of the branch from a block root to the crosslink data root: the block roots tree,
/// the length mix-in, and the field tree.
pub const CROSSLINK_BLOCK_BRANCH_LENGTH: usize =
    CROSSLINK_BLOCK_ROOTS_TREE_DEPTH + 1 + CROSSLINK_DATA_FIELDS_DEPTH;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ShardCrosslinkData {
    pub shard: Shard,
    pub start_slot: Slot,
    pub end_slot: Slot,
    pub block_roots: List<Root, MAX_CROSSLINK_BLOCK_ROOTS>,
    pub head_state_root: Root,
}

fn u64_chunk(value: u64) -> Root {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    Root::new(chunk)
}

/// The generalized position of block root `position` in the branch of
/// [`ShardCrosslinkData::block_root_branch`].
pub fn block_root_branch_index(position: u64) -> u64 {
    position | (BLOCK_ROOTS_FIELD_INDEX << (CROSSLINK_BLOCK_ROOTS_TREE_DEPTH + 1))
}

impl ShardCrosslinkData {
    /// Builds the data; refuses more block roots than the list holds.
    pub fn new(
        shard: Shard,
        start_slot: Slot,
        end_slot: Slot,
        block_roots: Vec<Root>,
        head_state_root: Root,
    ) -> Option<Self> {
        Some(Self {
            shard,
            start_slot,
            end_slot,
            block_roots: List::try_from(block_roots).ok()?,
            head_state_root,
        })
    }

    fn block_roots_tree(&self) -> IncrementalTree {
        IncrementalTree::from_leaves(
            CROSSLINK_BLOCK_ROOTS_TREE_DEPTH,
            self.block_roots.iter().map(|r| r.0).collect(),
        )
    }

    fn field_roots(&self, block_roots_root: Root) -> [Root; 5] {
        [
            u64_chunk(self.shard),
            u64_chunk(self.start_slot),
            u64_chunk(self.end_slot),
            block_roots_root,
            self.head_state_root,
        ]
    }

    /// `hash_tree_root(data)`: the crosslink's `data_root`.
    pub fn root(&self) -> Root {
        let block_roots_root = mix_in_length(
            &self.block_roots_tree().root(),
            self.block_roots.len() as u64,
        );
        merkleize_fields(&self.field_roots(block_roots_root))
    }

    /// The branch from `block_roots[position]` to [`Self::root`]
    /// (length [`CROSSLINK_BLOCK_BRANCH_LENGTH`], index [`block_root_branch_index`]).
    pub fn block_root_branch(&self, position: usize) -> Option<Vec<Root>> {
        let mut branch = self.block_roots_tree().branch(position)?;
        let len = self.block_roots.len() as u64;
        let tree_root = self.block_roots_tree().root();
        branch.push(u64_chunk(len));
        let fields = self.field_roots(mix_in_length(&tree_root, len));
        let mut field_tree = IncrementalTree::from_leaves(
            CROSSLINK_DATA_FIELDS_DEPTH,
            fields.iter().map(|r| r.0).collect(),
        );
        branch.extend(field_tree.branch(BLOCK_ROOTS_FIELD_INDEX as usize)?);
        Some(branch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::hash::is_valid_merkle_branch;
    use consensus::sszx::hash_tree_root;

    #[test]
    fn root_is_ssz_and_block_branches_verify() {
        let roots: Vec<Root> = (0..7u8).map(|i| Root::new([i + 1; 32])).collect();
        let data = ShardCrosslinkData::new(2, 8, 16, roots.clone(), Root::new([9; 32])).unwrap();
        let root = data.root();
        assert_eq!(root, hash_tree_root(&data));
        for (i, r) in roots.iter().enumerate() {
            let branch = data.block_root_branch(i).unwrap();
            assert_eq!(branch.len(), CROSSLINK_BLOCK_BRANCH_LENGTH);
            assert!(is_valid_merkle_branch(
                r,
                &branch,
                CROSSLINK_BLOCK_BRANCH_LENGTH as u64,
                block_root_branch_index(i as u64),
                &root
            ));
        }
        assert!(data.block_root_branch(7).is_none());
        assert!(ShardCrosslinkData::new(0, 0, 1, vec![Root::zero(); 4097], Root::zero()).is_none());
    }
}
