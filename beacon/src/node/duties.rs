//! What the node's validators do in a slot (design 3.3), on the tick that reaches each duty's
//! time: at the slot's start the beacon proposal and the shard proposals, a third in the
//! attestations, two thirds in the aggregates. Every signature passes slashing protection
//! first, and the protection record is on disk before the signature exists.

use super::crosslinks::build_crosslink_data;
use super::io::{Event, Output, SignedMessage};
use super::oracle::Oracle;
use super::{DutyLog, Node};
use crate::block::{process_attestation_with, process_block_cached, BlockContext};
use crate::signatures::get_domain;
use crate::slashing_protection::SlashingRefusal;
use crate::slots::process_slots_cached;
use consensus::accessors::get_block_root_at_slot;
use consensus::bls::{compute_signing_root, Crypto};
use consensus::preset::{DOMAIN_ATTESTATION, DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO};
use consensus::primitives::{BlsSignatureBytes, Root, Shard, Slot, ValidatorIndex};
use consensus::sszx::{hash_tree_root, SigningRoot};
use consensus::{
    Attestation, AttestationData, AttestationDataAndCustodyBit, BeaconBlock, BeaconState,
    Checkpoint, CommitteeBits, Crosslink, Preset,
};
use networking::GossipMessage;
use shard::block::sign_shard_block_with;
use shard::execute::{BlockError, BlockLimits, ExecutionContext};
use shard::produce::{produce_block, BlockTemplate};
use std::sync::Arc;

impl<P: Preset> Node<P> {
    pub(super) fn on_tick(&mut self, now_ms: u64) {
        if now_ms < self.now_ms {
            return;
        }
        self.now_ms = now_ms;
        self.fork_choice.on_tick(now_ms);
        let (slot, offset) = self.clock.slot_and_offset(now_ms);
        if now_ms < self.clock.genesis_ms {
            return;
        }
        let epoch = slot / P::SLOTS_PER_EPOCH;
        if self.epoch_handled != Some(epoch) {
            self.epoch_handled = Some(epoch);
            self.on_epoch_start();
        }
        if self.duties.slot != slot {
            // One durable commit per slot keeps redb's free pages reclaimed.
            let _ = self.store.flush();
            self.duties = DutyLog {
                slot,
                ..DutyLog::default()
            };
            self.aggregating.clear();
            self.apply_deferred_votes();
            // Blocks that arrived a little early may import now.
            self.release_early_blocks();
            self.update_head();
        }
        if !self.duties.proposed {
            self.duties.proposed = true;
            if slot > 0 {
                self.propose_beacon_block(slot);
                self.propose_shard_blocks(slot);
            }
        }
        if !self.duties.attested && offset >= self.clock.attestation_offset_ms() {
            self.duties.attested = true;
            self.update_head();
            self.attest(slot);
        }
        if !self.duties.aggregated && offset >= self.clock.aggregation_offset_ms() {
            self.duties.aggregated = true;
            self.aggregate(slot);
        }
    }

    /// Once per epoch: a status round with every peer (catches what gossip lost), pooled
    /// slashings published again, and a durable flush of the store.
    fn on_epoch_start(&mut self) {
        self.prune_settled();
        self.prune_slashings(self.current_slot() / P::SLOTS_PER_EPOCH);
        self.republish_slashings();
        let _ = self.store.flush();
        let peers: Vec<_> = self.peers.keys().copied().collect();
        for peer in peers {
            self.send_status(peer);
        }
    }

    /// The head state advanced to `slot` (cached for the slot's duties).
    /// The head's own post-state is shared, not copied, when the head is at `slot`.
    fn head_state_at(&mut self, slot: Slot) -> Option<Arc<BeaconState<P>>> {
        if let Some((root, at, state)) = &self.advanced {
            if *root == self.head && *at == slot {
                return Some(state.clone());
            }
        }
        let head = self.fork_choice.block_state_shared(&self.head)?;
        let state = if head.slot < slot {
            let mut state = BeaconState::clone(&head);
            process_slots_cached(&mut state, slot, &self.chain, &mut self.roots).ok()?;
            Arc::new(state)
        } else {
            head
        };
        self.advanced = Some((self.head, slot, state.clone()));
        Some(state)
    }

    /// `get_beacon_proposer_index` at `slot` on the head. Within the head's epoch the head
    /// state answers as is (the seed, the active set, the start shard and the effective
    /// balances only change at an epoch boundary), so a node that does not propose never
    /// copies the state to find out.
    fn beacon_proposer(&mut self, slot: Slot) -> Option<ValidatorIndex> {
        let epoch = slot / P::SLOTS_PER_EPOCH;
        let head = self.fork_choice.block_state_shared(&self.head)?;
        let state = if head.slot / P::SLOTS_PER_EPOCH == epoch {
            head
        } else {
            self.head_state_at(slot)?
        };
        let shuffling = self
            .shufflings
            .get(state.as_ref(), epoch, &self.chain)
            .ok()?;
        shuffling.proposer::<P>(&state.validators, slot).ok()
    }

    fn refused(&mut self, validator: ValidatorIndex, reason: SlashingRefusal) {
        self.emit(Event::SigningRefused { validator, reason });
    }

    pub(super) fn publish(&mut self, message: GossipMessage) {
        let topic = message.topic(self.chain.active_shard_count);
        if let Ok(bytes) = message.encode() {
            self.out.push(Output::Publish {
                topic,
                bytes: bytes.into(),
            });
        }
    }

    fn propose_beacon_block(&mut self, slot: Slot) {
        let Some(proposer) = self.beacon_proposer(slot) else {
            return;
        };
        let Some(key) = self.keys.get(&proposer).cloned() else {
            return;
        };
        let Some(state) = self.head_state_at(slot) else {
            return;
        };
        let epoch = slot / P::SLOTS_PER_EPOCH;
        if let Err(refusal) = self
            .protection
            .approve_block(&mut self.store, proposer, slot)
        {
            self.refused(proposer, refusal);
            return;
        }
        let crypto = self.config.crypto;
        let randao_message = compute_signing_root(
            &hash_tree_root(&epoch),
            &get_domain(state.as_ref(), DOMAIN_RANDAO, epoch),
        );
        let mut block = BeaconBlock {
            slot,
            parent_root: self.head,
            ..BeaconBlock::default()
        };
        block.body.randao_reveal = crypto.sign(&key, &randao_message);
        block.body.eth1_data = state.eth1_data.clone();
        // Slashings, attestations and exits that still apply, checked in order on a copy of
        // the state.
        let mut scratch = state.as_ref().clone();
        let mut context = BlockContext::new(&self.chain, Crypto::fake_for_simulation());
        let (proposer_slashings, attester_slashings) =
            self.select_slashings(&mut scratch, &mut context);
        for slashing in proposer_slashings {
            block.body.proposer_slashings.push(slashing);
        }
        for slashing in attester_slashings {
            block.body.attester_slashings.push(slashing);
        }
        let from = slot.saturating_sub(P::SLOTS_PER_EPOCH);
        let to = slot.saturating_sub(P::MIN_ATTESTATION_INCLUSION_DELAY);
        for attestation in self.op_pool.candidates(from, to) {
            if block.body.attestations.len() as u64 >= P::MAX_ATTESTATIONS {
                break;
            }
            // The re-check below skips signatures (they were checked on entry), which holds
            // only under the committees they were checked with: an attestation whose target
            // is not on this chain may come from a fork with another shuffling (after a
            // partition heals), and its signature would not verify here.
            if !target_on_chain(&scratch, &attestation.data, &self.head) {
                continue;
            }
            let position = block.body.attestations.len();
            if process_attestation_with(&mut scratch, &attestation, &mut context, position).is_ok()
            {
                block.body.attestations.push(attestation);
            }
        }
        for exit in self.select_exits(&mut scratch, &mut context) {
            block.body.voluntary_exits.push(exit);
        }
        drop(scratch);
        let mut post = state.as_ref().clone();
        if process_block_cached(
            &mut post,
            &block,
            &self.chain,
            Crypto::fake_for_simulation(),
            &mut self.pubkeys,
            &mut self.shufflings,
        )
        .is_err()
        {
            return;
        }
        block.state_root = self.roots.root(&post);
        let message = compute_signing_root(
            &block.signing_root(),
            &get_domain(state.as_ref(), DOMAIN_BEACON_PROPOSER, epoch),
        );
        block.signature = crypto.sign(&key, &message);
        let block = Arc::new(block);
        if let Ok(root) = self.import_own_beacon_block(block.clone(), post) {
            self.update_head();
            self.emit(Event::Proposed { slot, root });
            self.emit(Event::Signed(SignedMessage::BeaconBlock {
                validator: proposer,
                slot,
                root: block.signing_root(),
            }));
            self.publish(GossipMessage::BeaconBlock(Box::new(block.as_ref().clone())));
        }
    }

    /// Every shard block this node's validators propose at `slot`, approved by slashing
    /// protection in one durable commit before any is signed.
    fn propose_shard_blocks(&mut self, slot: Slot) {
        let head = self.head;
        let mut duties = Vec::new();
        for shard in 0..self.chain.active_shard_count {
            let Ok(proposer) = self.shard_proposer(&head, shard, slot) else {
                continue;
            };
            if self.keys.contains_key(&proposer) {
                duties.push((proposer, shard, slot));
            }
        }
        if duties.is_empty() {
            return;
        }
        let verdicts = match self
            .protection
            .approve_shard_blocks(&mut self.store, &duties)
        {
            Ok(verdicts) => verdicts,
            Err(error) => {
                for &(proposer, _, _) in &duties {
                    self.refused(proposer, error.clone().into());
                }
                return;
            }
        };
        for (&(proposer, shard, _), verdict) in duties.iter().zip(verdicts) {
            if let Err(refusal) = verdict {
                self.refused(proposer, refusal);
                continue;
            }
            let Some(key) = self.keys.get(&proposer).cloned() else {
                continue;
            };
            self.propose_shard_block(slot, shard, proposer, &key, head);
        }
    }

    fn propose_shard_block(
        &mut self,
        slot: Slot,
        shard: Shard,
        proposer: ValidatorIndex,
        key: &consensus::bls::SecretKey,
        beacon_root: Root,
    ) {
        let chain = &self.shards[shard as usize];
        let Some(base_state) = chain.state_of(&chain.head_root()) else {
            return;
        };
        self.crosslinks.forget_credited(shard, &base_state);
        let Some(beacon_state) = self.fork_choice.block_state(&beacon_root) else {
            return;
        };
        let fork_version = beacon_state.fork.current_version;
        // One acceptance rule for the receipts chosen and for the block's execution.
        let oracle = Oracle {
            state: beacon_state,
            finalized: &self.crosslinks,
        };
        let mut receipts = self.crosslinks.claims_for(
            shard,
            &base_state,
            &oracle,
            self.config.max_receipts_per_block,
        );
        if self
            .config
            .conduct
            .censors_receipts_at(slot / P::SLOTS_PER_EPOCH)
        {
            receipts.clear();
        }
        let mut context = ExecutionContext::new(false, &oracle);
        context.limits = BlockLimits::from_config(&self.chain);
        let chain = &mut self.shards[shard as usize];
        let mut produced = None;
        for _attempt in 0..4 {
            let mut state = base_state.clone();
            let template = BlockTemplate {
                slot,
                beacon_block_root: beacon_root,
                proposer_index: proposer,
                incoming_receipts: receipts.clone(),
            };
            match produce_block(&mut state, &chain.mempool, template, &context) {
                Ok(block) => {
                    produced = Some((block, state));
                    break;
                }
                Err(BlockError::Transaction { position, .. }) => {
                    // Drop the offending transaction and try again.
                    let selected = chain.mempool.select(&base_state, position + 1, usize::MAX);
                    if let Some(tx) = selected.get(position) {
                        chain.mempool.remove(&tx.from, tx.nonce);
                    }
                }
                Err(BlockError::Receipt { .. }) => receipts.clear(),
                Err(_) => break,
            }
        }
        let Some((mut produced, state)) = produced else {
            return;
        };
        sign_shard_block_with(
            &mut produced.block,
            &produced.outcome.body_root,
            key,
            fork_version,
            self.config.crypto,
        );
        let block = Arc::new(produced.block);
        let root = produced.outcome.block_root;
        self.record_shard_block(block.clone(), produced.outcome, state);
        self.emit(Event::ShardProposed { shard, slot, root });
        self.emit(Event::Signed(SignedMessage::ShardBlock {
            validator: proposer,
            shard,
            slot,
            root,
        }));
        self.publish(GossipMessage::ShardBlock(Box::new(block.as_ref().clone())));
    }

    /// The committees of `slot` in which this node has validators: `(shard, committee)`.
    fn local_committees(
        &mut self,
        state: &BeaconState<P>,
        slot: Slot,
    ) -> Vec<(Shard, Vec<ValidatorIndex>)> {
        let epoch = slot / P::SLOTS_PER_EPOCH;
        let Ok(shuffling) = self.shufflings.get(state, epoch, &self.chain) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for shard in shuffling.shards() {
            if shuffling.committee_slot::<P>(shard) != Some(slot) {
                continue;
            }
            let Ok(committee) = shuffling.committee(shard) else {
                continue;
            };
            if committee.iter().any(|v| self.keys.contains_key(v)) {
                out.push((shard, committee.to_vec()));
            }
        }
        out
    }

    /// The attestation data of `shard`'s committee at `slot` on the current head.
    fn attestation_data(
        &mut self,
        state: &BeaconState<P>,
        slot: Slot,
        shard: Shard,
    ) -> AttestationData {
        let epoch = slot / P::SLOTS_PER_EPOCH;
        let epoch_start = epoch * P::SLOTS_PER_EPOCH;
        // The target is the block at the epoch's start slot (the head if none came since).
        let target_root = if self.head_slot <= epoch_start {
            self.head
        } else {
            get_block_root_at_slot(state, epoch_start).unwrap_or(self.head)
        };
        let parent = state
            .current_crosslinks
            .get(shard as usize)
            .cloned()
            .unwrap_or_default();
        let start_epoch = parent.end_epoch;
        let end_epoch = epoch.min(start_epoch.saturating_add(P::MAX_EPOCHS_PER_CROSSLINK));
        // A node that does not know where the parent crosslink leaves the shard chain (it
        // lacks those blocks) votes for no data: it must not crosslink another fork. An
        // attestation-only committee (design D7) has no shard chain and votes for no data.
        let data_root = if shard >= self.chain.active_shard_count {
            Root::zero()
        } else if self.follows_crosslink(shard, &parent) {
            let chain = &self.shards[shard as usize];
            build_crosslink_data(
                chain,
                &chain.head_root(),
                start_epoch * P::SLOTS_PER_EPOCH,
                end_epoch * P::SLOTS_PER_EPOCH,
            )
            .map(|(data, tip)| self.crosslinks.remember(data, tip))
            .unwrap_or_default()
        } else {
            Root::zero()
        };
        let data_root = if self.config.conduct.invalid_crosslink_at(epoch) {
            invalid_data_root(shard, start_epoch, end_epoch)
        } else {
            data_root
        };
        AttestationData {
            beacon_block_root: self.head,
            source: state.current_justified_checkpoint.clone(),
            target: Checkpoint {
                epoch,
                root: target_root,
            },
            crosslink: Crosslink {
                shard,
                parent_root: hash_tree_root(&parent),
                start_epoch,
                end_epoch,
                data_root,
            },
        }
    }

    fn attest(&mut self, slot: Slot) {
        let Some(state) = self.head_state_at(slot) else {
            return;
        };
        let crypto = self.config.crypto;
        for (shard, committee) in self.local_committees(state.as_ref(), slot) {
            let data = self.attestation_data(state.as_ref(), slot, shard);
            let votes: Vec<(u64, u64, u64)> = committee
                .iter()
                .filter(|v| self.keys.contains_key(v))
                .map(|v| (*v, data.source.epoch, data.target.epoch))
                .collect();
            let verdicts = match self
                .protection
                .approve_attestations(&mut self.store, &votes)
            {
                Ok(verdicts) => verdicts,
                Err(error) => {
                    for &(validator, _, _) in &votes {
                        self.refused(validator, error.clone().into());
                    }
                    continue;
                }
            };
            let message = compute_signing_root(
                &hash_tree_root(&AttestationDataAndCustodyBit {
                    data: data.clone(),
                    custody_bit: false,
                }),
                &get_domain(state.as_ref(), DOMAIN_ATTESTATION, data.target.epoch),
            );
            let mut bits = vec![false; committee.len()];
            let mut signatures: Vec<BlsSignatureBytes> = Vec::new();
            for ((validator, _, _), verdict) in votes.iter().zip(verdicts) {
                if let Err(refusal) = verdict {
                    self.refused(*validator, refusal);
                    continue;
                }
                let Some(key) = self.keys.get(validator) else {
                    continue;
                };
                let Some(position) = committee.iter().position(|v| v == validator) else {
                    continue;
                };
                bits[position] = true;
                signatures.push(crypto.sign(key, &message));
            }
            if signatures.is_empty() {
                continue;
            }
            let Some(signature) = crypto.aggregate(&signatures) else {
                continue;
            };
            let (Ok(aggregation_bits), Ok(custody_bits)) = (
                CommitteeBits::try_from(bits.as_slice()),
                CommitteeBits::try_from(vec![false; committee.len()].as_slice()),
            ) else {
                continue;
            };
            let attestation = Attestation {
                aggregation_bits,
                data,
                custody_bits,
                signature,
            };
            self.own_attestation(&attestation);
            if committee.first().is_some_and(|v| self.keys.contains_key(v)) {
                self.aggregating.push(hash_tree_root(&attestation.data));
            }
            self.emit(Event::Attested {
                slot,
                shard,
                validators: signatures.len(),
            });
            let root = hash_tree_root(&attestation.data);
            for (position, _) in bits.iter().enumerate().filter(|(_, signed)| **signed) {
                if let Some(&validator) = committee.get(position) {
                    self.emit(Event::Signed(SignedMessage::Attestation {
                        validator,
                        source: attestation.data.source.epoch,
                        target: attestation.data.target.epoch,
                        root,
                    }));
                }
            }
            self.publish(GossipMessage::Attestation(Box::new(attestation)));
        }
    }

    /// The aggregator of a committee is its first member; its node publishes everything it
    /// holds for the data it attested to on `beacon_aggregate`.
    fn aggregate(&mut self, _slot: Slot) {
        for data_root in std::mem::take(&mut self.aggregating) {
            if let Some(aggregate) = self.op_pool.aggregate_of(&data_root) {
                self.publish(GossipMessage::Aggregate(Box::new(aggregate)));
            }
        }
    }
}

/// The crosslink data root an adversary with [`super::Conduct::invalid_crosslinks`] votes
/// for: the hash of a tag and the crosslink's place, which no shard chain's data has.
pub fn invalid_data_root(shard: Shard, start_epoch: u64, end_epoch: u64) -> Root {
    let mut bytes = b"shardnode invalid crosslink data".to_vec();
    for value in [shard, start_epoch, end_epoch] {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    consensus::hash::hash(&bytes)
}

/// Whether `data`'s target checkpoint is on the chain of `state` (whose latest block is
/// `head`): then everything up to the target epoch's start, and so its shuffling, is shared.
fn target_on_chain<P: consensus::Preset>(
    state: &consensus::BeaconState<P>,
    data: &consensus::AttestationData,
    head: &Root,
) -> bool {
    let start = consensus::accessors::compute_start_slot_of_epoch::<P>(data.target.epoch);
    if start >= state.slot {
        return data.target.root == *head;
    }
    get_block_root_at_slot(state, start).is_ok_and(|root| root == data.target.root)
}
