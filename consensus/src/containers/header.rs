//! `BeaconBlockHeader`: a block with its body replaced by the body's root (the state's latest
//! header, proposer slashings).

use super::impl_signing_root;
use crate::primitives::{BlsSignatureBytes, Root, Slot};

use ssz_rs::prelude::*;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct BeaconBlockHeader {
    pub slot: Slot,
    pub parent_root: Root,
    pub state_root: Root,
    pub body_root: Root,
    pub signature: BlsSignatureBytes,
}

impl_signing_root!(BeaconBlockHeader {
    slot,
    parent_root,
    state_root,
    body_root
});
