//! Adversaries (`[[adversaries]]`): Byzantine nodes holding the stake of their validators.
//!
//! An adversarial node runs the same `beacon::Node` as every other; what makes it Byzantine
//! happens at its boundary, where the engine hands its outputs to the network:
//!
//! - `equivocate`: each beacon block it publishes gets a twin (another graffiti, hence
//!   another body, post-state and signature) signed by the same proposer; one half of its
//!   peers gets the block, the other half the twin;
//! - `equivocate_shard`: the same for shard blocks (the twin carries no transactions);
//! - `double_vote`: each attestation it publishes is followed by a twin with the same target
//!   and the head vote moved to the voted block's parent;
//! - `surround_vote`: in every second epoch of its window (the 2nd, 4th, ...), its
//!   attestations carry a source one epoch older than the previous epoch's vote had (so the
//!   new vote surrounds it); when that vote's source was epoch 0 there is nothing to surround
//!   and it votes honestly;
//! - `withhold`: everything it publishes and every answer it sends is held back and released
//!   `release_slots` later, or never;
//! - `offline`: its nodes are paused through the window.
//!
//! Two kinds change what the node itself builds, so they are the node's
//! [`beacon::node::Conduct`]: `invalid_crosslink` (votes for crosslink data no shard chain
//! has) and `censor_receipts` (its shard blocks take no incoming receipt).
//!
//! **Owns** the routing of adversarial outputs and the record of offences (who signed both
//! sides of what, and when), which the slashing check reads. **Must never** touch an honest
//! node or read anything a real attacker could not (it reads only its own node).

pub mod twins;

use crate::scenario::{AdversaryKind, AdversarySpec, Scenario};
use beacon::node::{Bytes, Conduct, EpochWindow, Node, Output};
use consensus::bls::Crypto;
use consensus::primitives::{Slot, ValidatorIndex};
use consensus::{ChainConfig, Preset};
use networking::{GossipMessage, Limits, Topic};
use std::collections::BTreeMap;

/// Where one output of an adversarial node goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// As an honest node's would.
    All,
    /// To one half of the node's peers: those at even (`0`) or odd (`1`) positions.
    Half(u8),
    /// Held back for this many ms.
    Later(u64),
    /// Never sent.
    Drop,
}

/// One offence an adversary committed: a validator signed two conflicting messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offence {
    pub kind: AdversaryKind,
    /// The slot in which the second message of the first offence was sent.
    pub slot: Slot,
}

/// Every adversary of a run.
#[derive(Debug)]
pub struct Adversaries {
    specs: Vec<AdversarySpec>,
    /// Each node's adversary (index into `specs`), if any.
    of_node: Vec<Option<usize>>,
    chain: ChainConfig,
    limits: Limits,
    crypto: Crypto,
    slot_ms: u64,
    /// First offence per validator.
    pub offences: BTreeMap<ValidatorIndex, Offence>,
    /// Per node: the source epoch of the attestations it published, by target epoch (what a
    /// surround vote must surround).
    sources: BTreeMap<(usize, u64), u64>,
}

impl Adversaries {
    pub fn new(scenario: &Scenario, chain: &ChainConfig, crypto: Crypto) -> Self {
        let mut of_node = vec![None; scenario.nodes as usize];
        for (i, spec) in scenario.adversaries.iter().enumerate() {
            for &node in &spec.nodes {
                if let Some(slot) = of_node.get_mut(node as usize) {
                    *slot = Some(i);
                }
            }
        }
        Self {
            specs: scenario.adversaries.clone(),
            of_node,
            chain: chain.clone(),
            limits: Limits::from_config(chain),
            crypto,
            slot_ms: chain.slot_duration_ms.max(1),
            offences: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    fn spec_of(&self, node: usize) -> Option<&AdversarySpec> {
        self.specs.get(self.of_node.get(node).copied().flatten()?)
    }

    pub fn is_adversary(&self, node: usize) -> bool {
        self.spec_of(node).is_some()
    }

    /// The node's own departures (see [`Conduct`]).
    pub fn conduct(&self, node: usize) -> Conduct {
        let Some(spec) = self.spec_of(node) else {
            return Conduct::honest();
        };
        let window = Some(EpochWindow {
            from: spec.from_epoch,
            until: spec.until_epoch,
        });
        match spec.kind {
            AdversaryKind::InvalidCrosslink => Conduct {
                invalid_crosslinks: window,
                ..Conduct::honest()
            },
            AdversaryKind::CensorReceipts => Conduct {
                censor_receipts: window,
                ..Conduct::honest()
            },
            _ => Conduct::honest(),
        }
    }

    /// The pauses of `offline` adversaries: `(node, from_slot, until_slot)`.
    pub fn pauses(&self, slots_per_epoch: u64) -> Vec<(usize, Slot, Option<Slot>)> {
        let mut out = Vec::new();
        for (node, spec) in self.of_node.iter().enumerate() {
            let Some(spec) = spec.and_then(|i| self.specs.get(i)) else {
                continue;
            };
            if spec.kind == AdversaryKind::Offline {
                out.push((
                    node,
                    spec.from_epoch.saturating_mul(slots_per_epoch),
                    spec.until_epoch.map(|u| u.saturating_mul(slots_per_epoch)),
                ));
            }
        }
        out
    }

    fn record(&mut self, validators: &[ValidatorIndex], kind: AdversaryKind, slot: Slot) {
        for &v in validators {
            self.offences.entry(v).or_insert(Offence { kind, slot });
        }
    }

    /// What node `index` (an adversary or not) sends at `now_ms`, and where each goes.
    pub fn route<P: Preset>(
        &mut self,
        index: usize,
        node: Option<&Node<P>>,
        now_ms: u64,
        outputs: Vec<Output>,
    ) -> Vec<(Output, Route)> {
        let slot = now_ms / self.slot_ms;
        let epoch = slot / P::SLOTS_PER_EPOCH;
        let (spec, node) = match (self.spec_of(index), node) {
            (Some(spec), Some(node)) if spec.active_at(epoch) => (spec.clone(), node),
            _ => return outputs.into_iter().map(|o| (o, Route::All)).collect(),
        };
        let mut routed = Vec::new();
        for output in outputs {
            match (&output, spec.kind) {
                (Output::Publish { .. } | Output::SendResponse { .. }, AdversaryKind::Withhold) => {
                    let route = spec.release_slots.map_or(Route::Drop, |s| {
                        Route::Later(s.saturating_mul(self.slot_ms))
                    });
                    routed.push((output, route));
                }
                (Output::Publish { topic, bytes }, kind) => {
                    let extra = self.misbehave::<P>(
                        node,
                        (index, kind, spec.from_epoch),
                        slot,
                        *topic,
                        bytes,
                    );
                    match extra {
                        Misbehaviour::None => routed.push((output, Route::All)),
                        Misbehaviour::Split(twin) => {
                            routed.push((output, Route::Half(0)));
                            routed.push((twin, Route::Half(1)));
                        }
                        Misbehaviour::Also(twin) => {
                            routed.push((output, Route::All));
                            routed.push((twin, Route::All));
                        }
                        Misbehaviour::Instead(twin) => routed.push((twin, Route::All)),
                    }
                }
                _ => routed.push((output, Route::All)),
            }
        }
        routed
    }

    fn encode(&self, message: GossipMessage) -> Option<Output> {
        let topic = message.topic(self.chain.active_shard_count);
        let bytes: Bytes = message.encode().ok()?.into();
        Some(Output::Publish { topic, bytes })
    }

    fn misbehave<P: Preset>(
        &mut self,
        node: &Node<P>,
        (index, kind, from_epoch): (usize, AdversaryKind, u64),
        slot: Slot,
        topic: Topic,
        bytes: &Bytes,
    ) -> Misbehaviour {
        let decoded =
            GossipMessage::decode(topic, bytes, &self.limits, self.chain.active_shard_count);
        let Ok(message) = decoded else {
            return Misbehaviour::None;
        };
        let (chain, crypto) = (self.chain.clone(), self.crypto);
        match (kind, message) {
            (AdversaryKind::Equivocate, GossipMessage::BeaconBlock(block)) => {
                let Some((twin, proposer)) =
                    twins::equivocating_block(node, &block, &chain, crypto)
                else {
                    return Misbehaviour::None;
                };
                self.record(&[proposer], kind, slot);
                self.encode(GossipMessage::BeaconBlock(Box::new(twin)))
                    .map_or(Misbehaviour::None, Misbehaviour::Split)
            }
            (AdversaryKind::EquivocateShard, GossipMessage::ShardBlock(block)) => {
                let Some(twin) = twins::equivocating_shard_block(node, &block, &chain, crypto)
                else {
                    return Misbehaviour::None;
                };
                self.record(&[block.proposer_index], kind, slot);
                self.encode(GossipMessage::ShardBlock(Box::new(twin)))
                    .map_or(Misbehaviour::None, Misbehaviour::Split)
            }
            (AdversaryKind::DoubleVote, GossipMessage::Attestation(attestation)) => {
                let Some(data) = twins::double_vote_data(node, &attestation.data) else {
                    return Misbehaviour::None;
                };
                self.resign(node, &attestation, data, kind, slot)
                    .map_or(Misbehaviour::None, Misbehaviour::Also)
            }
            (AdversaryKind::SurroundVote, GossipMessage::Attestation(attestation)) => {
                let epoch = attestation.data.target.epoch;
                let previous = epoch
                    .checked_sub(1)
                    .and_then(|e| self.sources.get(&(index, e)).copied());
                if epoch.saturating_sub(from_epoch) % 2 == 0 {
                    self.sources
                        .insert((index, epoch), attestation.data.source.epoch);
                    return Misbehaviour::None;
                }
                // Only a vote that surrounds the previous epoch's is an offence.
                let Some(data) =
                    previous.and_then(|s| twins::surround_vote_data(&attestation.data, s))
                else {
                    self.sources
                        .insert((index, epoch), attestation.data.source.epoch);
                    return Misbehaviour::None;
                };
                self.sources.insert((index, epoch), data.source.epoch);
                self.resign(node, &attestation, data, kind, slot)
                    .map_or(Misbehaviour::None, Misbehaviour::Instead)
            }
            _ => Misbehaviour::None,
        }
    }

    fn resign<P: Preset>(
        &mut self,
        node: &Node<P>,
        attestation: &consensus::Attestation,
        data: consensus::AttestationData,
        kind: AdversaryKind,
        slot: Slot,
    ) -> Option<Output> {
        let (twin, signers) =
            twins::resigned_attestation(node, attestation, data, &self.chain, self.crypto)?;
        self.record(&signers, kind, slot);
        self.encode(GossipMessage::Attestation(Box::new(twin)))
    }
}

/// What an adversary adds to one published message.
enum Misbehaviour {
    None,
    /// The original to one half of the peers, this to the other.
    Split(Output),
    /// The original and this, to everyone.
    Also(Output),
    /// This instead of the original.
    Instead(Output),
}
