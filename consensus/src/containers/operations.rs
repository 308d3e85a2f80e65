//! Block operations: slashings, deposits, exits, transfers.

use super::attestation::IndexedAttestation;
use super::header::BeaconBlockHeader;
use super::impl_signing_root;
use crate::primitives::{
    BlsPublicKeyBytes, BlsSignatureBytes, Epoch, Gwei, Root, Slot, ValidatorIndex,
};

use ssz_rs::prelude::*;

/// `DEPOSIT_CONTRACT_TREE_DEPTH + 1`: 32 siblings plus the length mix-in.
pub const DEPOSIT_PROOF_LENGTH: usize = 33;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ProposerSlashing {
    pub proposer_index: ValidatorIndex,
    pub header_1: BeaconBlockHeader,
    pub header_2: BeaconBlockHeader,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct AttesterSlashing {
    pub attestation_1: IndexedAttestation,
    pub attestation_2: IndexedAttestation,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct DepositData {
    pub pubkey: BlsPublicKeyBytes,
    pub withdrawal_credentials: Root,
    pub amount: Gwei,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(DepositData {
    pubkey,
    withdrawal_credentials,
    amount
});

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Deposit {
    pub proof: Vector<Root, DEPOSIT_PROOF_LENGTH>,
    pub data: DepositData,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct VoluntaryExit {
    pub epoch: Epoch,
    pub validator_index: ValidatorIndex,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(VoluntaryExit {
    epoch,
    validator_index
});

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Transfer {
    pub sender: ValidatorIndex,
    pub recipient: ValidatorIndex,
    pub amount: Gwei,
    pub fee: Gwei,
    pub slot: Slot,
    pub pubkey: BlsPublicKeyBytes,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(Transfer {
    sender,
    recipient,
    amount,
    fee,
    slot,
    pubkey
});
