//! Every v0.8.4 container of reference section 3, with the exact field order and limits.
//!
//! Containers derive `ssz_rs::SimpleSerialize` (encoding, decoding, `hash_tree_root`) and serde
//! (field names as in the reference, byte strings as `0x…` hex, the vectors' YAML form). The
//! types whose last field is `signature` implement [`crate::sszx::SigningRoot`].

mod attestation;
mod block;
mod header;
mod misc;
mod operations;
mod state;

pub use attestation::{
    Attestation, AttestationData, AttestationDataAndCustodyBit, CommitteeBits, IndexedAttestation,
    PendingAttestation, MAX_VALIDATORS_PER_COMMITTEE,
};
pub use block::{BeaconBlock, BeaconBlockBody};
pub use header::BeaconBlockHeader;
pub use misc::{
    registry_root, validator_roots, Checkpoint, CompactCommittee, Crosslink, Eth1Data, Fork,
    HistoricalBatch, Validator,
};
pub use operations::{
    AttesterSlashing, Deposit, DepositData, ProposerSlashing, Transfer, VoluntaryExit,
    DEPOSIT_PROOF_LENGTH,
};
pub use state::BeaconState;

/// `signing_root` for a container: the root of the listed fields (all but `signature`).
macro_rules! impl_signing_root {
    ($ty:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::sszx::SigningRoot for $ty {
            fn signing_root(&self) -> $crate::primitives::Root {
                $crate::hash::merkleize_fields(&[
                    $($crate::sszx::hash_tree_root(&self.$field)),+
                ])
            }
        }
    };
}
pub(crate) use impl_signing_root;
