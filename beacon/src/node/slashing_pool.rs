//! The slashings and voluntary exits waiting for a block (design 3.3). Each entered after a
//! check against the head state (gossip) or was made by this node's slasher; the proposer
//! re-checks every one on the state it builds on, in the order `process_operations` runs
//! them, and keeps what still applies.
//!
//! **Bounds**: one proposer slashing per proposer, one exit per validator, and attester
//! slashings only while one of their offenders is still unslashed in the finalized state
//! ([`SlashingPool::retain_useful`] runs at each epoch start); at most
//! [`MAX_POOLED_ATTESTER_SLASHINGS`] of them are held. Attester slashings over the same pair
//! of attestation data are merged into one as they come in (`slashing_merge`).

use super::slashing_merge::merge_attester_slashings;
use consensus::bls::Crypto;
use consensus::primitives::ValidatorIndex;
use consensus::{AttesterSlashing, ProposerSlashing, Validator, VoluntaryExit};
use std::collections::{BTreeMap, BTreeSet};

/// Attester slashings held at most (each may cover a whole committee's offenders).
pub const MAX_POOLED_ATTESTER_SLASHINGS: usize = 1024;

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct SlashingPool {
    proposer: BTreeMap<ValidatorIndex, ProposerSlashing>,
    attester: Vec<AttesterSlashing>,
    exits: BTreeMap<ValidatorIndex, VoluntaryExit>,
}

/// The validators both attestations of `slashing` name: those it can slash.
pub fn offenders(slashing: &AttesterSlashing) -> Vec<ValidatorIndex> {
    let indices = |a: &consensus::IndexedAttestation| -> BTreeSet<ValidatorIndex> {
        a.custody_bit_0_indices
            .iter()
            .chain(a.custody_bit_1_indices.iter())
            .copied()
            .collect()
    };
    let second = indices(&slashing.attestation_2);
    indices(&slashing.attestation_1)
        .intersection(&second)
        .copied()
        .collect()
}

/// Whether validator `index` of `validators` exists and is not slashed.
pub fn unslashed(validators: &[Validator], index: ValidatorIndex) -> bool {
    usize::try_from(index)
        .ok()
        .and_then(|i| validators.get(i))
        .is_some_and(|v| !v.slashed)
}

/// Whether validator `index` of `validators` exists and has an exit epoch already.
pub fn exiting(validators: &[Validator], index: ValidatorIndex) -> bool {
    usize::try_from(index)
        .ok()
        .and_then(|i| validators.get(i))
        .is_some_and(|v| v.exit_epoch != consensus::preset::FAR_FUTURE_EPOCH)
}

impl SlashingPool {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a proposer slashing of `proposer` is already held.
    pub fn has_proposer_slashing(&self, proposer: ValidatorIndex) -> bool {
        self.proposer.contains_key(&proposer)
    }

    /// Whether every validator in `offenders` is already covered by a held attester slashing.
    pub fn covers_attesters(&self, offenders: &[ValidatorIndex]) -> bool {
        let held: BTreeSet<ValidatorIndex> =
            self.attester.iter().flat_map(self::offenders).collect();
        offenders.iter().all(|v| held.contains(v))
    }

    pub fn has_exit(&self, validator: ValidatorIndex) -> bool {
        self.exits.contains_key(&validator)
    }

    pub fn insert_proposer_slashing(&mut self, slashing: ProposerSlashing) {
        self.proposer
            .entry(slashing.proposer_index)
            .or_insert(slashing);
    }

    /// Holds `slashing`, merged into a held one over the same data when their validators do
    /// not overlap (see [`merge_attester_slashings`]), else as a new entry.
    pub fn insert_attester_slashing(&mut self, slashing: AttesterSlashing, crypto: Crypto) {
        if self.attester.contains(&slashing) {
            return;
        }
        for held in self.attester.iter_mut() {
            if let Some(merged) = merge_attester_slashings(held, &slashing, crypto) {
                *held = merged;
                return;
            }
        }
        if self.attester.len() < MAX_POOLED_ATTESTER_SLASHINGS {
            self.attester.push(slashing);
        }
    }

    pub fn insert_exit(&mut self, exit: VoluntaryExit) {
        self.exits.entry(exit.validator_index).or_insert(exit);
    }

    /// Proposer slashings, by proposer index.
    pub fn proposer_slashings(&self) -> impl Iterator<Item = &ProposerSlashing> {
        self.proposer.values()
    }

    /// Attester slashings, those that slash the most still-unslashed validators of
    /// `validators` first (ties: the order they came in).
    pub fn attester_slashings(&self, validators: &[Validator]) -> Vec<&AttesterSlashing> {
        let mut ranked: Vec<(usize, usize, &AttesterSlashing)> = self
            .attester
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let count = offenders(s)
                    .into_iter()
                    .filter(|v| unslashed(validators, *v))
                    .count();
                (count, i, s)
            })
            .filter(|(count, _, _)| *count > 0)
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.into_iter().map(|(_, _, s)| s).collect()
    }

    pub fn exits(&self) -> impl Iterator<Item = &VoluntaryExit> {
        self.exits.values()
    }

    /// Drops what `validators` (the finalized state's registry) makes useless: proposer slashings
    /// of slashed proposers, attester slashings with no unslashed offender, exits of
    /// validators already exiting.
    pub fn retain_useful(&mut self, validators: &[Validator]) {
        self.proposer.retain(|v, _| unslashed(validators, *v));
        self.attester
            .retain(|s| offenders(s).into_iter().any(|v| unslashed(validators, v)));
        self.exits.retain(|v, _| {
            usize::try_from(*v)
                .ok()
                .and_then(|i| validators.get(i))
                .is_some_and(|v| v.exit_epoch == consensus::preset::FAR_FUTURE_EPOCH)
        });
    }
}
