//! An incrementally maintained binary Merkle tree over 32-byte leaves: the SSZ
//! `merkleize(leaves, 2^depth)` of a list, kept as cached layers so that changing `k` leaves
//! costs about `k · (log2(len) - log2(k)) + k` hashes instead of a rebuild.
//!
//! Layer 0 holds the leaves; layer `l + 1` holds `ceil(len_l / 2)` parents, up to the first
//! layer of one node; above it the root is folded with the zero-subtree ladder up to `depth`.
//! Changed leaves are queued and hashed upwards, sorted and de-duplicated per layer, on the
//! next [`IncrementalTree::root`]. [`IncrementalTree::recompute_root`] rebuilds from scratch,
//! for tests to compare against.

use consensus::hash::{hash_pair, merkleize_chunks, zero_hashes, MAX_TREE_DEPTH};
use consensus::primitives::Root;

/// A Merkle tree of fixed limit `2^depth` with cached internal nodes.
#[derive(Clone, Debug, Default)]
pub struct IncrementalTree {
    depth: usize,
    layers: Vec<Vec<[u8; 32]>>,
    dirty: Vec<usize>,
    scratch: Vec<usize>,
}

impl IncrementalTree {
    /// An empty tree of limit `2^depth` (`depth` is capped at the deepest tree supported).
    pub fn new(depth: usize) -> Self {
        Self {
            depth: depth.min(MAX_TREE_DEPTH),
            layers: vec![Vec::new()],
            dirty: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// A tree over `leaves`, hashed once.
    pub fn from_leaves(depth: usize, leaves: Vec<[u8; 32]>) -> Self {
        let mut tree = Self::new(depth);
        tree.dirty = (0..leaves.len()).collect();
        tree.layers[0] = leaves;
        tree.flush();
        tree
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn len(&self) -> usize {
        self.leaves().len()
    }

    pub fn is_empty(&self) -> bool {
        self.leaves().is_empty()
    }

    pub fn leaves(&self) -> &[[u8; 32]] {
        self.layers.first().map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn leaf(&self, index: usize) -> Option<&[u8; 32]> {
        self.leaves().get(index)
    }

    /// Appends a leaf; refuses (returns false) past the limit `2^depth`.
    pub fn push(&mut self, leaf: [u8; 32]) -> bool {
        let len = self.len();
        if self.depth < usize::BITS as usize && len >= (1usize << self.depth) {
            return false;
        }
        if let Some(leaves) = self.layers.first_mut() {
            leaves.push(leaf);
            self.dirty.push(len);
        }
        true
    }

    /// Replaces leaf `index`; returns false if there is no such leaf.
    pub fn set(&mut self, index: usize, leaf: [u8; 32]) -> bool {
        match self.layers.first_mut().and_then(|l| l.get_mut(index)) {
            Some(slot) => {
                *slot = leaf;
                self.dirty.push(index);
                true
            }
            None => false,
        }
    }

    /// Drops every leaf from `len` on (used to undo appends).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        if let Some(leaves) = self.layers.first_mut() {
            leaves.truncate(len);
        }
        self.dirty.retain(|i| *i < len);
        if len > 0 {
            self.dirty.push(len - 1);
        }
        // Parent layers are resized on the next flush; an empty tree has only layer 0.
        if len == 0 {
            self.layers.truncate(1);
            self.dirty.clear();
        }
    }

    /// Hashes every queued change up to the top layer.
    fn flush(&mut self) {
        if self.dirty.is_empty() {
            return;
        }
        let zeros = zero_hashes();
        let mut indices = std::mem::take(&mut self.dirty);
        let mut parents = std::mem::take(&mut self.scratch);
        indices.sort_unstable();
        indices.dedup();
        let mut level = 0;
        loop {
            let child_len = self.layers[level].len();
            if child_len <= 1 {
                break;
            }
            let parent_len = child_len.div_ceil(2);
            if self.layers.len() <= level + 1 {
                self.layers.push(Vec::new());
            }
            let (lower, upper) = self.layers.split_at_mut(level + 1);
            let children = &lower[level];
            let parent_layer = &mut upper[0];
            parent_layer.resize(parent_len, [0u8; 32]);
            parents.clear();
            for &i in &indices {
                let p = i / 2;
                if parents.last() == Some(&p) || p >= parent_len {
                    continue;
                }
                let left = &children[2 * p];
                let right = children.get(2 * p + 1).unwrap_or(&zeros[level]);
                parent_layer[p] = hash_pair(left, right);
                parents.push(p);
            }
            std::mem::swap(&mut indices, &mut parents);
            level += 1;
        }
        self.layers.truncate(level + 1);
        indices.clear();
        parents.clear();
        self.dirty = indices;
        self.scratch = parents;
    }

    /// `merkleize(leaves, 2^depth)`, from the cached layers.
    pub fn root(&mut self) -> Root {
        self.flush();
        self.cached_root()
    }

    /// The root without touching the tree, when no leaf changed since the last
    /// [`IncrementalTree::root`] (`None` otherwise).
    pub fn root_if_clean(&self) -> Option<Root> {
        self.dirty.is_empty().then(|| self.cached_root())
    }

    fn cached_root(&self) -> Root {
        let zeros = zero_hashes();
        let top_level = self.layers.len() - 1;
        let Some(top) = self.layers.last().and_then(|l| l.first()) else {
            return Root::new(zeros[self.depth]);
        };
        let mut node = *top;
        for zero in zeros.iter().take(self.depth).skip(top_level) {
            node = hash_pair(&node, zero);
        }
        Root::new(node)
    }

    /// The same root computed from the leaves alone, ignoring every cached node.
    pub fn recompute_root(&self) -> Root {
        if self.is_empty() {
            return Root::new(zero_hashes()[self.depth]);
        }
        merkleize_chunks(self.leaves(), 1usize << self.depth)
    }

    /// The `depth` siblings of leaf `index`, bottom up (for `is_valid_merkle_branch`).
    pub fn branch(&mut self, index: usize) -> Option<Vec<Root>> {
        if index >= self.len() {
            return None;
        }
        self.flush();
        let zeros = zero_hashes();
        let mut branch = Vec::with_capacity(self.depth);
        let mut position = index;
        for (level, zero) in zeros.iter().enumerate().take(self.depth) {
            let sibling = self
                .layers
                .get(level)
                .and_then(|layer| layer.get(position ^ 1))
                .unwrap_or(zero);
            branch.push(Root::new(*sibling));
            position /= 2;
        }
        Some(branch)
    }
}

/// The `depth` siblings of `leaves[index]` in `merkleize(leaves, 2^depth)`.
pub fn merkle_branch(leaves: &[[u8; 32]], depth: usize, index: usize) -> Option<Vec<Root>> {
    IncrementalTree::from_leaves(depth, leaves.to_vec()).branch(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::hash::is_valid_merkle_branch;

    fn leaf(i: u64) -> [u8; 32] {
        let mut l = [0u8; 32];
        l[..8].copy_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
        l[31] = 1;
        l
    }

    #[test]
    fn incremental_matches_scratch_through_pushes_sets_and_truncates() {
        let mut tree = IncrementalTree::new(10);
        assert_eq!(tree.root(), tree.recompute_root());
        for i in 0..37u64 {
            assert!(tree.push(leaf(i)));
            assert_eq!(tree.root(), tree.recompute_root(), "after push {i}");
        }
        for i in [0usize, 5, 36, 17, 17, 2] {
            tree.set(i, leaf(1000 + i as u64));
            assert_eq!(tree.root(), tree.recompute_root());
        }
        for len in [33usize, 32, 17, 16, 2, 1, 0, 0] {
            tree.truncate(len);
            assert_eq!(tree.root(), tree.recompute_root(), "after truncate {len}");
        }
        for i in 0..9u64 {
            tree.push(leaf(i));
        }
        tree.set(3, leaf(77));
        tree.truncate(5);
        assert_eq!(tree.root(), tree.recompute_root());
    }

    #[test]
    fn limit_is_enforced_and_branches_verify() {
        let mut tree = IncrementalTree::new(2);
        for i in 0..4 {
            assert!(tree.push(leaf(i)));
        }
        assert!(!tree.push(leaf(9)));
        let leaves: Vec<[u8; 32]> = (0..11).map(leaf).collect();
        let mut tree = IncrementalTree::from_leaves(6, leaves.clone());
        let root = tree.root();
        for (i, l) in leaves.iter().enumerate() {
            let branch = tree.branch(i).unwrap();
            assert!(is_valid_merkle_branch(
                &Root::new(*l),
                &branch,
                6,
                i as u64,
                &root
            ));
        }
        assert!(tree.branch(11).is_none());
        assert_eq!(merkle_branch(&leaves, 6, 3), tree.branch(3));
    }
}
