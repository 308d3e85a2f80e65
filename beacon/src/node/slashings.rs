//! Slashings and voluntary exits in the node: gossip validation, the slasher's findings, and
//! what a proposal carries.
//!
//! - gossip: a proposer slashing, attester slashing or exit already pooled, or one that adds
//!   nothing (its offenders already slashed in the head state, the validator already exiting),
//!   is ignored; otherwise its state-transition rule runs on a copy of the head state, which
//!   decides accept (pooled, forwarded) or reject (the rule that failed);
//! - the slasher sees every attestation whose signature the node checked and every imported
//!   beacon block; what it finds is pooled, published, and reported as
//!   [`Event::SlashingFound`];
//! - a proposal takes pooled proposer slashings, attester slashings (those slashing the most
//!   first) and exits up to the preset's limits, each re-checked on the state being built;
//! - once per epoch the pool forgets what the finalized state made useless and publishes again
//!   every slashing that still slashes someone in the head state (for nodes that missed it).

use super::io::Event;
use super::slashing_pool::{exiting, offenders, unslashed, SlashingPool};
use super::verdict::{IgnoreReason, RejectReason, Verdict};
use super::Node;
use crate::block::{
    process_attester_slashing, process_attester_slashing_with, process_proposer_slashing,
    process_proposer_slashing_with, process_voluntary_exit, process_voluntary_exit_with,
    BlockContext,
};
use consensus::bls::Crypto;
use consensus::primitives::{Root, ValidatorIndex};
use consensus::sszx::hash_tree_root;
use consensus::{
    AttesterSlashing, BeaconBlock, BeaconBlockHeader, BeaconState, ChainConfig, IndexedAttestation,
    Preset, ProposerSlashing, Validator, VoluntaryExit,
};
use networking::GossipMessage;

/// What a slasher found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offence {
    /// Two different beacon blocks for one slot by one proposer.
    ProposerEquivocation,
    /// Two attestations with the same target and different data.
    DoubleVote,
    /// One attestation's source and target strictly around another's.
    SurroundVote,
    /// Two different shard blocks for one shard and slot by one proposer (evidence only: the
    /// v0.8.4 beacon block body cannot carry its slashing).
    ShardProposerEquivocation,
}

impl Offence {
    pub fn label(&self) -> &'static str {
        match self {
            Offence::ProposerEquivocation => "proposer_equivocation",
            Offence::DoubleVote => "double_vote",
            Offence::SurroundVote => "surround_vote",
            Offence::ShardProposerEquivocation => "shard_proposer_equivocation",
        }
    }
}

/// The signed header a block implies (its signing root is the block's).
pub fn block_header(block: &BeaconBlock) -> BeaconBlockHeader {
    BeaconBlockHeader {
        slot: block.slot,
        parent_root: block.parent_root,
        state_root: block.state_root,
        body_root: hash_tree_root(&block.body),
        signature: block.signature,
    }
}

impl<P: Preset> Node<P> {
    /// A slashing or exit from gossip: ignored when `known` (already pooled, or adding
    /// nothing to the head state); otherwise its `rule` on a copy of the head state decides,
    /// and an accepted operation goes into the pool with `keep`.
    fn gossip_operation(
        &mut self,
        kind: &'static str,
        known: impl FnOnce(&SlashingPool, &[Validator]) -> bool,
        rule: impl FnOnce(&mut BeaconState<P>, &ChainConfig, Crypto) -> Result<(), RejectReason>,
        keep: impl FnOnce(&mut SlashingPool),
    ) -> Verdict {
        let known_verdict = Verdict::Ignore(IgnoreReason::OperationKnown { kind });
        let Some(head) = self.head_state() else {
            return known_verdict;
        };
        if known(&self.slashing_pool, &head.validators) {
            return known_verdict;
        }
        let mut state = head.clone();
        match rule(&mut state, &self.chain, self.config.crypto) {
            Ok(()) => {
                keep(&mut self.slashing_pool);
                Verdict::Accept
            }
            Err(reason) => Verdict::Reject(reason),
        }
    }

    pub(super) fn gossip_proposer_slashing(&mut self, slashing: ProposerSlashing) -> Verdict {
        let index = slashing.proposer_index;
        self.gossip_operation(
            "proposer slashing",
            |pool, validators| pool.has_proposer_slashing(index) || !unslashed(validators, index),
            |state, chain, crypto| Ok(process_proposer_slashing(state, &slashing, chain, crypto)?),
            |pool| pool.insert_proposer_slashing(slashing.clone()),
        )
    }

    pub(super) fn gossip_attester_slashing(&mut self, slashing: AttesterSlashing) -> Verdict {
        let offenders = offenders(&slashing);
        let crypto = self.config.crypto;
        self.gossip_operation(
            "attester slashing",
            |pool, validators| {
                offenders.iter().all(|v| !unslashed(validators, *v))
                    || pool.covers_attesters(&offenders)
            },
            |state, chain, crypto| Ok(process_attester_slashing(state, &slashing, chain, crypto)?),
            |pool| pool.insert_attester_slashing(slashing.clone(), crypto),
        )
    }

    pub(super) fn gossip_voluntary_exit(&mut self, exit: VoluntaryExit) -> Verdict {
        let index = exit.validator_index;
        self.gossip_operation(
            "voluntary exit",
            |pool, validators| pool.has_exit(index) || exiting(validators, index),
            |state, chain, crypto| Ok(process_voluntary_exit(state, &exit, chain, crypto)?),
            |pool| pool.insert_exit(exit.clone()),
        )
    }

    /// The slasher's look at an attestation whose signature was checked.
    pub(super) fn watch_attestation(&mut self, indexed: &IndexedAttestation) {
        for slashing in self.slasher.on_attestation(indexed) {
            let kind = if slashing.attestation_1.data.target.epoch
                == slashing.attestation_2.data.target.epoch
            {
                Offence::DoubleVote
            } else {
                Offence::SurroundVote
            };
            let validators = offenders(&slashing);
            self.slashing_pool
                .insert_attester_slashing(slashing.clone(), self.config.crypto);
            self.emit(Event::SlashingFound { kind, validators });
            self.publish(GossipMessage::AttesterSlashing(Box::new(slashing)));
        }
    }

    /// The slasher's look at an imported beacon block `root`: a second block at its slot by
    /// the same proposer is an equivocation.
    pub(super) fn watch_block(&mut self, root: Root, block: &BeaconBlock) {
        let earlier = self.slasher.on_block(block.slot, root);
        if earlier.is_empty() {
            return;
        }
        let Some(proposer) = self.proposer_of(&root, block.slot) else {
            return;
        };
        for other in earlier {
            if self.proposer_of(&other, block.slot) != Some(proposer) {
                continue;
            }
            let Some(first) = self.blocks.get(&other).map(|b| block_header(b)) else {
                continue;
            };
            let second = block_header(block);
            if let Some(slashing) = self.slasher.proposer_slashing(proposer, first, second) {
                self.slashing_pool
                    .insert_proposer_slashing(slashing.clone());
                self.emit(Event::SlashingFound {
                    kind: Offence::ProposerEquivocation,
                    validators: vec![proposer],
                });
                self.publish(GossipMessage::ProposerSlashing(Box::new(slashing)));
            }
        }
    }

    /// The slasher's look at an imported shard block.
    pub(super) fn watch_shard_block(&mut self, block: &shard::ShardBlock, root: Root) {
        let proposer = block.proposer_index;
        if self
            .slasher
            .on_shard_block(block.shard, block.slot, proposer, root)
        {
            self.emit(Event::SlashingFound {
                kind: Offence::ShardProposerEquivocation,
                validators: vec![proposer],
            });
        }
    }

    /// The proposer of block `root` at `slot`, from its post-state.
    fn proposer_of(&mut self, root: &Root, slot: u64) -> Option<ValidatorIndex> {
        let state = self.fork_choice.block_state(root)?;
        let shuffling = self
            .shufflings
            .get(state, slot / P::SLOTS_PER_EPOCH, &self.chain)
            .ok()?;
        shuffling.proposer::<P>(&state.validators, slot).ok()
    }

    /// Pooled slashings that still apply to `scratch` (the state being built), in the order
    /// and up to the limits of `process_operations`; `scratch` moves past each.
    pub(super) fn select_slashings(
        &self,
        scratch: &mut BeaconState<P>,
        context: &mut BlockContext<'_>,
    ) -> (Vec<ProposerSlashing>, Vec<AttesterSlashing>) {
        let mut proposer = Vec::new();
        for slashing in self.slashing_pool.proposer_slashings() {
            if proposer.len() as u64 >= P::MAX_PROPOSER_SLASHINGS {
                break;
            }
            if process_proposer_slashing_with(scratch, slashing, context, proposer.len()).is_ok() {
                proposer.push(slashing.clone());
            }
        }
        let mut attester = Vec::new();
        let pooled = self
            .slashing_pool
            .attester_slashings_at::<P>(&scratch.validators, scratch.slot);
        for slashing in pooled {
            if attester.len() as u64 >= P::MAX_ATTESTER_SLASHINGS {
                break;
            }
            if process_attester_slashing_with(scratch, slashing, context, attester.len()).is_ok() {
                attester.push(slashing.clone());
            }
        }
        (proposer, attester)
    }

    /// Pooled exits that still apply to `scratch`, up to the preset's limit.
    pub(super) fn select_exits(
        &self,
        scratch: &mut BeaconState<P>,
        context: &mut BlockContext<'_>,
    ) -> Vec<VoluntaryExit> {
        let mut exits = Vec::new();
        for exit in self.slashing_pool.exits() {
            if exits.len() as u64 >= P::MAX_VOLUNTARY_EXITS {
                break;
            }
            if process_voluntary_exit_with(scratch, exit, context, exits.len()).is_ok() {
                exits.push(exit.clone());
            }
        }
        exits
    }

    /// Once per epoch: every pooled slashing that still slashes someone in the head state is
    /// published again. Gossip carries a message once; a node offline, partitioned or
    /// restarted (its pool is memory) when the slasher published missed it for good, and a
    /// proposal only carries what its proposer holds, so with a third of the nodes holding the
    /// evidence a queue of 30 offenders took 60 slots to clear (swarm seed 473). A node that
    /// holds it already ignores the copy (`OperationKnown`).
    pub(super) fn republish_slashings(&mut self) {
        let Some(head) = self.head_state() else {
            return;
        };
        let mut messages = Vec::new();
        for slashing in self.slashing_pool.proposer_slashings() {
            if unslashed(&head.validators, slashing.proposer_index) {
                messages.push(GossipMessage::ProposerSlashing(Box::new(slashing.clone())));
            }
        }
        let pooled = self
            .slashing_pool
            .attester_slashings_at::<P>(&head.validators, self.current_slot());
        for slashing in pooled {
            messages.push(GossipMessage::AttesterSlashing(Box::new(slashing.clone())));
        }
        for message in messages {
            self.publish(message);
        }
    }

    /// Once per epoch: the pool drops what the finalized state made useless, the slasher
    /// forgets what is outside its window. Finalized, not head: a slashing the head's fork
    /// carried is lost with that fork when a partition heals and the node reorgs onto a chain
    /// that never saw it (swarm seeds 692 and 705); only finality makes it useless for good.
    pub(super) fn prune_slashings(&mut self, epoch: u64) {
        let mut pool = std::mem::take(&mut self.slashing_pool);
        if let Some(state) = self.finalized_state() {
            pool.retain_useful(&state.validators);
        }
        self.slashing_pool = pool;
        self.slasher.prune(epoch, P::SLOTS_PER_EPOCH);
    }
}
