//! `ForkChoice<P>`: reference 7's `Store` and its handlers (`get_genesis_store`, `on_tick`,
//! `on_block`, `on_attestation`, `get_head`, `get_ancestor`) on top of the proto-array.
//!
//! **Owns** the store's clock, the justified and finalized checkpoints, the post-state of every
//! imported block, the checkpoint states (cached per checkpoint), the latest messages, the
//! queue of attestations waiting for a block, and the translation of latest messages into
//! proto-array weights with the effective balances of the justified checkpoint state.
//!
//! Time is in milliseconds of the same clock as `genesis_time` (seconds), and a slot lasts
//! `ChainConfig::slot_duration_ms` (6 000 ms is v0.8.4's `SECONDS_PER_SLOT`); every time rule
//! of the reference is its millisecond form.

use super::errors::ForkChoiceError;
use super::proto_array::ProtoArray;
use super::pull_up::unrealized_justified_checkpoint;
use super::queue::{AttestationQueue, DEFAULT_QUEUE_CAPACITY};
use super::votes::VoteTracker;
use crate::attesting::{get_indexed_attestation, is_valid_indexed_attestation};
use crate::errors::TransitionError;
use crate::slots::process_slots_cached;
use crate::state_root::state_root;
use crate::transition::{state_transition_owned, TransitionCache};
use consensus::accessors::{get_current_epoch, is_active_validator};
use consensus::bls::Crypto;
use consensus::committees::get_attestation_data_slot;
use consensus::preset::GENESIS_SLOT;
use consensus::primitives::{Epoch, Gwei, Root, Slot, ValidatorIndex};
use consensus::sszx::SigningRoot;
use consensus::{Attestation, BeaconBlock, BeaconState, ChainConfig, Checkpoint, Preset};
use std::collections::BTreeMap;
use std::sync::Arc;

/// What `on_attestation` did with an attestation that passed every check it could run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationOutcome {
    /// The latest messages were updated; `updated` validators had an older (or no) message.
    Applied { updated: usize },
    /// The block `missing` (target or beacon block root) is not in the store yet; the
    /// attestation waits for it and is applied by the `on_block` that imports it.
    Queued { missing: Root },
}

/// What `on_block` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockImport {
    /// The block's signing root.
    pub root: Root,
    /// The store adopted the post-state's justified checkpoint.
    pub justified_updated: bool,
    /// The store adopted the post-state's finalized checkpoint (call
    /// [`ForkChoice::prune`] when convenient).
    pub finalized_updated: bool,
    /// Queued attestations that waited for this block and are now applied.
    pub attestations_applied: usize,
    /// Queued attestations that now wait for another block.
    pub attestations_requeued: usize,
    /// Queued attestations that failed their checks once the block arrived.
    pub attestations_rejected: Vec<ForkChoiceError>,
}

/// Reference 7's `Store` on a proto-array, for preset `P`. See the module documentation.
#[derive(Clone, Debug)]
pub struct ForkChoice<P: Preset> {
    config: ChainConfig,
    genesis_time_ms: u64,
    time_ms: u64,
    justified: Checkpoint,
    finalized: Checkpoint,
    proto: ProtoArray,
    /// Post-states, shared (never copied) with the callers that read them.
    block_states: BTreeMap<Root, Arc<BeaconState<P>>>,
    checkpoint_states: BTreeMap<Checkpoint, Arc<BeaconState<P>>>,
    votes: VoteTracker,
    /// The balances the proto-array weights were last computed with.
    applied_balances: Vec<Gwei>,
    /// The effective balances of the justified checkpoint state, per checkpoint.
    justified_balances: Option<(Checkpoint, Vec<Gwei>)>,
    queue: AttestationQueue,
    cache: TransitionCache,
    /// Whether `on_block` checks `block.state_root` (v0.8.4 does not; a node must).
    validate_state_roots: bool,
}

impl<P: Preset> ForkChoice<P> {
    /// Reference 7 `get_genesis_store(genesis_state)`: the genesis block is
    /// `BeaconBlock{state_root: hash_tree_root(state)}`; it is justified and finalized at epoch 0.
    /// The store time starts at `genesis_time`.
    pub fn get_genesis_store(
        genesis: BeaconState<P>,
        config: ChainConfig,
    ) -> Result<Self, ForkChoiceError> {
        Self::with_queue_capacity(genesis, config, DEFAULT_QUEUE_CAPACITY)
    }

    /// Same as [`ForkChoice::get_genesis_store`].
    pub fn new(genesis: BeaconState<P>, config: ChainConfig) -> Result<Self, ForkChoiceError> {
        Self::get_genesis_store(genesis, config)
    }

    /// [`ForkChoice::get_genesis_store`] with at most `capacity` attestations waiting for blocks.
    pub fn with_queue_capacity(
        genesis: BeaconState<P>,
        config: ChainConfig,
        capacity: usize,
    ) -> Result<Self, ForkChoiceError> {
        config.validate()?;
        config.check_preset::<P>()?;
        if genesis.slot != GENESIS_SLOT {
            return Err(ForkChoiceError::NotGenesis { slot: genesis.slot });
        }
        let genesis_time_ms =
            genesis
                .genesis_time
                .checked_mul(1000)
                .ok_or(ForkChoiceError::Overflow {
                    rule: "get_genesis_store: genesis_time in milliseconds",
                })?;
        let block = BeaconBlock {
            state_root: state_root(&genesis),
            ..BeaconBlock::default()
        };
        let root = block.signing_root();
        let checkpoint = Checkpoint { epoch: 0, root };
        let genesis = Arc::new(genesis);
        let mut block_states = BTreeMap::new();
        block_states.insert(root, genesis.clone());
        let mut checkpoint_states = BTreeMap::new();
        checkpoint_states.insert(checkpoint.clone(), genesis);
        Ok(Self {
            config,
            genesis_time_ms,
            time_ms: genesis_time_ms,
            justified: checkpoint.clone(),
            finalized: checkpoint,
            proto: ProtoArray::new(P::SLOTS_PER_EPOCH, root, GENESIS_SLOT, 0),
            block_states,
            checkpoint_states,
            votes: VoteTracker::new(),
            applied_balances: Vec::new(),
            justified_balances: None,
            queue: AttestationQueue::new(capacity),
            cache: TransitionCache::default(),
            validate_state_roots: false,
        })
    }

    /// The store of a node that restarts from a finalized anchor instead of genesis: `root`
    /// (a block at `slot`, with post-state `state`) is justified and finalized at
    /// `checkpoint`, as the genesis block is in [`ForkChoice::get_genesis_store`]. Checkpoint
    /// states are computed when first needed.
    pub fn from_anchor(
        state: BeaconState<P>,
        root: Root,
        slot: Slot,
        checkpoint: Checkpoint,
        config: ChainConfig,
    ) -> Result<Self, ForkChoiceError> {
        config.validate()?;
        config.check_preset::<P>()?;
        let genesis_time_ms =
            state
                .genesis_time
                .checked_mul(1000)
                .ok_or(ForkChoiceError::Overflow {
                    rule: "from_anchor: genesis_time in milliseconds",
                })?;
        let mut block_states = BTreeMap::new();
        block_states.insert(root, Arc::new(state));
        Ok(Self {
            config,
            genesis_time_ms,
            time_ms: genesis_time_ms,
            justified: checkpoint.clone(),
            finalized: checkpoint.clone(),
            proto: ProtoArray::new(P::SLOTS_PER_EPOCH, root, slot, checkpoint.epoch),
            block_states,
            checkpoint_states: BTreeMap::new(),
            votes: VoteTracker::new(),
            applied_balances: Vec::new(),
            justified_balances: None,
            queue: AttestationQueue::new(DEFAULT_QUEUE_CAPACITY),
            cache: TransitionCache::default(),
            validate_state_roots: false,
        })
    }

    /// Reference 7 `on_tick(time)`, in milliseconds.
    pub fn on_tick(&mut self, now_ms: u64) {
        self.time_ms = now_ms;
    }

    /// D10: the leaves of the tree from epochs already over whose unrealized justification is
    /// not known yet are pulled up (`super::pull_up`). Only leaves: a block with children is
    /// judged by its best leaf, so a node syncing a long chain pays for its tip, not for every
    /// block.
    fn pull_up_leaves(&mut self) {
        let start = self.current_epoch().saturating_mul(P::SLOTS_PER_EPOCH);
        for root in self.proto.leaves_to_pull_up(start) {
            self.pull_up(&root);
        }
    }

    /// The epoch of the store's clock (0 before genesis).
    fn current_epoch(&self) -> Epoch {
        self.time_ms
            .saturating_sub(self.genesis_time_ms)
            .checked_div(self.config.slot_duration_ms)
            .unwrap_or(0)
            / P::SLOTS_PER_EPOCH
    }

    /// D10 for the block `root`, whose epoch is over: records the justification its state
    /// reaches at the epoch's end, and adopts it as the store's justified checkpoint if higher.
    fn pull_up(&mut self, root: &Root) {
        let Some(state) = self.block_states.get(root) else {
            return;
        };
        let Some(unrealized) = unrealized_justified_checkpoint(state.as_ref(), &self.config) else {
            return;
        };
        self.proto
            .set_unrealized_justified_epoch(root, unrealized.epoch);
        if unrealized.epoch > self.justified.epoch && self.proto.contains(&unrealized.root) {
            self.justified = unrealized;
        }
    }

    /// The store time in milliseconds.
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    pub fn justified_checkpoint(&self) -> &Checkpoint {
        &self.justified
    }

    pub fn finalized_checkpoint(&self) -> &Checkpoint {
        &self.finalized
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The block tree with its weights as of the last [`ForkChoice::get_head`].
    pub fn proto_array(&self) -> &ProtoArray {
        &self.proto
    }

    /// Blocks (with their post-states) the store holds.
    pub fn block_count(&self) -> usize {
        self.block_states.len()
    }

    pub fn contains_block(&self, root: &Root) -> bool {
        self.block_states.contains_key(root)
    }

    /// `block_states[root]`: the post-state of an imported block.
    pub fn block_state(&self, root: &Root) -> Option<&BeaconState<P>> {
        self.block_states.get(root).map(|state| state.as_ref())
    }

    /// `block_states[root]`, shared: the caller keeps it without copying it.
    pub fn block_state_shared(&self, root: &Root) -> Option<Arc<BeaconState<P>>> {
        self.block_states.get(root).cloned()
    }

    /// `checkpoint_states[checkpoint]`, if computed.
    pub fn checkpoint_state(&self, checkpoint: &Checkpoint) -> Option<&BeaconState<P>> {
        self.checkpoint_states
            .get(checkpoint)
            .map(|state| state.as_ref())
    }

    /// Makes `on_block` check every block's `state_root` against its post-state. v0.8.4's
    /// fork choice does not (reference trap 26), and the fork-choice vectors rely on that; a
    /// node must, or a block with a false state root would be built on.
    pub fn set_validate_state_roots(&mut self, validate: bool) {
        self.validate_state_roots = validate;
    }

    /// `latest_messages[validator]` as `(epoch, root)`.
    pub fn latest_message(&self, validator: ValidatorIndex) -> Option<(Epoch, Root)> {
        self.votes.latest_message(validator)
    }

    /// Attestations waiting for a block.
    pub fn queued_attestations(&self) -> usize {
        self.queue.len()
    }

    /// Attestations waiting for the block `root`.
    pub fn attestations_waiting_for(&self, root: &Root) -> usize {
        self.queue.waiting_for(root)
    }

    /// Start of `slot` in milliseconds: `genesis_time + slot · SECONDS_PER_SLOT`.
    fn slot_start_ms(&self, slot: Slot, rule: &'static str) -> Result<u64, ForkChoiceError> {
        slot.checked_mul(self.config.slot_duration_ms)
            .and_then(|t| t.checked_add(self.genesis_time_ms))
            .ok_or(ForkChoiceError::Overflow { rule })
    }

    fn epoch_start_slot(epoch: Epoch, rule: &'static str) -> Result<Slot, ForkChoiceError> {
        epoch
            .checked_mul(P::SLOTS_PER_EPOCH)
            .ok_or(ForkChoiceError::Overflow { rule })
    }

    /// Reference 7 `get_ancestor(root, slot)`: the block of `root`'s chain at exactly `slot`,
    /// `None` (the reference's `Z`) when that slot has no block on the chain.
    pub fn get_ancestor(&self, root: &Root, slot: Slot) -> Result<Option<Root>, ForkChoiceError> {
        if !self.proto.contains(root) {
            return Err(ForkChoiceError::UnknownBlock {
                rule: "get_ancestor",
                root: *root,
            });
        }
        Ok(self.proto.get_ancestor(root, slot)?)
    }

    /// Reference 7 `on_block(block)`, state root not validated (as v0.8.4). On success the
    /// block and its post-state are stored, higher checkpoints adopted and the attestations
    /// waiting for the block applied. Unlike the reference, a block that fails a check is not
    /// kept (so it can never become the head).
    pub fn on_block(
        &mut self,
        block: &BeaconBlock,
        crypto: Crypto,
    ) -> Result<BlockImport, ForkChoiceError> {
        self.on_block_with(block, crypto, None)
    }

    /// [`ForkChoice::on_block`] for a block whose post-state the caller already computed from
    /// the parent's post-state (a proposer's own block): every check runs, the transition is
    /// not repeated. The state root is checked against `post` when validation is on.
    pub fn on_block_with_post_state(
        &mut self,
        block: &BeaconBlock,
        post: BeaconState<P>,
    ) -> Result<BlockImport, ForkChoiceError> {
        self.on_block_with(block, Crypto::fake_for_simulation(), Some(post))
    }

    fn on_block_with(
        &mut self,
        block: &BeaconBlock,
        crypto: Crypto,
        post: Option<BeaconState<P>>,
    ) -> Result<BlockImport, ForkChoiceError> {
        let root = block.signing_root();
        if self.block_states.contains_key(&root) {
            return Err(ForkChoiceError::BlockAlreadyKnown { root });
        }
        // 1. The parent's post-state is known.
        let Some(pre) = self.block_states.get(&block.parent_root) else {
            return Err(ForkChoiceError::UnknownParent {
                root,
                parent: block.parent_root,
            });
        };
        // 2. Blocks cannot be in the future.
        let slot_start_ms = self.slot_start_ms(block.slot, "on_block: slot start time")?;
        if self.time_ms < slot_start_ms {
            return Err(ForkChoiceError::BlockFromFuture {
                root,
                slot: block.slot,
                slot_start_ms,
                now_ms: self.time_ms,
            });
        }
        // 3. The block descends from the finalized block.
        let finalized_slot = self
            .proto
            .node(&self.finalized.root)
            .map(|node| node.slot)
            .ok_or(ForkChoiceError::UnknownBlock {
                rule: "on_block: finalized block",
                root: self.finalized.root,
            })?;
        let ancestor = if block.slot < finalized_slot {
            None
        } else if block.slot == finalized_slot {
            Some(root)
        } else {
            self.proto
                .get_ancestor(&block.parent_root, finalized_slot)?
        };
        if ancestor != Some(self.finalized.root) {
            return Err(ForkChoiceError::NotDescendantOfFinalized {
                root,
                finalized_root: self.finalized.root,
                finalized_slot,
                ancestor,
            });
        }
        // 4. The block is after the finalized epoch's start.
        let finalized_start =
            Self::epoch_start_slot(self.finalized.epoch, "on_block: finalized epoch start")?;
        if block.slot <= finalized_start {
            return Err(ForkChoiceError::NotAfterFinalizedEpoch {
                root,
                slot: block.slot,
                finalized_start,
            });
        }
        // 5. The state transition (state root checked only if validation is on).
        let state = match post {
            Some(post) if post.slot == block.slot => {
                if self.validate_state_roots {
                    let computed = self.cache.state_roots.root(&post);
                    if computed != block.state_root {
                        return Err(ForkChoiceError::Transition {
                            root,
                            source: Box::new(TransitionError::StateRootMismatch {
                                block: block.state_root,
                                computed,
                            }),
                        });
                    }
                }
                post
            }
            _ => state_transition_owned(
                BeaconState::clone(pre),
                block,
                self.validate_state_roots,
                &self.config,
                crypto,
                &mut self.cache,
            )
            .map_err(|source| ForkChoiceError::Transition {
                root,
                source: Box::new(source),
            })?,
        };
        self.proto.insert(
            root,
            block.parent_root,
            block.slot,
            state.current_justified_checkpoint.epoch,
            state.finalized_checkpoint.epoch,
        )?;
        // 6. Adopt higher checkpoints.
        let justified_updated = state.current_justified_checkpoint.epoch > self.justified.epoch;
        if justified_updated {
            self.justified = state.current_justified_checkpoint.clone();
        }
        let finalized_updated = state.finalized_checkpoint.epoch > self.finalized.epoch;
        if finalized_updated {
            self.finalized = state.finalized_checkpoint.clone();
        }
        self.block_states.insert(root, Arc::new(state));

        // Attestations that waited for this block.
        let mut import = BlockImport {
            root,
            justified_updated,
            finalized_updated,
            attestations_applied: 0,
            attestations_requeued: 0,
            attestations_rejected: Vec::new(),
        };
        for attestation in self.queue.take(&root) {
            match self.on_attestation(&attestation, crypto) {
                Ok(AttestationOutcome::Applied { .. }) => import.attestations_applied += 1,
                Ok(AttestationOutcome::Queued { .. }) => import.attestations_requeued += 1,
                Err(error) => import.attestations_rejected.push(error),
            }
        }
        Ok(import)
    }

    /// Reference 7 `on_attestation(attestation)`. An attestation whose target block or beacon
    /// block is not in the store waits in a bounded queue (checked as far as possible first)
    /// and is applied when that block arrives; a full queue refuses it.
    pub fn on_attestation(
        &mut self,
        attestation: &Attestation,
        crypto: Crypto,
    ) -> Result<AttestationOutcome, ForkChoiceError> {
        let data = &attestation.data;
        let target = &data.target;
        // 1. The target block is known (else the attestation waits for it).
        let Some(base) = self.block_states.get(&target.root) else {
            if target.epoch < self.finalized.epoch {
                return Err(ForkChoiceError::UnknownTargetBeforeFinalized {
                    root: target.root,
                    epoch: target.epoch,
                    finalized_epoch: self.finalized.epoch,
                });
            }
            return self.enqueue(target.root, attestation);
        };
        // 2. Attestations cannot be from future epochs.
        let target_start =
            Self::epoch_start_slot(target.epoch, "on_attestation: target epoch start")?;
        let epoch_start_ms =
            self.slot_start_ms(target_start, "on_attestation: target epoch time")?;
        if self.time_ms < epoch_start_ms {
            return Err(ForkChoiceError::TargetEpochInFuture {
                epoch: target.epoch,
                epoch_start_ms,
                now_ms: self.time_ms,
            });
        }
        // 3. The checkpoint state: the target block's state advanced to the epoch start.
        if !self.checkpoint_states.contains_key(target) {
            let state = Self::advanced(base, target_start, &self.config, &mut self.cache).map_err(
                |source| ForkChoiceError::CheckpointState {
                    epoch: target.epoch,
                    root: target.root,
                    source: Box::new(source),
                },
            )?;
            self.checkpoint_states.insert(target.clone(), state);
        }
        let Some(target_state) = self.checkpoint_states.get(target) else {
            return Err(ForkChoiceError::UnknownBlock {
                rule: "on_attestation: checkpoint state",
                root: target.root,
            });
        };
        // 4. Attestations can only affect fork choice of subsequent slots. v0.8.4 compares the
        //    store time with `(slot + 1) · SECONDS_PER_SLOT`, without genesis_time: reproduced.
        let slot = get_attestation_data_slot(target_state, data, &self.config)
            .map_err(ForkChoiceError::AttestationSlot)?;
        let earliest_ms = slot
            .checked_add(1)
            .and_then(|s| s.checked_mul(self.config.slot_duration_ms))
            .ok_or(ForkChoiceError::Overflow {
                rule: "on_attestation: attestation slot time",
            })?;
        if self.time_ms < earliest_ms {
            return Err(ForkChoiceError::AttestationSlotInFuture {
                slot,
                earliest_ms,
                now_ms: self.time_ms,
            });
        }
        // 5. A valid indexed attestation.
        let indexed = get_indexed_attestation(target_state, attestation, &self.config)
            .map_err(ForkChoiceError::IndexedAttestation)?;
        is_valid_indexed_attestation(target_state, &indexed, crypto)
            .map_err(ForkChoiceError::InvalidIndexedAttestation)?;
        // The head vote must name a known block (the reference would fail in get_ancestor).
        if !self.proto.contains(&data.beacon_block_root) {
            return self.enqueue(data.beacon_block_root, attestation);
        }
        // 6. Update latest messages.
        let mut updated = 0;
        let indices = indexed
            .custody_bit_0_indices
            .iter()
            .chain(indexed.custody_bit_1_indices.iter());
        for validator in indices {
            if self
                .votes
                .record_latest_message(*validator, data.beacon_block_root, target.epoch)
            {
                updated += 1;
            }
        }
        Ok(AttestationOutcome::Applied { updated })
    }

    /// Step 6 of `on_attestation` alone, for an attestation the caller has already checked in
    /// full (gossip validation, or a block's import, which verified its signatures) and whose
    /// slot is past: each validator's latest message becomes `(target_epoch,
    /// beacon_block_root)` if newer. Returns how many were updated; `None` (nothing applied)
    /// if the block is unknown.
    pub fn apply_checked_votes(
        &mut self,
        validators: &[ValidatorIndex],
        beacon_block_root: Root,
        target_epoch: Epoch,
    ) -> Option<usize> {
        if !self.proto.contains(&beacon_block_root) {
            return None;
        }
        Some(
            validators
                .iter()
                .filter(|v| {
                    self.votes
                        .record_latest_message(**v, beacon_block_root, target_epoch)
                })
                .count(),
        )
    }

    fn enqueue(
        &mut self,
        missing: Root,
        attestation: &Attestation,
    ) -> Result<AttestationOutcome, ForkChoiceError> {
        self.queue
            .push(missing, attestation.clone())
            .map_err(|full| ForkChoiceError::AttestationQueueFull {
                capacity: full.capacity,
            })?;
        Ok(AttestationOutcome::Queued { missing })
    }

    /// The effective balances of the active validators of the justified checkpoint state
    /// (zero for the others), as `get_latest_attesting_balance` sums them. The state is
    /// computed and cached if no attestation targeted the checkpoint yet.
    fn justified_balances(&mut self) -> Result<Vec<Gwei>, ForkChoiceError> {
        if let Some((checkpoint, balances)) = &self.justified_balances {
            if *checkpoint == self.justified {
                return Ok(balances.clone());
            }
        }
        let justified = self.justified.clone();
        if !self.checkpoint_states.contains_key(&justified) {
            let Some(base) = self.block_states.get(&justified.root) else {
                return Err(ForkChoiceError::UnknownBlock {
                    rule: "get_head: justified block state",
                    root: justified.root,
                });
            };
            let start = Self::epoch_start_slot(justified.epoch, "get_head: justified epoch start")?;
            let state =
                Self::advanced(base, start, &self.config, &mut self.cache).map_err(|source| {
                    ForkChoiceError::CheckpointState {
                        epoch: justified.epoch,
                        root: justified.root,
                        source: Box::new(source),
                    }
                })?;
            self.checkpoint_states.insert(justified.clone(), state);
        }
        let Some(state) = self.checkpoint_states.get(&justified) else {
            return Err(ForkChoiceError::UnknownBlock {
                rule: "get_head: justified checkpoint state",
                root: justified.root,
            });
        };
        let epoch = get_current_epoch(state);
        let balances: Vec<Gwei> = state
            .validators
            .iter()
            .map(|v| {
                if is_active_validator(v, epoch) {
                    v.effective_balance
                } else {
                    0
                }
            })
            .collect();
        self.justified_balances = Some((justified, balances.clone()));
        Ok(balances)
    }

    /// Reference 7 `get_head()`: moves the latest messages into the proto-array weights (with
    /// the justified checkpoint state's balances) and returns the best descendant of the
    /// justified block among those after the justified epoch's start.
    pub fn get_head(&mut self) -> Result<Root, ForkChoiceError> {
        self.pull_up_leaves();
        let balances = self.justified_balances()?;
        let deltas = self
            .votes
            .compute_deltas(&self.proto, &self.applied_balances, &balances)?;
        self.proto
            .apply_score_changes(deltas, self.justified.clone(), self.finalized.clone())?;
        self.votes.mark_applied();
        self.applied_balances = balances;
        Ok(self.proto.find_head(&self.justified.root)?)
    }

    /// `base` advanced to `slot` (`process_slots`): the same state, shared, if it is already
    /// there, else a processed copy.
    fn advanced(
        base: &Arc<BeaconState<P>>,
        slot: Slot,
        config: &ChainConfig,
        cache: &mut TransitionCache,
    ) -> Result<Arc<BeaconState<P>>, crate::errors::SlotError> {
        if base.slot == slot {
            return Ok(base.clone());
        }
        let mut state = BeaconState::clone(base);
        process_slots_cached(&mut state, slot, config, &mut cache.state_roots)?;
        Ok(Arc::new(state))
    }

    /// Forgets every block that does not descend from the finalized block, with its states,
    /// and the attestations that wait for blocks before the finalized epoch. The head is
    /// unchanged. Returns how many blocks were removed. Refused (nothing removed) while the
    /// justified block does not descend from the finalized one, which v0.8.4's independent
    /// adoption of the two checkpoints allows.
    pub fn prune(&mut self) -> Result<usize, ForkChoiceError> {
        // Bring the links up to date with the current checkpoints first.
        self.get_head()?;
        let removed = self.proto.prune(self.finalized.clone())?;
        for root in &removed {
            self.block_states.remove(root);
        }
        let proto = &self.proto;
        self.checkpoint_states
            .retain(|checkpoint, _| proto.contains(&checkpoint.root));
        self.queue.drop_targets_before(self.finalized.epoch);
        Ok(removed.len())
    }
}
