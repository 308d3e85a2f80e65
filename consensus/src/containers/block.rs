//! Beacon blocks: body and block (the header is in `header`).

use super::attestation::Attestation;
use super::impl_signing_root;
use super::misc::Eth1Data;
use super::operations::{AttesterSlashing, Deposit, ProposerSlashing, Transfer, VoluntaryExit};
use crate::primitives::{BlsSignatureBytes, Root, Slot};

use ssz_rs::prelude::*;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct BeaconBlockBody {
    pub randao_reveal: BlsSignatureBytes,
    pub eth1_data: Eth1Data,
    pub graffiti: Root,
    pub proposer_slashings: List<ProposerSlashing, 16>,
    pub attester_slashings: List<AttesterSlashing, 1>,
    pub attestations: List<Attestation, 128>,
    pub deposits: List<Deposit, 16>,
    pub voluntary_exits: List<VoluntaryExit, 16>,
    pub transfers: List<Transfer, 0>,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct BeaconBlock {
    pub slot: Slot,
    pub parent_root: Root,
    pub state_root: Root,
    pub body: BeaconBlockBody,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(BeaconBlock {
    slot,
    parent_root,
    state_root,
    body
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::header::BeaconBlockHeader;
    use crate::sszx::{encode, hash_tree_root, SigningRoot};

    #[test]
    fn default_roots_and_sizes_match_reference() {
        assert_eq!(
            hash_tree_root(&BeaconBlockBody::default()).to_hex(),
            "0x5feb100cf7a46c97068b94536b8340407e02c96ec1306e5f6514d1f28dda12d1"
        );
        assert_eq!(
            BeaconBlock::default().signing_root().to_hex(),
            "0xef4a5671caba626200473e331e7a8df139e9ceccea2e20d34452ff5e07cb9c47"
        );
        assert_eq!(
            hash_tree_root(&BeaconBlockHeader::default()).to_hex(),
            "0xb29551e561c317cc76c910a173e0378539e2cf04cd6fb481d751761822865210"
        );
        assert_eq!(encode(&BeaconBlockBody::default()).unwrap().len(), 224);
        assert_eq!(encode(&BeaconBlock::default()).unwrap().len(), 396);
    }
}
