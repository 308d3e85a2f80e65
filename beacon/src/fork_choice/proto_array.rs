//! The proto-array: the block tree of fork choice as a flat `Vec` in insertion order, each node
//! carrying the weight of its subtree and a pointer to its best child and best descendant, so
//! that LMD-GHOST is one backward pass over the array instead of a recursive walk of the tree.
//!
//! **Owns** the tree shape (parent indices, roots, slots), subtree weights, the best-child /
//! best-descendant links, head finding from the justified root and pruning below the
//! finalized root. It knows nothing of validators, attestations or states: votes arrive as
//! per-node weight deltas (see [`super::votes`]).
//!
//! Departures from v0.8.4, taken from later specifications: among siblings, a subtree whose
//! best leaf is a viable head (its state justified and finalized at least the store's
//! checkpoints) goes before one whose leaf is not, whatever the weights (D9); a leaf whose
//! epoch is over is judged by the justification that epoch reached, once the store records
//! it (D10, [`ProtoNode::unrealized_justified_epoch`]). [`ProtoArray::is_viable`] says why;
//! `docs/protocol.md`.
//!
//! Invariants: a parent always sits at a lower index than its children (blocks arrive after
//! their parent), so walking the array backwards visits every child before its parent; slots
//! strictly increase from parent to child.

use consensus::primitives::{Epoch, Root, Slot};
use consensus::Checkpoint;
use std::collections::BTreeMap;

/// One block of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtoNode {
    /// The block's signing root.
    pub root: Root,
    /// Index of the parent, `None` for the anchor (genesis or the last pruning point).
    pub parent: Option<usize>,
    pub slot: Slot,
    /// `current_justified_checkpoint.epoch` of the block's post-state: a leaf whose state is
    /// behind the store's justified checkpoint is not a viable head (see [`ProtoArray`]).
    pub justified_epoch: Epoch,
    /// `finalized_checkpoint.epoch` of the block's post-state (same use).
    pub finalized_epoch: Epoch,
    /// The justified epoch the block's post-state reaches once its epoch's justification
    /// runs (later specifications' unrealized justification), set once the block's epoch is
    /// over (`None` before): a vote on top of this block from a later epoch has that source,
    /// so the block is judged viable by it (design D10, `super::pull_up`).
    pub unrealized_justified_epoch: Option<Epoch>,
    /// The latest-message balance of the block's subtree: reference 7's
    /// `get_latest_attesting_balance(root)`.
    pub weight: u64,
    /// The child maximising `(weight, root)` among the children that may lead to the head.
    pub best_child: Option<usize>,
    /// The head of this node's subtree: following `best_child` to the end.
    pub best_descendant: Option<usize>,
}

/// A rule of the proto-array that an input broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoArrayError {
    #[error("proto-array insert: block {root} is already in the tree")]
    DuplicateBlock { root: Root },
    #[error("proto-array insert: parent {parent} of block {root} is not in the tree")]
    UnknownParent { root: Root, parent: Root },
    #[error("proto-array insert: block {root} has no parent but the tree already has an anchor")]
    SecondAnchor { root: Root },
    #[error("proto-array insert: block {root} at slot {slot} is not after its parent's slot {parent_slot}")]
    SlotNotAfterParent {
        root: Root,
        slot: Slot,
        parent_slot: Slot,
    },
    #[error("proto-array: the {which} root {root} is not in the tree")]
    UnknownCheckpointRoot { which: &'static str, root: Root },
    #[error("apply_score_changes: {deltas} deltas for {nodes} nodes")]
    DeltasLength { deltas: usize, nodes: usize },
    #[error("apply_score_changes: the weight of block {root} leaves the range of u64")]
    WeightOutOfRange { root: Root },
    #[error("apply_score_changes: delta overflow")]
    DeltaOverflow,
    #[error("find_head: justified root {asked} is not the root {applied} of the last apply_score_changes")]
    JustifiedMismatch { asked: Root, applied: Root },
    #[error("justified epoch {epoch}: its start slot overflows")]
    EpochStartOverflow { epoch: Epoch },
    #[error("{rule}: block {root} is not in the tree")]
    UnknownRoot { rule: &'static str, root: Root },
    #[error("prune: justified root {justified} does not descend from finalized root {finalized}")]
    JustifiedNotDescendant { justified: Root, finalized: Root },
    #[error(
        "get_ancestor: the chain of {root} reaches below the pruned history before slot {slot}"
    )]
    AncestorPruned { root: Root, slot: Slot },
}

/// The block tree of fork choice. See the module documentation.
#[derive(Clone, Debug)]
pub struct ProtoArray {
    slots_per_epoch: u64,
    nodes: Vec<ProtoNode>,
    indices: BTreeMap<Root, usize>,
    /// The justified checkpoint of the last `apply_score_changes` (or the anchor).
    justified: Checkpoint,
    /// The finalized checkpoint of the last `apply_score_changes` (or the anchor).
    finalized: Checkpoint,
}

impl ProtoArray {
    /// A tree holding only the anchor block, which is both justified and finalized at
    /// `anchor_epoch`.
    pub fn new(
        slots_per_epoch: u64,
        anchor_root: Root,
        anchor_slot: Slot,
        anchor_epoch: Epoch,
    ) -> Self {
        let checkpoint = Checkpoint {
            epoch: anchor_epoch,
            root: anchor_root,
        };
        let mut indices = BTreeMap::new();
        indices.insert(anchor_root, 0);
        Self {
            slots_per_epoch: slots_per_epoch.max(1),
            nodes: vec![ProtoNode {
                root: anchor_root,
                parent: None,
                slot: anchor_slot,
                justified_epoch: anchor_epoch,
                finalized_epoch: anchor_epoch,
                unrealized_justified_epoch: None,
                weight: 0,
                best_child: None,
                best_descendant: None,
            }],
            indices,
            justified: checkpoint.clone(),
            finalized: checkpoint,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn nodes(&self) -> &[ProtoNode] {
        &self.nodes
    }

    pub fn index_of(&self, root: &Root) -> Option<usize> {
        self.indices.get(root).copied()
    }

    pub fn contains(&self, root: &Root) -> bool {
        self.indices.contains_key(root)
    }

    pub fn node(&self, root: &Root) -> Option<&ProtoNode> {
        self.index_of(root).and_then(|i| self.nodes.get(i))
    }

    /// The justified checkpoint the best-child links were last computed for.
    pub fn justified(&self) -> &Checkpoint {
        &self.justified
    }

    /// The finalized checkpoint of the last `apply_score_changes` or pruning.
    pub fn finalized(&self) -> &Checkpoint {
        &self.finalized
    }

    /// `justified.epoch · SLOTS_PER_EPOCH`: children of the justified block at or before this
    /// slot are not candidates (v0.8.4 `get_head`).
    fn justified_start(&self) -> Result<Slot, ProtoArrayError> {
        self.justified
            .epoch
            .checked_mul(self.slots_per_epoch)
            .ok_or(ProtoArrayError::EpochStartOverflow {
                epoch: self.justified.epoch,
            })
    }

    /// Adds a block under `parent` (which must be known), with weight zero. The best-child
    /// links of its ancestors are updated at once, so `find_head` stays exact without another
    /// `apply_score_changes`.
    pub fn insert(
        &mut self,
        root: Root,
        parent: Root,
        slot: Slot,
        justified_epoch: Epoch,
        finalized_epoch: Epoch,
    ) -> Result<usize, ProtoArrayError> {
        if self.indices.contains_key(&root) {
            return Err(ProtoArrayError::DuplicateBlock { root });
        }
        let parent_index = self
            .index_of(&parent)
            .ok_or(ProtoArrayError::UnknownParent { root, parent })?;
        let parent_slot = self.nodes[parent_index].slot;
        if slot <= parent_slot {
            return Err(ProtoArrayError::SlotNotAfterParent {
                root,
                slot,
                parent_slot,
            });
        }
        let justified_start = self.justified_start()?;
        let index = self.nodes.len();
        self.nodes.push(ProtoNode {
            root,
            parent: Some(parent_index),
            slot,
            justified_epoch,
            finalized_epoch,
            unrealized_justified_epoch: None,
            weight: 0,
            best_child: None,
            best_descendant: None,
        });
        self.indices.insert(root, index);
        let justified_index = self.index_of(&self.justified.root);
        // Offer the new leaf to its parent, then each changed subtree to its parent in turn:
        // a viable leaf can lift a lighter sibling subtree above one that leads nowhere viable.
        let mut child = index;
        while let Some(up) = self.nodes[child].parent {
            if !self.offer_child(up, child, justified_index, justified_start) {
                break;
            }
            child = up;
        }
        Ok(index)
    }

    /// Whether the block at `index` may be a head: its post-state has justified and finalized
    /// at least what the store has. The fork-choice filter of later specifications
    /// (`filter_block_tree`, v0.9+), which v0.8.4 lacks: without it a node can keep a head
    /// whose state justified less than the store, and validators whose slashing protection
    /// holds a vote with the store's newer source can never vote on that chain without
    /// surrounding it. Swarm seed 1973: after a three-way partition two of four nodes had
    /// signed source 4 on their own forks, the heavier fork's state still had source 3, every
    /// vote they were asked for was refused, and finality never resumed (`docs/protocol.md`).
    /// A block whose epoch is over is judged by the justification its epoch reached
    /// (`unrealized_justified_epoch`, design D10): swarm seed 2785.
    fn is_viable(&self, index: usize) -> bool {
        let node = &self.nodes[index];
        let justified = node
            .unrealized_justified_epoch
            .map_or(node.justified_epoch, |u| u.max(node.justified_epoch));
        justified >= self.justified.epoch && node.finalized_epoch >= self.finalized.epoch
    }

    /// Records the justified epoch `root`'s post-state reaches at its epoch's end (see
    /// [`ProtoNode::unrealized_justified_epoch`]); the links follow at the next
    /// [`Self::apply_score_changes`].
    pub fn set_unrealized_justified_epoch(&mut self, root: &Root, epoch: Epoch) {
        if let Some(index) = self.index_of(root) {
            self.nodes[index].unrealized_justified_epoch = Some(epoch);
        }
    }

    /// The leaves (blocks without children) before `slot` whose unrealized justification is
    /// not known yet, in insertion order.
    pub fn leaves_to_pull_up(&self, slot: Slot) -> Vec<Root> {
        let mut has_child = vec![false; self.nodes.len()];
        for node in &self.nodes {
            if let Some(parent) = node.parent {
                has_child[parent] = true;
            }
        }
        self.nodes
            .iter()
            .zip(has_child)
            .filter(|(node, has_child)| {
                !has_child && node.slot < slot && node.unrealized_justified_epoch.is_none()
            })
            .map(|(node, _)| node.root)
            .collect()
    }

    /// Whether the subtree of `index` leads to a viable head (its best descendant, or itself
    /// when it has none, is viable).
    fn leads_to_viable_head(&self, index: usize) -> bool {
        self.is_viable(self.nodes[index].best_descendant.unwrap_or(index))
    }

    /// The order among siblings: leading to a viable head first, then `(weight, root)` as
    /// v0.8.4's `get_head` has it. When no child leads to a viable head, the plain v0.8.4
    /// choice stands (the filter never leaves a node without a head).
    fn child_key(&self, index: usize) -> (bool, u64, Root) {
        let node = &self.nodes[index];
        (self.leads_to_viable_head(index), node.weight, node.root)
    }

    /// Whether `child` may be `parent`'s best child: v0.8.4's `get_head` only steps from the
    /// justified block to children with `slot > justified.epoch · SLOTS_PER_EPOCH` (deeper
    /// nodes always qualify, as slots increase along a chain).
    fn may_lead_to_head(
        &self,
        parent: usize,
        child: usize,
        justified_index: Option<usize>,
        justified_start: Slot,
    ) -> bool {
        Some(parent) != justified_index || self.nodes[child].slot > justified_start
    }

    /// Makes `child` the best child of `parent` if it is that already or beats the current
    /// one on [`Self::child_key`]. Returns whether `parent`'s links changed.
    fn offer_child(
        &mut self,
        parent: usize,
        child: usize,
        justified_index: Option<usize>,
        justified_start: Slot,
    ) -> bool {
        if !self.may_lead_to_head(parent, child, justified_index, justified_start) {
            return false;
        }
        let better = match self.nodes[parent].best_child {
            None => true,
            Some(best) if best == child => true,
            Some(best) => self.child_key(child) > self.child_key(best),
        };
        if !better {
            return false;
        }
        let descendant = Some(self.nodes[child].best_descendant.unwrap_or(child));
        let node = &mut self.nodes[parent];
        let changed = node.best_child != Some(child) || node.best_descendant != descendant;
        node.best_child = Some(child);
        node.best_descendant = descendant;
        changed
    }

    /// Adds `deltas[i]` to the weight of node `i` and of all its ancestors, then recomputes
    /// every best child and best descendant for the given checkpoints. Two backward passes
    /// over the array (weights first, so the links see final weights); no recursion.
    pub fn apply_score_changes(
        &mut self,
        mut deltas: Vec<i128>,
        justified: Checkpoint,
        finalized: Checkpoint,
    ) -> Result<(), ProtoArrayError> {
        if deltas.len() != self.nodes.len() {
            return Err(ProtoArrayError::DeltasLength {
                deltas: deltas.len(),
                nodes: self.nodes.len(),
            });
        }
        for (which, checkpoint) in [("justified", &justified), ("finalized", &finalized)] {
            if !self.contains(&checkpoint.root) {
                return Err(ProtoArrayError::UnknownCheckpointRoot {
                    which,
                    root: checkpoint.root,
                });
            }
        }
        let justified_start = justified.epoch.checked_mul(self.slots_per_epoch).ok_or(
            ProtoArrayError::EpochStartOverflow {
                epoch: justified.epoch,
            },
        )?;
        // Pass 1: weights, children before parents; each node hands its delta to its parent.
        // Computed aside so that a failure leaves the array unchanged.
        let mut weights = Vec::with_capacity(self.nodes.len());
        for index in (0..self.nodes.len()).rev() {
            let delta = deltas[index];
            let node = &self.nodes[index];
            let weight = i128::from(node.weight)
                .checked_add(delta)
                .and_then(|w| u64::try_from(w).ok())
                .ok_or(ProtoArrayError::WeightOutOfRange { root: node.root })?;
            weights.push(weight);
            if let Some(parent) = node.parent {
                deltas[parent] = deltas[parent]
                    .checked_add(delta)
                    .ok_or(ProtoArrayError::DeltaOverflow)?;
            }
        }
        // `weights` is in reverse index order.
        for (node, weight) in self.nodes.iter_mut().zip(weights.into_iter().rev()) {
            node.weight = weight;
        }
        self.justified = justified;
        self.finalized = finalized;
        // Pass 2: links from scratch. When node `i` is offered to its parent, every child of
        // `i` (all at higher indices) has been offered to `i`, so `i`'s links are final.
        let justified_index = self.index_of(&self.justified.root);
        for node in &mut self.nodes {
            node.best_child = None;
            node.best_descendant = None;
        }
        for index in (0..self.nodes.len()).rev() {
            if let Some(parent) = self.nodes[index].parent {
                self.offer_child(parent, index, justified_index, justified_start);
            }
        }
        Ok(())
    }

    /// The head: the best descendant of the justified block (or the block itself when no
    /// child qualifies). `justified_root` must be the one of the last `apply_score_changes`,
    /// since the links depend on it.
    pub fn find_head(&self, justified_root: &Root) -> Result<Root, ProtoArrayError> {
        if *justified_root != self.justified.root {
            return Err(ProtoArrayError::JustifiedMismatch {
                asked: *justified_root,
                applied: self.justified.root,
            });
        }
        let index =
            self.index_of(justified_root)
                .ok_or(ProtoArrayError::UnknownCheckpointRoot {
                    which: "justified",
                    root: *justified_root,
                })?;
        let head = self.nodes[index].best_descendant.unwrap_or(index);
        Ok(self.nodes[head].root)
    }

    /// Reference 7 `get_ancestor(root, slot)`: the block of `root`'s chain at exactly `slot`,
    /// `None` (the reference's `Z`) if that slot was skipped or `slot` is after `root`'s slot.
    /// Iterative: walks parent indices, never recurses.
    pub fn get_ancestor(&self, root: &Root, slot: Slot) -> Result<Option<Root>, ProtoArrayError> {
        let mut index = self.index_of(root).ok_or(ProtoArrayError::UnknownRoot {
            rule: "get_ancestor",
            root: *root,
        })?;
        loop {
            let node = &self.nodes[index];
            if node.slot == slot {
                return Ok(Some(node.root));
            }
            if node.slot < slot {
                return Ok(None);
            }
            match node.parent {
                Some(parent) => index = parent,
                None => return Err(ProtoArrayError::AncestorPruned { root: *root, slot }),
            }
        }
    }

    /// Whether `descendant` is `ancestor` or lies in its subtree.
    pub fn is_descendant(&self, ancestor: &Root, descendant: &Root) -> bool {
        let (Some(a), Some(mut d)) = (self.index_of(ancestor), self.index_of(descendant)) else {
            return false;
        };
        loop {
            if d == a {
                return true;
            }
            // Parents sit at lower indices: once below `a`, it cannot be reached.
            match self.nodes[d].parent {
                Some(p) if p >= a => d = p,
                _ => return false,
            }
        }
    }

    /// Drops every block that does not descend from `finalized_root` (its ancestors and the
    /// dead branches), renumbering the survivors in the same order; the finalized block becomes
    /// the anchor (no parent). Weights and links of the survivors stay valid, since their
    /// subtrees are unchanged. Returns the roots removed, in their old order.
    pub fn prune(&mut self, finalized: Checkpoint) -> Result<Vec<Root>, ProtoArrayError> {
        let finalized_index =
            self.index_of(&finalized.root)
                .ok_or(ProtoArrayError::UnknownCheckpointRoot {
                    which: "finalized",
                    root: finalized.root,
                })?;
        if !self.is_descendant(&finalized.root, &self.justified.root) {
            return Err(ProtoArrayError::JustifiedNotDescendant {
                justified: self.justified.root,
                finalized: finalized.root,
            });
        }
        // Forward pass: a node survives if it is the finalized block or its parent survives.
        let mut new_index: Vec<Option<usize>> = vec![None; self.nodes.len()];
        let mut kept = 0usize;
        for index in finalized_index..self.nodes.len() {
            let keep = index == finalized_index
                || self.nodes[index]
                    .parent
                    .is_some_and(|p| p >= finalized_index && new_index[p].is_some());
            if keep {
                new_index[index] = Some(kept);
                kept += 1;
            }
        }
        let old = std::mem::take(&mut self.nodes);
        let mut removed = Vec::new();
        self.indices.clear();
        for (index, mut node) in old.into_iter().enumerate() {
            if new_index[index].is_none() {
                removed.push(node.root);
                continue;
            }
            let remap = |i: Option<usize>| i.and_then(|i| new_index[i]);
            node.parent = if index == finalized_index {
                None
            } else {
                remap(node.parent)
            };
            node.best_child = remap(node.best_child);
            node.best_descendant = remap(node.best_descendant);
            self.indices.insert(node.root, self.nodes.len());
            self.nodes.push(node);
        }
        self.finalized = finalized;
        Ok(removed)
    }
}
