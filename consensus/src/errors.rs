//! Typed errors of the committee and accessor rules: each names the reference rule it broke.

use crate::primitives::{Epoch, Shard, Slot, ValidatorIndex};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("compute_shuffled_index: index {index} is not below index_count {index_count}")]
    ShuffledIndexOutOfRange { index: u64, index_count: u64 },
    #[error("get_start_shard: epoch {epoch} is later than current epoch + 1 ({max})")]
    StartShardEpochTooLate { epoch: Epoch, max: Epoch },
    #[error("get_block_root_at_slot: slot {slot} is not in [{min}, {state_slot}) of the state")]
    BlockRootSlotOutOfRange {
        slot: Slot,
        min: Slot,
        state_slot: Slot,
    },
    #[error("get_crosslink_committee: shard {shard} is not below the active shard count {active}")]
    ShardOutOfRange { shard: Shard, active: u64 },
    #[error("get_beacon_proposer_index: the committee of shard {shard} at epoch {epoch} is empty")]
    EmptyCommittee { epoch: Epoch, shard: Shard },
    #[error("validator index {index} is not in the registry of {len} validators")]
    UnknownValidator { index: ValidatorIndex, len: usize },
    #[error("arithmetic overflow in {rule}")]
    Overflow { rule: &'static str },
    #[error(
        "get_attesting_indices: bitlist has {bits} bits but the committee has {committee} members"
    )]
    BitlistLength { bits: usize, committee: usize },
}
