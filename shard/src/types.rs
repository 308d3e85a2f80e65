//! The shard crate's custom types and SSZ limits.

use consensus::primitives::{FixedBytes, Shard};

/// `Bytes32`: an account address, which is an ed25519 public key.
pub type Address = FixedBytes<32>;
/// `Bytes32`.
pub type Bytes32 = FixedBytes<32>;
/// `Bytes64`: an ed25519 signature (`R ‖ s`).
pub type Bytes64 = FixedBytes<64>;
/// A balance, in the shard's smallest unit.
pub type Amount = u64;

/// `List[Transaction, N]` limit of a shard block body: the largest
/// `shard_block_max_transactions` the configuration accepts (2^16).
pub const MAX_TRANSACTIONS_PER_BLOCK: usize = 1 << 16;
/// Depth of the transactions list's Merkle tree (without the length mix-in).
pub const TRANSACTIONS_TREE_DEPTH: usize = 16;
/// `List[IncomingReceipt, N]` limit of a shard block body.
pub const MAX_INCOMING_RECEIPTS_PER_BLOCK: usize = 1 << 12;
/// `List[Receipt, N]` limit of a block's outgoing receipts: at most one per transaction.
pub const MAX_OUTGOING_RECEIPTS_PER_BLOCK: usize = MAX_TRANSACTIONS_PER_BLOCK;
/// Depth of the outgoing receipts tree (without the length mix-in).
pub const OUTGOING_RECEIPTS_TREE_DEPTH: usize = 16;
/// `List[Root, N]` limit of `ShardCrosslinkData.block_roots`: one block per slot over the
/// longest crosslink of the mainnet preset (`MAX_EPOCHS_PER_CROSSLINK · SLOTS_PER_EPOCH` =
/// 64 · 64), which also covers the minimal preset.
pub const MAX_CROSSLINK_BLOCK_ROOTS: usize = 1 << 12;
/// Depth of the block roots tree of `ShardCrosslinkData` (without the length mix-in).
pub const CROSSLINK_BLOCK_ROOTS_TREE_DEPTH: usize = 12;
/// The accounts list of the state root is `List[AccountLeaf, 2^32]`.
pub const ACCOUNTS_TREE_DEPTH: usize = 32;

/// `compute_home_shard(address)` = `le64(address[0..8]) mod active_shard_count` (design 3.2).
/// An active shard count of zero is not a valid configuration; it maps every address to 0.
pub fn compute_home_shard(address: &Address, active_shard_count: u64) -> Shard {
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&address.0[..8]);
    u64::from_le_bytes(prefix)
        .checked_rem(active_shard_count)
        .unwrap_or(0)
}

/// A `uint64` as its 32-byte SSZ chunk (little-endian, zero-padded).
pub(crate) fn u64_chunk(value: u64) -> consensus::primitives::Root {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    consensus::primitives::Root::new(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_shard_reads_the_first_eight_bytes_little_endian() {
        let mut bytes = [0xffu8; 32];
        bytes[..8].copy_from_slice(&13u64.to_le_bytes());
        let address = Address::new(bytes);
        assert_eq!(compute_home_shard(&address, 8), 5);
        assert_eq!(compute_home_shard(&address, 64), 13);
        assert_eq!(compute_home_shard(&address, 0), 0);
    }

    #[test]
    fn tree_depths_match_limits() {
        assert_eq!(
            1usize << TRANSACTIONS_TREE_DEPTH,
            MAX_TRANSACTIONS_PER_BLOCK
        );
        assert_eq!(
            1usize << OUTGOING_RECEIPTS_TREE_DEPTH,
            MAX_OUTGOING_RECEIPTS_PER_BLOCK
        );
        assert_eq!(
            1usize << CROSSLINK_BLOCK_ROOTS_TREE_DEPTH,
            MAX_CROSSLINK_BLOCK_ROOTS
        );
    }
}
