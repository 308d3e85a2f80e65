//! Attestations: the data validators vote on, its aggregate, indexed and pending forms.

use super::impl_signing_root;
use super::misc::{Checkpoint, Crosslink};
use crate::primitives::{BlsSignatureBytes, Root, Slot, ValidatorIndex};

use ssz_rs::prelude::*;

/// `MAX_VALIDATORS_PER_COMMITTEE` (4096 in both presets; the SSZ limit of committee bitlists).
pub const MAX_VALIDATORS_PER_COMMITTEE: usize = 4096;

/// `Bitlist[MAX_VALIDATORS_PER_COMMITTEE]`.
pub type CommitteeBits = Bitlist<MAX_VALIDATORS_PER_COMMITTEE>;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct AttestationData {
    pub beacon_block_root: Root,
    pub source: Checkpoint,
    pub target: Checkpoint,
    pub crosslink: Crosslink,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct AttestationDataAndCustodyBit {
    pub data: AttestationData,
    pub custody_bit: bool,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct IndexedAttestation {
    pub custody_bit_0_indices: List<ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE>,
    pub custody_bit_1_indices: List<ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE>,
    pub data: AttestationData,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(IndexedAttestation {
    custody_bit_0_indices,
    custody_bit_1_indices,
    data
});

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct PendingAttestation {
    pub aggregation_bits: CommitteeBits,
    pub data: AttestationData,
    pub inclusion_delay: Slot,
    pub proposer_index: ValidatorIndex,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Attestation {
    pub aggregation_bits: CommitteeBits,
    pub data: AttestationData,
    pub custody_bits: CommitteeBits,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(Attestation {
    aggregation_bits,
    data,
    custody_bits
});
