//! Block import: beacon blocks through fork choice, shard blocks through `shard`'s checks,
//! then the bookkeeping that follows a new head (canonical chain, crosslinks, receipts,
//! justification and finality, shard heads, pruning).

use super::crosslinks::{build_crosslink_data, crosslink_slots};
use super::io::{CrossShardSent, Event};
use super::shard_chain::GENESIS_PARENT;
use super::shufflings::shard_set;
use super::{Node, NodeError, MAX_PENDING};
use crate::fork_choice::ForkChoiceError;
use consensus::bls::Crypto;
use consensus::primitives::{Root, Shard, Slot};
use consensus::sszx::SigningRoot;
use consensus::{BeaconBlock, BeaconState, Preset};
use shard::execute::{BlockLimits, ExecutionContext};
use shard::process::{process_shard_block, ProposerCheck};
use shard::types::compute_home_shard;
use shard::{ShardBlock, ShardState};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why a block was not imported.
#[derive(Debug)]
pub(super) enum ImportError {
    /// A block it needs is missing (the block waits for it).
    Missing(Root),
    /// Already known, too old, or otherwise not useful: no penalty.
    Ignored(String),
    /// Invalid: the reason names the failed rule.
    Invalid(String),
}

/// Which crosslink data roots a shard block may prove receipts against: those the beacon state
/// it points at records (current or previous), and those a finalized state recorded.
pub(super) struct Oracle<'a, P: Preset> {
    pub state: &'a BeaconState<P>,
    pub finalized: &'a super::crosslinks::CrosslinkBook,
}

impl<P: Preset> shard::CrosslinkOracle for Oracle<'_, P> {
    fn is_crosslinked(&self, shard: Shard, data_root: &Root) -> bool {
        let i = shard as usize;
        *data_root != Root::zero()
            && (self
                .state
                .current_crosslinks
                .get(i)
                .is_some_and(|c| c.data_root == *data_root)
                || self
                    .state
                    .previous_crosslinks
                    .get(i)
                    .is_some_and(|c| c.data_root == *data_root)
                || self.finalized.is_finalized(shard, data_root))
    }
}

impl<P: Preset> Node<P> {
    /// Imports a beacon block and everything that waited for it.
    pub(super) fn import_beacon_block(
        &mut self,
        block: Arc<BeaconBlock>,
        crypto: Crypto,
    ) -> Result<Root, ImportError> {
        self.import_beacon_block_with(block, crypto, None)
    }

    /// Imports the node's own block, whose post-state it computed while building it (the
    /// transition is not run a second time).
    pub(super) fn import_own_beacon_block(
        &mut self,
        block: Arc<BeaconBlock>,
        post: BeaconState<P>,
    ) -> Result<Root, ImportError> {
        self.import_beacon_block_with(block, Crypto::fake_for_simulation(), Some(post))
    }

    fn import_beacon_block_with(
        &mut self,
        block: Arc<BeaconBlock>,
        crypto: Crypto,
        post: Option<BeaconState<P>>,
    ) -> Result<Root, ImportError> {
        let root = block.signing_root();
        if self.blocks.contains_key(&root) {
            return Err(ImportError::Ignored("block already known".into()));
        }
        if !self.fork_choice.contains_block(&block.parent_root) {
            if self.blocks.contains_key(&block.parent_root) {
                return Err(ImportError::Ignored(
                    "parent is before the finalized block".into(),
                ));
            }
            self.hold_block(block.clone());
            return Err(ImportError::Missing(block.parent_root));
        }
        let imported = match post {
            Some(post) => self.fork_choice.on_block_with_post_state(&block, post),
            None => self.fork_choice.on_block(&block, crypto),
        };
        match imported {
            Ok(_) => {}
            Err(ForkChoiceError::BlockFromFuture { .. }) => {
                return Err(ImportError::Ignored("block from the future".into()))
            }
            Err(
                e @ (ForkChoiceError::NotDescendantOfFinalized { .. }
                | ForkChoiceError::NotAfterFinalizedEpoch { .. }
                | ForkChoiceError::BlockAlreadyKnown { .. }),
            ) => return Err(ImportError::Ignored(e.to_string())),
            Err(e) => return Err(ImportError::Invalid(e.to_string())),
        }
        // The block's attestations count for fork choice (verified with the block).
        self.absorb_block_attestations(&block);
        let _ = self.store.put_beacon_block(&root, &block);
        self.emit(Event::BeaconBlockImported {
            root,
            slot: block.slot,
            attestations: block.body.attestations.len(),
        });
        self.blocks.insert(root, block);
        // Children that waited for it.
        if let Some(children) = self.pending_blocks.remove(&root) {
            for child in children {
                let _ = self.import_beacon_block(child, crypto);
            }
        }
        // Shard blocks that waited for it.
        self.release_shard_blocks(&root);
        Ok(root)
    }

    fn hold_block(&mut self, block: Arc<BeaconBlock>) {
        let held: usize = self.pending_blocks.values().map(|v| v.len()).sum();
        if held < MAX_PENDING {
            let waiting = self.pending_blocks.entry(block.parent_root).or_default();
            if !waiting
                .iter()
                .any(|b| b.signing_root() == block.signing_root())
            {
                waiting.push(block);
            }
        }
    }

    /// Recomputes the head and follows it: canonical chain, checkpoints, crosslinks, shard
    /// heads.
    pub(super) fn update_head(&mut self) {
        let Ok(head) = self.fork_choice.get_head() else {
            return;
        };
        if head != self.head {
            let reorg_depth = self.set_canonical(head);
            if reorg_depth > 0 {
                self.beacon_reorganised = true;
            }
            self.head = head;
            let (slot, state_root) = match self.blocks.get(&head) {
                Some(b) => (b.slot, b.state_root),
                None => (0, Root::zero()),
            };
            self.head_slot = slot;
            self.advanced = None;
            self.emit(Event::Head {
                root: head,
                slot,
                state_root,
                reorg_depth,
            });
            self.follow_crosslinks();
        }
        let justified = self.fork_choice.justified_checkpoint().clone();
        if justified.epoch > self.justified.epoch {
            self.justified = justified.clone();
            self.emit(Event::Justified(justified));
        }
        let finalized = self.fork_choice.finalized_checkpoint().clone();
        if finalized.epoch > self.finalized.epoch {
            self.finalized = finalized.clone();
            if let Some(state) = self.finalized_state() {
                let recorded: Vec<(Shard, Root)> = state
                    .current_crosslinks
                    .iter()
                    .chain(state.previous_crosslinks.iter())
                    .map(|c| (c.shard, c.data_root))
                    .collect();
                self.crosslinks.add_finalized(recorded.into_iter());
            }
            let _ = self.fork_choice.prune();
            self.op_pool.prune(finalized.epoch);
            let finalized_slot = finalized.epoch * P::SLOTS_PER_EPOCH;
            self.seen_shard_blocks
                .retain(|(_, slot, _)| *slot + P::SLOTS_PER_EPOCH >= finalized_slot);
            self.shufflings.prune(finalized.epoch.saturating_sub(1));
            self.emit(Event::Finalized(finalized));
        }
        self.update_shard_heads();
    }

    /// Makes `head`'s chain the canonical index; returns how many blocks of the old chain left
    /// it.
    fn set_canonical(&mut self, head: Root) -> u64 {
        let mut new_chain: Vec<(Slot, Root)> = Vec::new();
        let mut at = head;
        let fork_slot = loop {
            let Some(block) = self.blocks.get(&at) else {
                // The genesis block (or a block below the finalized one that is not held).
                break if at == self.genesis_root {
                    0
                } else {
                    Slot::MAX
                };
            };
            if self.canonical.get(&block.slot) == Some(&at) {
                break block.slot;
            }
            new_chain.push((block.slot, at));
            at = block.parent_root;
        };
        if fork_slot == Slot::MAX {
            return 0;
        }
        let removed: Vec<Slot> = self
            .canonical
            .range(fork_slot.saturating_add(1)..)
            .map(|(s, _)| *s)
            .collect();
        for slot in &removed {
            self.canonical.remove(slot);
        }
        for (slot, root) in new_chain {
            self.canonical.insert(slot, root);
        }
        removed.len() as u64
    }

    /// New crosslinks in the head state: build or check their data, index their receipts,
    /// report them. A crosslink over blocks this node does not hold makes it ask its peers for
    /// that range (once per crosslink).
    pub(super) fn follow_crosslinks(&mut self) {
        let Some(state) = self.fork_choice.block_state(&self.head) else {
            return;
        };
        let seen_at_slot = state.slot;
        let recorded: Vec<consensus::Crosslink> = state
            .previous_crosslinks
            .iter()
            .chain(state.current_crosslinks.iter())
            .filter(|c| c.data_root != Root::zero())
            .cloned()
            .collect();
        let asc = self.chain.active_shard_count;
        for crosslink in recorded {
            let shard = crosslink.shard;
            if shard >= asc || self.crosslinks.is_indexed(shard, &crosslink.data_root) {
                continue;
            }
            if self.crosslinks.data(&crosslink.data_root).is_none() {
                let (start, end) = crosslink_slots(&crosslink, P::SLOTS_PER_EPOCH);
                let chain = &self.shards[shard as usize];
                if let Some((data, tip)) =
                    find_crosslink_data(chain, start, end, &crosslink.data_root)
                {
                    self.crosslinks.remember(data, tip);
                } else if self.missing_crosslinks.insert((shard, crosslink.data_root)) {
                    let peers: Vec<_> = self.peers.keys().copied().collect();
                    for peer in peers {
                        self.request_shard_range_from(
                            peer,
                            shard,
                            start,
                            end.saturating_sub(start),
                        );
                    }
                }
            }
            let chain = &self.shards[shard as usize];
            if self
                .crosslinks
                .index_receipts(chain, &crosslink.data_root, asc)
            {
                let last_block_slot = self
                    .crosslinks
                    .data(&crosslink.data_root)
                    .and_then(|d| d.block_roots.last().copied())
                    .and_then(|r| chain.entry(&r).map(|e| e.slot));
                self.emit(Event::Crosslinked {
                    shard,
                    start_epoch: crosslink.start_epoch,
                    end_epoch: crosslink.end_epoch,
                    data_root: crosslink.data_root,
                    seen_at_slot,
                    last_block_slot,
                });
            }
        }
    }

    /// Re-runs one shard's fork choice (after one of its blocks arrived).
    fn update_shard_head(&mut self, shard: Shard) {
        let anchor = self.shard_anchor(shard);
        let (blocks, canonical, genesis) = (&self.blocks, &self.canonical, self.genesis_root);
        let is_canonical =
            |root: &Root| beacon_block_is_canonical(blocks, canonical, genesis, root);
        let chain = &mut self.shards[shard as usize];
        if chain.update_head(anchor, &is_canonical) {
            chain.prune_mempool();
            chain.prune_states(2 * P::SLOTS_PER_EPOCH, &[anchor]);
        }
    }

    /// Where `shard`'s fork choice starts: the block the head state's crosslink of the shard
    /// leaves the chain at (its previous crosslink's if the current one's data is not known
    /// here yet), or genesis.
    pub(super) fn shard_anchor(&self, shard: Shard) -> Root {
        let Some(state) = self.fork_choice.block_state(&self.head) else {
            return GENESIS_PARENT;
        };
        let chain = &self.shards[shard as usize];
        [&state.current_crosslinks, &state.previous_crosslinks]
            .into_iter()
            .filter_map(|crosslinks| crosslinks.get(shard as usize))
            .filter_map(|c| self.crosslinks.tip(&c.data_root))
            .find(|tip| chain.contains(tip))
            .unwrap_or(GENESIS_PARENT)
    }

    /// Whether this node can attest to `shard`'s next crosslink: it knows where the current
    /// one leaves the chain, and its shard head descends from there.
    pub(super) fn follows_crosslink(&self, shard: Shard, parent: &consensus::Crosslink) -> bool {
        if parent.data_root == Root::zero() {
            return true;
        }
        let chain = &self.shards[shard as usize];
        self.crosslinks
            .tip(&parent.data_root)
            .is_some_and(|tip| chain.is_ancestor(&tip, &chain.head_root()))
    }

    /// The first slot to ask a peer for when catching up on `shard`.
    pub(super) fn shard_sync_start(&self, shard: Shard) -> Slot {
        let anchor = self.shard_anchor(shard);
        self.shards[shard as usize]
            .entry(&anchor)
            .map_or(1, |e| e.slot.saturating_add(1))
    }

    /// Re-runs the shard fork choice of every shard whose answer may have changed: its anchor
    /// moved, the canonical beacon chain lost blocks, or its head has children (which a
    /// growing beacon chain may have made eligible). Otherwise the head stands: with the
    /// canonical set only growing, a new head could only be a descendant of the current one.
    pub(super) fn update_shard_heads(&mut self) {
        let reorganised = std::mem::take(&mut self.beacon_reorganised);
        for shard in 0..self.shards.len() {
            let anchor = self.shard_anchor(shard as Shard);
            if reorganised
                || self.shard_anchors.get(shard) != Some(&anchor)
                || self.shards[shard].head_has_children()
            {
                if let Some(slot) = self.shard_anchors.get_mut(shard) {
                    *slot = anchor;
                }
                self.update_shard_head(shard as Shard);
            }
        }
    }

    /// Shard blocks that waited for `root` (a beacon block or a shard block) try again.
    pub(super) fn release_shard_blocks(&mut self, root: &Root) {
        let Some(waiting) = self.pending_shard_blocks.remove(root) else {
            return;
        };
        for block in waiting {
            let _ = self.import_shard_block(block);
        }
    }

    fn hold_shard_block(&mut self, missing: Root, block: Arc<ShardBlock>) {
        let held: usize = self.pending_shard_blocks.values().map(|v| v.len()).sum();
        if held < MAX_PENDING {
            let waiting = self.pending_shard_blocks.entry(missing).or_default();
            if !waiting.iter().any(|b| b.as_ref() == block.as_ref()) {
                waiting.push(block);
            }
        }
    }

    /// Checks and imports a shard block: its beacon block and parent must be known; the
    /// proposer, its signature and execution are `shard`'s rules.
    pub(super) fn import_shard_block(
        &mut self,
        block: Arc<ShardBlock>,
    ) -> Result<Root, ImportError> {
        let shard = block.shard;
        let asc = self.chain.active_shard_count;
        if shard >= asc {
            return Err(ImportError::Invalid(format!(
                "shard block: shard {shard} is not below the active shard count {asc}"
            )));
        }
        // Seen before? (By its signature, which commits to the block, instead of hashing
        // every transaction for the root.)
        let chain = &self.shards[shard as usize];
        let seen_key = (shard, block.slot, block.signature);
        if self.seen_shard_blocks.contains(&seen_key) {
            return Err(ImportError::Ignored("shard block already known".into()));
        }
        if !self.fork_choice.contains_block(&block.beacon_block_root) {
            if self.blocks.contains_key(&block.beacon_block_root) {
                return Err(ImportError::Ignored(
                    "shard block points at a beacon block before finality".into(),
                ));
            }
            self.hold_shard_block(block.beacon_block_root, block.clone());
            return Err(ImportError::Missing(block.beacon_block_root));
        }
        if !chain.contains(&block.parent_root) {
            self.hold_shard_block(block.parent_root, block.clone());
            return Err(ImportError::Missing(block.parent_root));
        }
        let Some(mut state) = chain.state_of(&block.parent_root) else {
            return Err(ImportError::Ignored("parent state unavailable".into()));
        };
        // Transactions this node has not checked yet get their signatures checked now.
        let unseen: Vec<shard::Transaction> = block
            .body
            .transactions
            .iter()
            .filter(|tx| chain.mempool.get(&tx.from, tx.nonce) != Some(*tx))
            .cloned()
            .collect();
        if let Some(position) = self.config.transaction_verifier.first_invalid(&unseen) {
            return Err(ImportError::Invalid(format!(
                "shard block: verify_transaction_signatures: transaction {position} of the unseen ones does not verify"
            )));
        }
        let proposer = self
            .shard_proposer(&block.beacon_block_root, shard, block.slot)
            .map_err(ImportError::Invalid)?;
        let beacon_state = self
            .fork_choice
            .block_state(&block.beacon_block_root)
            .ok_or_else(|| ImportError::Ignored("beacon state unavailable".into()))?;
        let fork_version = beacon_state.fork.current_version;
        let key_bytes = beacon_state
            .validators
            .get(proposer as usize)
            .map(|v| v.pubkey)
            .ok_or_else(|| ImportError::Invalid("shard block: proposer not in registry".into()))?;
        let crypto = self.config.crypto;
        let key = match crypto {
            Crypto::Real => self
                .pubkeys
                .get(proposer, &key_bytes)
                .map_err(|e| ImportError::Invalid(format!("shard block: proposer key: {e}")))?,
            Crypto::Fake => self.fake_key,
        };
        let oracle = Oracle {
            state: beacon_state,
            finalized: &self.crosslinks,
        };
        let mut context = ExecutionContext::new(false, &oracle);
        context.limits = BlockLimits::from_config(&self.chain);
        let check = ProposerCheck {
            expected_proposer: proposer,
            proposer_key: &key,
            fork_version,
            crypto,
        };
        let outcome = process_shard_block(&mut state, &block, &check, &context)
            .map_err(|e| ImportError::Invalid(format!("shard block: {e}")))?;
        let root = outcome.block_root;
        self.record_shard_block(block, outcome, state);
        Ok(root)
    }

    /// Keeps an executed shard block (ours or a peer's) and reports it.
    pub(super) fn record_shard_block(
        &mut self,
        block: Arc<ShardBlock>,
        outcome: shard::ExecutionOutcome,
        state: ShardState,
    ) {
        let shard = block.shard;
        let root = outcome.block_root;
        let asc = self.chain.active_shard_count;
        self.seen_shard_blocks
            .insert((shard, block.slot, block.signature));
        // Which transaction made which receipt: cross-shard transactions in order.
        let mut receipts = outcome.outgoing_receipts.iter();
        let mut sent = Vec::new();
        for tx in block.body.transactions.iter() {
            if compute_home_shard(&tx.to, asc) != shard {
                if let Some(receipt) = receipts.next() {
                    sent.push(CrossShardSent {
                        from: tx.from,
                        nonce: tx.nonce,
                        destination: compute_home_shard(&receipt.to, asc),
                        receipt_index: receipt.index,
                        amount: receipt.amount,
                    });
                }
            }
        }
        let credited = block
            .body
            .incoming_receipts
            .iter()
            .map(|r| (r.receipt.source_shard, r.receipt.index))
            .collect();
        let _ = self.store.put_shard_block(&root, &block);
        self.emit(Event::ShardBlockImported {
            shard,
            slot: block.slot,
            root,
            transactions: block.body.transactions.len() as u64,
            sent,
            credited,
        });
        let header = block.header_with(outcome.body_root);
        let extends_head = block.parent_root == self.shards[shard as usize].head_root()
            && (block.beacon_block_root == self.genesis_root
                || self.blocks.get(&block.beacon_block_root).is_some_and(|b| {
                    self.canonical.get(&b.slot) == Some(&block.beacon_block_root)
                }));
        let anchor = self
            .shard_anchors
            .get(shard as usize)
            .copied()
            .unwrap_or(GENESIS_PARENT);
        let senders: Vec<shard::Address> = if extends_head {
            block.body.transactions.iter().map(|tx| tx.from).collect()
        } else {
            Vec::new()
        };
        let chain = &mut self.shards[shard as usize];
        chain.insert(block, header, root, state, outcome.outgoing_receipts);
        if extends_head {
            // The longest chain grew by this block: no need to search the tree, and only the
            // block's senders have new nonces.
            chain.set_head(root);
            chain.prune_mempool_senders(&senders);
            chain.prune_states(2 * P::SLOTS_PER_EPOCH, &[anchor]);
        } else {
            self.update_shard_head(shard);
        }
        self.release_shard_blocks(&root);
    }

    /// The proposer of `(slot, shard)` for a shard block pointing at `beacon_root`: drawn with
    /// the effective balances of that block's state and the shufflings it implies.
    pub(super) fn shard_proposer(
        &mut self,
        beacon_root: &Root,
        shard: Shard,
        slot: Slot,
    ) -> Result<u64, String> {
        let epoch = slot / P::SLOTS_PER_EPOCH;
        let state = self
            .fork_choice
            .block_state(beacon_root)
            .ok_or_else(|| "shard block: beacon state unavailable".to_string())?;
        if epoch <= (state.slot / P::SLOTS_PER_EPOCH).saturating_add(1) {
            let set = shard_set(&mut self.shufflings, state, epoch, &self.chain)
                .map_err(|e| format!("shard block: shuffling: {e}"))?;
            return shard::committee::shard_proposer::<P, _>(&set, &state.validators, shard, slot)
                .map_err(|e| format!("shard block: {e}"));
        }
        let state = self
            .state_for_epoch(beacon_root, epoch)
            .ok_or_else(|| "shard block: beacon state unavailable".to_string())?;
        let set = shard_set(&mut self.shufflings, state.as_ref(), epoch, &self.chain)
            .map_err(|e| format!("shard block: shuffling: {e}"))?;
        shard::committee::shard_proposer::<P, _>(&set, &state.validators, shard, slot)
            .map_err(|e| format!("shard block: {e}"))
    }

    /// The shuffling of `epoch` as the state of block `root` sees it (advanced on a copy only
    /// when `epoch` is more than one past it).
    pub(super) fn shuffling_at(
        &mut self,
        root: &Root,
        epoch: u64,
    ) -> Result<Arc<consensus::committees::EpochShuffling>, String> {
        let state = self
            .fork_choice
            .block_state(root)
            .ok_or_else(|| format!("unknown block {root}"))?;
        if epoch <= (state.slot / P::SLOTS_PER_EPOCH).saturating_add(1) {
            return self
                .shufflings
                .get(state, epoch, &self.chain)
                .map_err(|e| format!("committee: {e}"));
        }
        let state = self
            .state_for_epoch(root, epoch)
            .ok_or_else(|| format!("unknown block {root}"))?;
        self.shufflings
            .get(state.as_ref(), epoch, &self.chain)
            .map_err(|e| format!("committee: {e}"))
    }

    /// The state of `root`, advanced (on a copy) so that `epoch` is at most its next epoch.
    pub(super) fn state_for_epoch(
        &mut self,
        root: &Root,
        epoch: u64,
    ) -> Option<Arc<BeaconState<P>>> {
        let state = self.fork_choice.block_state(root)?;
        let current = state.slot / P::SLOTS_PER_EPOCH;
        if epoch <= current.saturating_add(1) {
            return Some(Arc::new(state.clone()));
        }
        let mut advanced = state.clone();
        let target = (epoch - 1).saturating_mul(P::SLOTS_PER_EPOCH);
        crate::slots::process_slots_cached(&mut advanced, target, &self.chain, &mut self.roots)
            .ok()?;
        Some(Arc::new(advanced))
    }

    /// Rebuilds the node from its store after a restart: blocks were checked before they were
    /// stored, so they are replayed without signature checks.
    pub(super) fn replay_store(&mut self) -> Result<(), NodeError> {
        let mut blocks = self.store.beacon_blocks()?;
        blocks.sort_by_key(|b| b.slot);
        for block in blocks {
            let _ = self.import_beacon_block(Arc::new(block), Crypto::fake_for_simulation());
        }
        self.update_head();
        let mut shard_blocks: BTreeMap<(Slot, Shard), Vec<ShardBlock>> = BTreeMap::new();
        for shard in 0..self.chain.active_shard_count {
            for block in self.store.shard_blocks(shard)? {
                shard_blocks
                    .entry((block.slot, shard))
                    .or_default()
                    .push(block);
            }
        }
        for (_, blocks) in shard_blocks {
            for block in blocks {
                let _ = self.import_shard_block(Arc::new(block));
            }
        }
        self.update_head();
        Ok(())
    }
}

/// Whether the beacon block `root` is on the canonical chain `canonical` (slot -> root); the
/// genesis block always is. A free function so callers can hold it while a shard chain is
/// borrowed mutably.
fn beacon_block_is_canonical(
    blocks: &BTreeMap<Root, Arc<BeaconBlock>>,
    canonical: &BTreeMap<Slot, Root>,
    genesis: Root,
    root: &Root,
) -> bool {
    *root == genesis
        || blocks
            .get(root)
            .is_some_and(|b| canonical.get(&b.slot) == Some(root))
}

/// The `ShardCrosslinkData` of `start .. end` whose root is `data_root`, from whichever fork of
/// `chain` it was built on: the head's first, then every block in the range as a tip (after a
/// partition the beacon chain may have crosslinked another fork than the local head).
fn find_crosslink_data(
    chain: &super::shard_chain::ShardChain,
    start: Slot,
    end: Slot,
    data_root: &Root,
) -> Option<(shard::ShardCrosslinkData, Root)> {
    let head = chain.head_root();
    let mut tips = vec![head];
    let mut in_range: Vec<(Slot, Root)> = chain
        .entries()
        .filter(|e| e.slot >= start && e.slot < end && e.root != head)
        .map(|e| (e.slot, e.root))
        .collect();
    in_range.sort_by(|a, b| b.cmp(a));
    tips.extend(in_range.into_iter().take(256).map(|(_, r)| r));
    tips.into_iter()
        .filter_map(|tip| build_crosslink_data(chain, &tip, start, end))
        .find(|(data, _)| data.root() == *data_root)
}
