//! One shard chain as a node tracks it: the tree of blocks it has executed, their post-states
//! (recent ones kept, older ones rebuilt by replay), the shard fork choice (design 3.2) and
//! the shard's mempool.
//!
//! Never decides validity itself: blocks arrive here already checked by `shard` (proposer,
//! signature, execution). Never reads the clock.

use consensus::primitives::{Root, Shard, Slot};
use shard::execute::{execute_block_with, ExecutionContext};
use shard::{
    Mempool, MempoolError, MempoolLimits, Receipt, ShardBlock, ShardBlockHeader, ShardState,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A block this node executed, with what execution produced.
#[derive(Clone, Debug)]
pub struct ShardEntry {
    /// `None` for the genesis entry (root zero).
    pub block: Option<Arc<ShardBlock>>,
    pub header: Option<ShardBlockHeader>,
    pub root: Root,
    pub parent: Root,
    pub slot: Slot,
    pub beacon_block_root: Root,
    pub state_root: Root,
    pub outgoing: Arc<Vec<Receipt>>,
    /// Blocks from the genesis entry to this one.
    pub height: u64,
    /// The post-state, while it is recent.
    state: Option<ShardState>,
}

/// How far behind the head (in slots) post-states are kept; older ones are rebuilt by replay
/// from the nearest kept one (the fork-choice anchor's, or the chain's oldest block's). A
/// block almost always builds on the head, so this covers short forks without copies of the
/// state for every recent block.
pub const RECENT_STATE_SLOTS: u64 = 4;

/// The genesis entry's root: the `parent_root` of a shard's first block.
pub const GENESIS_PARENT: Root = Root::zero();

/// One shard's block tree, head and mempool.
#[derive(Clone, Debug)]
pub struct ShardChain {
    shard: Shard,
    /// The oldest entry kept (genesis, until finality lets older blocks go; see
    /// [`ShardChain::prune_to`]). It always holds its post-state.
    root: Root,
    entries: BTreeMap<Root, ShardEntry>,
    children: BTreeMap<Root, Vec<Root>>,
    head: Root,
    pub mempool: Mempool,
    /// The entries that still hold a post-state, by slot: what `prune_states` looks through
    /// (without walking every block the chain keeps).
    stateful: BTreeSet<(Slot, Root)>,
    /// The entry the last restart anchor names (the next [`ShardChain::prune_to`] target):
    /// its post-state, rebuilt once for the anchor, is kept until the prune so that it is not
    /// replayed a second time.
    pinned: Option<Root>,
    /// The finalized blocks below `root` (by slot), the newest [`SETTLED_BLOCKS`]: which block
    /// finality kept at a slot, after the block itself is forgotten.
    settled: BTreeMap<Slot, Root>,
}

/// Finalized blocks below the oldest entry a chain remembers by slot and root (40 bytes each).
pub const SETTLED_BLOCKS: usize = 4096;

/// Whether a forgotten block at a slot was the finalized one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    Finalized,
    /// Another block (or none) is the finalized one at that slot.
    NotCanonical,
    /// Older than what the chain remembers.
    Unknown,
}

impl ShardChain {
    /// A chain holding only the genesis state.
    pub fn new(mut genesis: ShardState) -> Self {
        let state_root = genesis.state_root();
        Self::from_anchor(GENESIS_PARENT, 0, Root::zero(), state_root, 0, genesis)
    }

    /// A chain restarting from a finalized anchor: the block `root` (at `slot`, `height`
    /// blocks after genesis) with its post-state, as the oldest entry and the head.
    pub fn from_anchor(
        root: Root,
        slot: Slot,
        beacon_block_root: Root,
        state_root: Root,
        height: u64,
        state: ShardState,
    ) -> Self {
        let shard = state.shard();
        let mut entries = BTreeMap::new();
        entries.insert(
            root,
            ShardEntry {
                block: None,
                header: None,
                root,
                parent: GENESIS_PARENT,
                slot,
                beacon_block_root,
                state_root,
                outgoing: Arc::new(Vec::new()),
                height,
                state: Some(state),
            },
        );
        let mut stateful = BTreeSet::new();
        stateful.insert((slot, root));
        Self {
            shard,
            root,
            entries,
            children: BTreeMap::new(),
            head: root,
            mempool: Mempool::new(MempoolLimits::default()),
            stateful,
            pinned: None,
            settled: BTreeMap::new(),
        }
    }

    /// Records that `root` at `slot`, below the oldest entry, is finalized (the oldest
    /// records go past [`SETTLED_BLOCKS`]).
    pub fn settle(&mut self, slot: Slot, root: Root) {
        self.settled.insert(slot, root);
        while self.settled.len() > SETTLED_BLOCKS {
            self.settled.pop_first();
        }
    }

    /// Whether the forgotten block `root` at `slot` (at or below the oldest entry) was the
    /// finalized one there.
    pub fn settled(&self, slot: Slot, root: &Root) -> Settled {
        if *root == self.root {
            return Settled::Finalized;
        }
        match self.settled.get(&slot) {
            Some(kept) if kept == root => Settled::Finalized,
            Some(_) => Settled::NotCanonical,
            None => match self.settled.first_key_value() {
                // Inside the remembered range, no block was finalized at that slot.
                Some((oldest, _)) if slot > *oldest => Settled::NotCanonical,
                _ => Settled::Unknown,
            },
        }
    }

    pub fn shard(&self) -> Shard {
        self.shard
    }

    pub fn head(&self) -> &ShardEntry {
        // The head is always an entry (set only from entries).
        &self.entries[&self.head]
    }

    pub fn head_root(&self) -> Root {
        self.head
    }

    /// The oldest entry kept: where a fork choice without a known anchor starts.
    pub fn root(&self) -> Root {
        self.root
    }

    pub fn contains(&self, root: &Root) -> bool {
        self.entries.contains_key(root)
    }

    pub fn entry(&self, root: &Root) -> Option<&ShardEntry> {
        self.entries.get(root)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The post-state of `root`: kept, or rebuilt by replaying its ancestors from the nearest
    /// kept state (the blocks were checked when imported, so the replay skips signatures).
    pub fn state_of(&self, root: &Root) -> Option<ShardState> {
        let mut path = Vec::new();
        let mut at = *root;
        let base = loop {
            let entry = self.entries.get(&at)?;
            if let Some(state) = &entry.state {
                break state.clone();
            }
            path.push(entry.block.clone()?);
            at = entry.parent;
        };
        let mut state = base;
        let context = ExecutionContext::new(false, &AcceptAll);
        for block in path.iter().rev() {
            execute_block_with(&mut state, block, &context).ok()?;
        }
        Some(state)
    }

    /// The post-state of `root` like [`Self::state_of`], kept in its entry until the next
    /// [`Self::prune_to`] (for the entry a restart anchor names, which the prune one epoch
    /// later makes the chain's oldest).
    pub fn pin_state_of(&mut self, root: &Root) -> Option<ShardState> {
        let state = self.state_of(root)?;
        let entry = self.entries.get_mut(root)?;
        if entry.state.is_none() {
            entry.state = Some(state.clone());
            self.stateful.insert((entry.slot, *root));
        }
        self.pinned = Some(*root);
        Some(state)
    }

    /// The head's post-state (always kept).
    pub fn head_state(&self) -> Option<&ShardState> {
        self.entries.get(&self.head).and_then(|e| e.state.as_ref())
    }

    /// Drops what the head state has made stale from the mempool.
    pub fn prune_mempool(&mut self) {
        self.with_head_state_and_mempool(|state, mempool| mempool.prune(state));
    }

    /// [`Self::prune_mempool`] after the head grew by one block: only `senders` (those of the
    /// block's transactions) have new nonces.
    pub fn prune_mempool_senders(&mut self, senders: &[shard::Address]) {
        self.with_head_state_and_mempool(|state, mempool| mempool.prune_senders(state, senders));
    }

    /// Runs `f` on the head's post-state and the mempool (nothing if the state is missing).
    fn with_head_state_and_mempool<R>(
        &mut self,
        f: impl FnOnce(&ShardState, &mut Mempool) -> R,
    ) -> Option<R> {
        let Self {
            entries,
            head,
            mempool,
            ..
        } = self;
        let state = entries.get(head).and_then(|e| e.state.as_ref())?;
        Some(f(state, mempool))
    }

    /// Admits a transaction whose signature was checked to the mempool, against the head
    /// state; `false` when the mempool refuses it (stale nonce, full, underpriced...).
    pub fn admit(&mut self, tx: shard::Transaction) -> bool {
        self.with_head_state_and_mempool(|state, mempool| mempool.insert(tx, state, false).is_ok())
            .unwrap_or(false)
    }

    /// Puts back transactions a reorg took off the chain (see `shard_reorg`), against the new
    /// head state: those it already ran are refused as stale. Returns how many were admitted.
    pub fn readmit(&mut self, transactions: Vec<shard::Transaction>) -> usize {
        self.with_head_state_and_mempool(|state, mempool| {
            transactions
                .into_iter()
                .filter(|tx| mempool.insert(tx.clone(), state, false).is_ok())
                .count()
        })
        .unwrap_or(0)
    }

    /// [`Self::admit`] with the mempool's reason for a refusal (`None`: no head state).
    pub fn admit_checked(&mut self, tx: shard::Transaction) -> Option<Result<(), MempoolError>> {
        self.with_head_state_and_mempool(|state, mempool| {
            mempool.insert(tx, state, false).map(|_| ())
        })
    }

    /// Records an executed block with its post-state.
    pub fn insert(
        &mut self,
        block: Arc<ShardBlock>,
        header: ShardBlockHeader,
        root: Root,
        state: ShardState,
        outgoing: Vec<Receipt>,
    ) -> bool {
        let Some(parent) = self.entries.get(&block.parent_root) else {
            return false;
        };
        let height = parent.height.saturating_add(1);
        let entry = ShardEntry {
            header: Some(header),
            root,
            parent: block.parent_root,
            slot: block.slot,
            beacon_block_root: block.beacon_block_root,
            state_root: block.state_root,
            outgoing: Arc::new(outgoing),
            height,
            state: Some(state),
            block: Some(block),
        };
        self.children.entry(entry.parent).or_default().push(root);
        self.stateful.insert((entry.slot, root));
        self.entries.insert(root, entry);
        true
    }

    /// Whether some known block builds on the head.
    pub fn head_has_children(&self) -> bool {
        self.children.get(&self.head).is_some_and(|c| !c.is_empty())
    }

    /// Makes `root` the head (the caller knows it is the fork choice's answer: it extends the
    /// head and points at a canonical beacon block).
    pub fn set_head(&mut self, root: Root) {
        if self.entries.contains_key(&root) {
            self.head = root;
        }
    }

    /// Shard fork choice (design 3.2): from `anchor` (the latest crosslinked block this node
    /// knows), the longest chain whose blocks all point at canonical beacon blocks; ties go to
    /// the lowest root. Returns whether the head changed.
    pub fn update_head(&mut self, anchor: Root, is_canonical: &dyn Fn(&Root) -> bool) -> bool {
        let anchor = if self.entries.contains_key(&anchor) {
            anchor
        } else {
            self.root
        };
        let mut best = (0u64, anchor);
        let mut stack = vec![(anchor, 0u64)];
        while let Some((root, depth)) = stack.pop() {
            if depth > best.0 || (depth == best.0 && root < best.1) {
                best = (depth, root);
            }
            if let Some(children) = self.children.get(&root) {
                for child in children {
                    let Some(entry) = self.entries.get(child) else {
                        continue;
                    };
                    if is_canonical(&entry.beacon_block_root) {
                        stack.push((*child, depth + 1));
                    }
                }
            }
        }
        let changed = best.1 != self.head;
        self.head = best.1;
        changed
    }

    /// The blocks of `tip`'s chain with `start <= slot < end`, oldest first, and the state
    /// root after the last block before `end` (what `ShardCrosslinkData` commits to).
    pub fn chain_range(&self, tip: &Root, start: Slot, end: Slot) -> (Vec<&ShardEntry>, Root) {
        let (blocks, last) = self.chain_range_with_last(tip, start, end);
        (blocks, last.map(|e| e.state_root).unwrap_or_default())
    }

    /// [`Self::chain_range`] with the last entry before `end` itself (genesis included): the
    /// block a crosslink over this range leaves the chain at.
    pub fn chain_range_with_last(
        &self,
        tip: &Root,
        start: Slot,
        end: Slot,
    ) -> (Vec<&ShardEntry>, Option<&ShardEntry>) {
        let mut blocks = Vec::new();
        let mut last = None;
        let mut at = *tip;
        while let Some(entry) = self.entries.get(&at) {
            // The genesis entry is no block; the oldest kept entry ends the walk.
            let genesis = entry.block.is_none();
            if entry.slot < end || genesis {
                if last.is_none() {
                    last = Some(entry);
                }
                if entry.slot < start || genesis {
                    break;
                }
                blocks.push(entry);
            }
            if entry.root == self.root {
                break;
            }
            at = entry.parent;
        }
        blocks.reverse();
        (blocks, last)
    }

    /// The canonical chain's blocks with `start <= slot < start + count`, oldest first.
    pub fn canonical_blocks(&self, start: Slot, count: u64) -> Vec<Arc<ShardBlock>> {
        let end = start.saturating_add(count);
        let (entries, _) = self.chain_range(&self.head, start, end);
        entries.iter().filter_map(|e| e.block.clone()).collect()
    }

    /// Whether `ancestor` is on the chain of `root` (or is `root`).
    pub fn is_ancestor(&self, ancestor: &Root, root: &Root) -> bool {
        let Some(target) = self.entries.get(ancestor) else {
            return false;
        };
        let mut at = *root;
        while let Some(entry) = self.entries.get(&at) {
            if entry.root == *ancestor {
                return true;
            }
            if entry.slot < target.slot || entry.root == GENESIS_PARENT {
                return false;
            }
            at = entry.parent;
        }
        false
    }

    /// Drops the post-states of blocks more than `keep_slots` behind the head, except the
    /// head's and the `keep` roots (they can be rebuilt with [`Self::state_of`]).
    pub fn prune_states(&mut self, keep_slots: u64, keep: &[Root]) {
        let head_slot = self.head().slot;
        let horizon = head_slot.saturating_sub(keep_slots);
        let head = self.head;
        let old: Vec<(Slot, Root)> = self
            .stateful
            .range(..(horizon, Root::zero()))
            .copied()
            .collect();
        for (slot, root) in old {
            if root == head
                || root == self.root
                || self.pinned == Some(root)
                || keep.contains(&root)
            {
                continue;
            }
            if let Some(entry) = self.entries.get_mut(&root) {
                entry.state = None;
            }
            self.stateful.remove(&(slot, root));
        }
    }

    /// Makes `new_root` the oldest entry kept: every entry that does not descend from it (its
    /// ancestors, and forks that left the chain before it) is forgotten, and its post-state
    /// is kept (rebuilt first if it was dropped). Returns how many entries were forgotten, or
    /// `None` (nothing done) if `new_root` is unknown or its state cannot be rebuilt.
    pub fn prune_to(&mut self, new_root: Root) -> Option<usize> {
        if new_root == self.root {
            return Some(0);
        }
        let state = match self.entries.get(&new_root)?.state.clone() {
            Some(state) => state,
            None => self.state_of(&new_root)?,
        };
        // The new root's ancestors down to the old root are final: remembered by slot.
        let mut settling = Vec::new();
        let mut at = self.entries.get(&new_root)?.parent;
        while let Some(entry) = self.entries.get(&at) {
            settling.push((entry.slot, at));
            if at == self.root {
                break;
            }
            at = entry.parent;
        }
        for (slot, root) in settling {
            if root != GENESIS_PARENT {
                self.settle(slot, root);
            }
        }
        let mut keep: BTreeSet<Root> = BTreeSet::new();
        let mut stack = vec![new_root];
        while let Some(root) = stack.pop() {
            if keep.insert(root) {
                if let Some(children) = self.children.get(&root) {
                    stack.extend(children.iter().copied());
                }
            }
        }
        let before = self.entries.len();
        self.entries.retain(|root, _| keep.contains(root));
        self.children.retain(|parent, _| keep.contains(parent));
        self.stateful.retain(|(_, root)| keep.contains(root));
        if let Some(entry) = self.entries.get_mut(&new_root) {
            if entry.state.is_none() {
                self.stateful.insert((entry.slot, new_root));
            }
            entry.state = Some(state);
        }
        self.root = new_root;
        if self.pinned.is_some_and(|pinned| !keep.contains(&pinned)) {
            self.pinned = None;
        }
        if !keep.contains(&self.head) {
            self.head = new_root;
        }
        Some(before - self.entries.len())
    }

    /// Entries that hold a post-state.
    pub fn stateful_count(&self) -> usize {
        self.entries.values().filter(|e| e.state.is_some()).count()
    }

    /// Transactions inside the blocks held.
    pub fn transactions_held(&self) -> usize {
        self.entries
            .values()
            .filter_map(|e| e.block.as_ref())
            .map(|b| b.body.transactions.len())
            .sum()
    }

    /// The entries with a block, in slot order (for metrics and tests).
    pub fn entries(&self) -> impl Iterator<Item = &ShardEntry> {
        self.entries.values()
    }
}

/// Replays trust the receipts they already accepted once.
struct AcceptAll;

impl shard::CrosslinkOracle for AcceptAll {
    fn is_crosslinked(&self, _shard: Shard, _data_root: &Root) -> bool {
        true
    }
}
