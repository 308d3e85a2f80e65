//! [`StateRootCache`]: `hash_tree_root(BeaconState)` kept incrementally across calls.
//!
//! The cache keeps the Merkle tree of every large field (the root vectors, the registry, the
//! balances, the pending attestations, the crosslinks) and, on each call, compares the state's
//! current contents with what it hashed last time, rehashing only the paths above changed
//! leaves. Because it diffs contents instead of trusting change notifications, it is correct
//! whatever changed the state in between (tested against [`crate::state_root::state_root`]);
//! a slot that changes a few leaves costs a few memory comparisons per leaf plus a few hashes.

use crate::state_root::{merkleize_state, LargeFieldRoots};
use consensus::chunked_roots::{RootChunk, RootVector};
use consensus::containers::validator_roots;
use consensus::hash::{hash_pair, mix_in_length, tree_depth, zero_hashes};
use consensus::primitives::Root;
use consensus::sszx::hash_tree_root;
use consensus::{BeaconState, Crosslink, PendingAttestation, Preset, Validator};
use std::any::Any;
use std::sync::Arc;

/// The shared allocation a tree was last brought up to date with, kept alive: while it is
/// held, nobody can write to it in place, so finding the same allocation again means finding
/// the same contents, and the tree is skipped without comparing a single leaf.
#[derive(Clone, Default)]
struct Seen(Option<Arc<dyn Any + Send + Sync>>);

impl Seen {
    /// Whether `share` is the allocation seen last.
    fn is(&self, share: &Option<Arc<dyn Any + Send + Sync>>) -> bool {
        match (&self.0, share) {
            (Some(seen), Some(share)) => std::ptr::addr_eq(Arc::as_ptr(seen), Arc::as_ptr(share)),
            _ => false,
        }
    }
}

impl std::fmt::Debug for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Seen(shared)"
        } else {
            "Seen(none)"
        })
    }
}

/// A Merkle tree of depth `depth` over a prefix of populated leaves (the rest are virtual zero
/// leaves), with the changed leaves remembered until the next [`LeafTree::root`].
#[derive(Clone, Debug, Default)]
struct LeafTree {
    depth: usize,
    /// `levels[0]` are the leaves; `levels[h]` has `ceil(len / 2^h)` nodes.
    levels: Vec<Vec<[u8; 32]>>,
    dirty: Vec<usize>,
    stale: bool,
}

impl LeafTree {
    /// Prepares for `len` leaves under a tree of `depth` (rebuilding when either changes).
    fn reset_shape(&mut self, depth: usize, len: usize) {
        if self.levels.is_empty() || self.depth != depth {
            self.depth = depth;
            self.levels = vec![Vec::new()];
            self.stale = true;
        }
        if self.levels[0].len() != len {
            self.levels[0].resize(len, [0u8; 32]);
            self.stale = true;
        }
    }

    /// Sets leaf `i` (which must be below the length given to `reset_shape`).
    #[inline]
    fn set(&mut self, i: usize, leaf: [u8; 32]) {
        if self.levels[0][i] != leaf {
            self.levels[0][i] = leaf;
            if !self.stale {
                self.dirty.push(i);
            }
        }
    }

    fn rebuild(&mut self) {
        self.levels.truncate(1);
        for zero in zero_hashes().iter().take(self.depth) {
            let below = self.levels.last().map(Vec::as_slice).unwrap_or_default();
            let level: Vec<[u8; 32]> = below
                .chunks(2)
                .map(|pair| hash_pair(&pair[0], pair.get(1).unwrap_or(zero)))
                .collect();
            self.levels.push(level);
        }
        self.dirty.clear();
        self.stale = false;
    }

    /// The root (data root for lists: the caller mixes in the length).
    fn root(&mut self) -> Root {
        let zeros = zero_hashes();
        if self.levels[0].is_empty() {
            self.dirty.clear();
            self.stale = false;
            return Root::new(zeros[self.depth]);
        }
        if self.stale || self.levels.len() != self.depth + 1 {
            self.rebuild();
        } else if !self.dirty.is_empty() {
            let mut positions = std::mem::take(&mut self.dirty);
            positions.sort_unstable();
            positions.dedup();
            for height in 0..self.depth {
                for p in positions.iter_mut() {
                    *p /= 2;
                }
                positions.dedup();
                let (below, above) = self.levels.split_at_mut(height + 1);
                let below = &below[height];
                let level = &mut above[0];
                for &p in &positions {
                    let right = below.get(2 * p + 1).unwrap_or(&zeros[height]);
                    level[p] = hash_pair(&below[2 * p], right);
                }
            }
        }
        Root::new(self.levels[self.depth][0])
    }
}

/// Leaves derived from list elements, recomputed only for elements that changed.
#[derive(Clone, Debug)]
struct ElementTree<T> {
    elements: Vec<T>,
    tree: LeafTree,
}

impl<T> Default for ElementTree<T> {
    fn default() -> Self {
        Self {
            elements: Vec::new(),
            tree: LeafTree::default(),
        }
    }
}

impl<T: Clone + PartialEq> ElementTree<T> {
    /// The root over `items`, rehashing the leaves of the elements that changed since the last
    /// call; `leaves` hashes all changed elements in one batch.
    fn root(&mut self, items: &[T], depth: usize, leaves: impl Fn(&[&T]) -> Vec<[u8; 32]>) -> Root {
        if self.tree.levels.is_empty() || self.tree.depth != depth {
            self.elements.clear();
        }
        self.tree.reset_shape(depth, items.len());
        self.elements.truncate(items.len());
        let mut changed = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match self.elements.get_mut(i) {
                Some(old) if old == item => {}
                Some(old) => {
                    *old = item.clone();
                    changed.push(i);
                }
                None => {
                    self.elements.push(item.clone());
                    changed.push(i);
                }
            }
        }
        let changed_items: Vec<&T> = changed.iter().filter_map(|&i| items.get(i)).collect();
        for (&i, leaf) in changed.iter().zip(leaves(&changed_items)) {
            self.tree.set(i, leaf);
        }
        self.tree.root()
    }
}

/// One leaf per element, through `leaf`.
fn each<T>(leaf: impl Fn(&T) -> [u8; 32]) -> impl Fn(&[&T]) -> Vec<[u8; 32]> {
    move |items| items.iter().map(|item| leaf(item)).collect()
}

/// The levels above the chunks of a [`RootVector`]: the leaves are the chunks' roots (each
/// cached in its chunk), and a chunk is read only when it is not the allocation seen last at
/// its position (held here, so the same pointer means the same contents).
#[derive(Clone, Debug, Default)]
struct ChunkTree {
    seen: Vec<Arc<RootChunk>>,
    tree: LeafTree,
}

impl ChunkTree {
    fn root(&mut self, roots: &impl RootVector) -> Root {
        let chunks = roots.chunks();
        let depth = roots.upper_depth();
        if self.seen.len() != chunks.len() || self.tree.depth != depth {
            self.seen.clear();
        }
        self.tree.reset_shape(depth, chunks.len());
        for (i, chunk) in chunks.iter().enumerate() {
            match self.seen.get_mut(i) {
                Some(seen) if Arc::ptr_eq(seen, chunk) => continue,
                Some(seen) => *seen = Arc::clone(chunk),
                None => self.seen.push(Arc::clone(chunk)),
            }
            self.tree.set(i, chunk.root());
        }
        self.tree.root()
    }
}

fn roots_tree(tree: &mut LeafTree, roots: &[Root], depth: usize) -> Root {
    tree.reset_shape(depth, roots.len());
    for (i, r) in roots.iter().enumerate() {
        tree.set(i, r.0);
    }
    tree.root()
}

fn packed_tree(tree: &mut LeafTree, values: &[u64], depth: usize) -> Root {
    tree.reset_shape(depth, values.len().div_ceil(4));
    for (i, four) in values.chunks(4).enumerate() {
        let mut chunk = [0u8; 32];
        for (j, v) in four.iter().enumerate() {
            chunk[j * 8..j * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        tree.set(i, chunk);
    }
    tree.root()
}

/// The trees of one chain's states; see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct StateRootCache {
    block_roots: ChunkTree,
    state_roots: ChunkTree,
    historical_roots: LeafTree,
    randao_mixes: ChunkTree,
    active_index_roots: ChunkTree,
    compact_committees_roots: ChunkTree,
    /// The shared registry the validators' tree was last updated from.
    seen_validators: Seen,
    balances: LeafTree,
    slashings: LeafTree,
    validators: ElementTree<Validator>,
    previous_attestations: ElementTree<PendingAttestation>,
    current_attestations: ElementTree<PendingAttestation>,
    previous_crosslinks: ElementTree<Crosslink>,
    current_crosslinks: ElementTree<Crosslink>,
}

impl StateRootCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// `hash_tree_root(state)`, updating the cached trees.
    pub fn root<P: Preset>(&mut self, state: &BeaconState<P>) -> Root {
        merkleize_state(state, self)
    }

    /// The registry's data root; a registry shared with the one seen last is not read.
    fn validators_root<P: Preset>(&mut self, state: &BeaconState<P>, depth: usize) -> Root {
        let share: Option<Arc<dyn Any + Send + Sync>> = Some(state.validators.arc().clone());
        let tree = &self.validators.tree;
        if self.seen_validators.is(&share) && tree.depth == depth && tree.levels.len() == depth + 1
        {
            return self.validators.tree.root();
        }
        let root = self
            .validators
            .root(&state.validators, depth, validator_roots);
        self.seen_validators.0 = share;
        root
    }
}

fn pending_depth<P: Preset>() -> usize {
    tree_depth((P::MAX_ATTESTATIONS * P::SLOTS_PER_EPOCH) as usize)
}

fn crosslink_leaf(c: &Crosslink) -> [u8; 32] {
    hash_tree_root(c).0
}

fn attestation_leaf(a: &PendingAttestation) -> [u8; 32] {
    hash_tree_root(a).0
}

impl<P: Preset> LargeFieldRoots<P> for StateRootCache {
    fn block_roots(&mut self, state: &BeaconState<P>) -> Root {
        self.block_roots.root(&state.block_roots)
    }

    fn state_roots(&mut self, state: &BeaconState<P>) -> Root {
        self.state_roots.root(&state.state_roots)
    }

    fn historical_roots(&mut self, state: &BeaconState<P>) -> Root {
        let depth = tree_depth(P::HISTORICAL_ROOTS_LIMIT as usize);
        mix_in_length(
            &roots_tree(&mut self.historical_roots, &state.historical_roots, depth),
            state.historical_roots.len() as u64,
        )
    }

    fn validators(&mut self, state: &BeaconState<P>) -> Root {
        let depth = tree_depth(P::VALIDATOR_REGISTRY_LIMIT as usize);
        mix_in_length(
            &self.validators_root(state, depth),
            state.validators.len() as u64,
        )
    }

    fn balances(&mut self, state: &BeaconState<P>) -> Root {
        let depth = tree_depth((P::VALIDATOR_REGISTRY_LIMIT as usize).div_ceil(4));
        mix_in_length(
            &packed_tree(&mut self.balances, &state.balances, depth),
            state.balances.len() as u64,
        )
    }

    fn randao_mixes(&mut self, state: &BeaconState<P>) -> Root {
        self.randao_mixes.root(&state.randao_mixes)
    }

    fn active_index_roots(&mut self, state: &BeaconState<P>) -> Root {
        self.active_index_roots.root(&state.active_index_roots)
    }

    fn compact_committees_roots(&mut self, state: &BeaconState<P>) -> Root {
        self.compact_committees_roots
            .root(&state.compact_committees_roots)
    }

    fn slashings(&mut self, state: &BeaconState<P>) -> Root {
        let depth = tree_depth((P::EPOCHS_PER_SLASHINGS_VECTOR as usize).div_ceil(4));
        packed_tree(&mut self.slashings, &state.slashings, depth)
    }

    fn previous_epoch_attestations(&mut self, state: &BeaconState<P>) -> Root {
        mix_in_length(
            &self.previous_attestations.root(
                &state.previous_epoch_attestations,
                pending_depth::<P>(),
                each(attestation_leaf),
            ),
            state.previous_epoch_attestations.len() as u64,
        )
    }

    fn current_epoch_attestations(&mut self, state: &BeaconState<P>) -> Root {
        mix_in_length(
            &self.current_attestations.root(
                &state.current_epoch_attestations,
                pending_depth::<P>(),
                each(attestation_leaf),
            ),
            state.current_epoch_attestations.len() as u64,
        )
    }

    fn previous_crosslinks(&mut self, state: &BeaconState<P>) -> Root {
        let depth = tree_depth(P::SHARD_COUNT as usize);
        self.previous_crosslinks
            .root(&state.previous_crosslinks, depth, each(crosslink_leaf))
    }

    fn current_crosslinks(&mut self, state: &BeaconState<P>) -> Root {
        let depth = tree_depth(P::SHARD_COUNT as usize);
        self.current_crosslinks
            .root(&state.current_crosslinks, depth, each(crosslink_leaf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::sszx::SszList;
    use consensus::{Eth1Data, Minimal};
    use proptest::prelude::*;

    /// One mutation of the kinds blocks and epoch transitions make (and a few they never do,
    /// such as shrinking the registry), driven by `(kind, value)`.
    fn mutate(state: &mut BeaconState<Minimal>, kind: u8, r: u64) {
        let i = (r >> 8) as usize;
        match kind % 14 {
            0 => {
                let _ = state.validators.try_push(Validator {
                    effective_balance: r,
                    ..Validator::default()
                });
                let _ = state.balances.try_push(r >> 3);
            }
            1 if !state.validators.is_empty() => {
                let n = state.validators.len();
                state.validators[i % n].slashed ^= true;
                state.balances[i % n] = r;
            }
            2 if !state.validators.is_empty() => {
                let n = state.validators.len();
                state.validators[i % n].exit_epoch = r;
            }
            3 => state.randao_mixes[i % 64] = Root::new([r as u8; 32]),
            4 => state.block_roots[i % 64] = Root::new([(r >> 3) as u8; 32]),
            5 => state.state_roots[i % 64] = Root::new([(r >> 5) as u8; 32]),
            6 => state
                .historical_roots
                .make_mut()
                .push(Root::new([r as u8; 32])),
            7 => state.slashings[i % 64] = r,
            8 => {
                let _ = state
                    .current_epoch_attestations
                    .try_push(PendingAttestation {
                        inclusion_delay: r,
                        ..PendingAttestation::default()
                    });
            }
            9 => {
                state.previous_epoch_attestations =
                    std::mem::take(&mut state.current_epoch_attestations);
            }
            10 => state.current_crosslinks[i % 8].end_epoch = r,
            11 => {
                let _ = state.eth1_data_votes.try_push(Eth1Data {
                    deposit_count: r,
                    ..Eth1Data::default()
                });
            }
            12 if state.validators.len() > 2 => {
                let _ = state.validators.make_mut().pop();
                let _ = state.balances.make_mut().pop();
            }
            13 => state.active_index_roots[i % 64] = Root::new([(r >> 7) as u8; 32]),
            _ => state.slot = r,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The cached root equals `ssz_rs`'s full root after every one of a random sequence of
        /// mutations, starting from a random registry.
        #[test]
        fn cached_root_equals_ssz_rs_after_every_mutation(
            registry in 0usize..40,
            steps in prop::collection::vec((any::<u8>(), any::<u64>()), 1..50),
        ) {
            let mut state = BeaconState::<Minimal>::default();
            for k in 0..registry {
                mutate(&mut state, 0, k as u64 * 7_919);
            }
            let mut cache = StateRootCache::new();
            prop_assert_eq!(cache.root(&state), hash_tree_root(&state));
            for (step, (kind, r)) in steps.into_iter().enumerate() {
                mutate(&mut state, kind, r);
                prop_assert_eq!(cache.root(&state), hash_tree_root(&state), "after step {}", step);
            }
        }
    }
}
