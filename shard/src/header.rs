//! The shard block header: a shard block with its body replaced by the body's root. Its
//! signing root is the block's root, and receipt proofs go through it.

use crate::types::u64_chunk;
use consensus::hash::merkleize_fields;
use consensus::primitives::{BlsSignatureBytes, Root, Shard, Slot, ValidatorIndex};
use consensus::sszx::SigningRoot;
use ssz_rs::prelude::*;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ShardBlockHeader {
    pub shard: Shard,
    pub slot: Slot,
    pub parent_root: Root,
    pub beacon_block_root: Root,
    pub state_root: Root,
    pub proposer_index: ValidatorIndex,
    pub body_root: Root,
    pub outgoing_receipts_root: Root,
    pub signature: BlsSignatureBytes,
}

/// Field index of `outgoing_receipts_root` in a block or header (eight signed fields: depth 3).
pub const OUTGOING_RECEIPTS_ROOT_FIELD_INDEX: usize = 7;

impl SigningRoot for ShardBlockHeader {
    /// The root of the 8 fields before `signature` (a tree of depth 3).
    fn signing_root(&self) -> Root {
        merkleize_fields(&[
            u64_chunk(self.shard),
            u64_chunk(self.slot),
            self.parent_root,
            self.beacon_block_root,
            self.state_root,
            u64_chunk(self.proposer_index),
            self.body_root,
            self.outgoing_receipts_root,
        ])
    }
}
