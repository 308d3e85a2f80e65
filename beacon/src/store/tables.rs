//! The store's redb tables and their key layouts: the on-disk schema, in one place.
//!
//! **Owns** every table name, key and value type, and the byte layout of composite keys.
//! **Must never** hold logic beyond encoding and decoding keys; changing a name or a layout
//! here changes the file format and needs a new [`SCHEMA_VERSION`].
//!
//! | table                 | key                                        | value                    |
//! |-----------------------|--------------------------------------------|--------------------------|
//! | `store_info`          | `&str` (`"schema_version"`)                | `u64`                    |
//! | `beacon_blocks`       | slot (u64 big-endian) ‖ root (32 bytes)    | `BeaconBlock` SSZ        |
//! | `beacon_block_slots`  | root (32 bytes)                            | slot `u64`               |
//! | `shard_blocks`        | shard (u64 BE) ‖ slot (u64 BE) ‖ root      | `ShardBlock` SSZ         |
//! | `meta`                | `&str`                                     | bytes, caller's layout   |
//! | `slashing_protection` | validator index `u64`                      | record, see [`crate::slashing_protection`] |
//!
//! Big-endian numbers make redb's byte-wise key order the numeric order, so a range scan
//! returns blocks by slot, then root.

use consensus::primitives::Root;
use redb::TableDefinition;

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: u64 = 1;

/// The key of the node's restart anchor in [`META`] (the node owns its layout).
pub const ANCHOR_KEY: &str = "anchor";

/// The key of the genesis block root of the chain a store holds, in [`META`] (written by the
/// node at the first open, checked at every later one).
pub const GENESIS_ROOT_KEY: &str = "genesis_root";

/// The key of [`SCHEMA_VERSION`] in [`STORE_INFO`].
pub const SCHEMA_VERSION_KEY: &str = "schema_version";

/// The name of the `store_info` table.
pub const STORE_INFO_NAME: &str = "store_info";
/// The name of the `beacon_blocks` table.
pub const BEACON_BLOCKS_NAME: &str = "beacon_blocks";
/// The name of the `beacon_block_slots` table.
pub const BEACON_BLOCK_SLOTS_NAME: &str = "beacon_block_slots";
/// The name of the `shard_blocks` table.
pub const SHARD_BLOCKS_NAME: &str = "shard_blocks";
/// The name of the `meta` table.
pub const META_NAME: &str = "meta";
/// The name of the `slashing_protection` table.
pub const SLASHING_PROTECTION_NAME: &str = "slashing_protection";

/// Facts about the store itself (its schema version).
pub const STORE_INFO: TableDefinition<&str, u64> = TableDefinition::new(STORE_INFO_NAME);

/// Beacon blocks by [`beacon_block_key`].
pub const BEACON_BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new(BEACON_BLOCKS_NAME);

/// The slot of each stored beacon block, by root (the index behind lookups by root).
pub const BEACON_BLOCK_SLOTS: TableDefinition<&[u8], u64> =
    TableDefinition::new(BEACON_BLOCK_SLOTS_NAME);

/// Shard blocks by [`shard_block_key`].
pub const SHARD_BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new(SHARD_BLOCKS_NAME);

/// Small values the node keeps between runs (head, finalized checkpoint, ...).
pub const META: TableDefinition<&str, &[u8]> = TableDefinition::new(META_NAME);

/// Slashing-protection records by validator index.
pub const SLASHING_PROTECTION: TableDefinition<u64, &[u8]> =
    TableDefinition::new(SLASHING_PROTECTION_NAME);

/// Length of a [`beacon_block_key`].
pub const BEACON_BLOCK_KEY_LEN: usize = 8 + 32;

/// Length of a [`shard_block_key`].
pub const SHARD_BLOCK_KEY_LEN: usize = 8 + 8 + 32;

/// `slot (u64 big-endian) ‖ root`.
pub fn beacon_block_key(slot: u64, root: &Root) -> [u8; BEACON_BLOCK_KEY_LEN] {
    let mut key = [0u8; BEACON_BLOCK_KEY_LEN];
    key[..8].copy_from_slice(&slot.to_be_bytes());
    key[8..].copy_from_slice(root.as_bytes());
    key
}

/// `shard (u64 big-endian) ‖ slot (u64 big-endian) ‖ root`.
pub fn shard_block_key(shard: u64, slot: u64, root: &Root) -> [u8; SHARD_BLOCK_KEY_LEN] {
    let mut key = [0u8; SHARD_BLOCK_KEY_LEN];
    key[..8].copy_from_slice(&shard.to_be_bytes());
    key[8..16].copy_from_slice(&slot.to_be_bytes());
    key[16..].copy_from_slice(root.as_bytes());
    key
}

/// The numbers at the front of a key: `count` big-endian u64s, or `None` if it is too short.
pub fn key_numbers<const COUNT: usize>(key: &[u8]) -> Option<[u64; COUNT]> {
    let mut out = [0u64; COUNT];
    for (i, number) in out.iter_mut().enumerate() {
        let bytes = key.get(i * 8..i * 8 + 8)?;
        *number = u64::from_be_bytes(bytes.try_into().ok()?);
    }
    Some(out)
}

/// Lower-case hex of a key, for error messages.
pub fn key_hex(key: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(2 + key.len() * 2);
    out.push_str("0x");
    for byte in key {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_number_then_root() {
        let low = Root::new([0xff; 32]);
        let high = Root::new([0x00; 32]);
        assert!(beacon_block_key(1, &low) < beacon_block_key(256, &high));
        assert!(shard_block_key(0, u64::MAX, &low) < shard_block_key(1, 0, &high));
        assert_eq!(key_numbers::<2>(&shard_block_key(3, 7, &low)), Some([3, 7]));
        assert_eq!(key_numbers::<2>(&[0u8; 9]), None);
        assert_eq!(key_hex(&[0x0a, 0xf0]), "0x0af0");
    }
}
