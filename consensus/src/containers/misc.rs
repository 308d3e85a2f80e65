//! Small containers: fork, checkpoint, validator, crosslink, eth1 data, historical batch,
//! compact committee.

use crate::hash::{hash_chunk_pair, hash_pair, merkleize_in_place};
use crate::preset::Preset;
use crate::primitives::{BlsPublicKeyBytes, Epoch, Gwei, Root, Shard, Version};

use ssz_rs::prelude::*;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Fork {
    pub previous_version: Version,
    pub current_version: Version,
    pub epoch: Epoch,
}

#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    SimpleSerialize,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Checkpoint {
    pub epoch: Epoch,
    pub root: Root,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Validator {
    pub pubkey: BlsPublicKeyBytes,
    pub withdrawal_credentials: Root,
    pub effective_balance: Gwei,
    pub slashed: bool,
    pub activation_eligibility_epoch: Epoch,
    pub activation_epoch: Epoch,
    pub exit_epoch: Epoch,
    pub withdrawable_epoch: Epoch,
}

fn uint_chunk(value: u64) -> [u8; 32] {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    chunk
}

impl Validator {
    /// `hash_tree_root(validator)` without allocation: 8 field leaves (the pubkey is itself a
    /// 2-chunk tree), so exactly 8 hashes. Equal to the `ssz_rs` root (tested).
    pub fn tree_root(&self) -> Root {
        let mut pubkey = [[0u8; 32]; 2];
        pubkey[0].copy_from_slice(&self.pubkey.0[..32]);
        pubkey[1][..16].copy_from_slice(&self.pubkey.0[32..]);
        let leaves = [
            [hash_chunk_pair(&pubkey), self.withdrawal_credentials.0],
            [
                uint_chunk(self.effective_balance),
                uint_chunk(u64::from(self.slashed)),
            ],
            [
                uint_chunk(self.activation_eligibility_epoch),
                uint_chunk(self.activation_epoch),
            ],
            [
                uint_chunk(self.exit_epoch),
                uint_chunk(self.withdrawable_epoch),
            ],
        ];
        let l1 = [
            [hash_chunk_pair(&leaves[0]), hash_chunk_pair(&leaves[1])],
            [hash_chunk_pair(&leaves[2]), hash_chunk_pair(&leaves[3])],
        ];
        Root::new(hash_pair(
            &hash_chunk_pair(&l1[0]),
            &hash_chunk_pair(&l1[1]),
        ))
    }
}

/// Validators hashed per batch, level by level.
const ROOT_BATCH: usize = 16;

/// `hash_tree_root` of each validator, equal to [`Validator::tree_root`] but computed for a
/// batch of validators one tree level at a time: the hashes of one level are independent, so
/// the CPU overlaps them, where one validator's 8 hashes form a dependent chain (measured
/// 1.4x the raw hash floor one validator at a time, 1.1x in batches of 16).
pub fn validator_roots(validators: &[&Validator]) -> Vec<[u8; 32]> {
    let mut out = Vec::with_capacity(validators.len());
    for batch in validators.chunks(ROOT_BATCH) {
        let mut leaves = [[[0u8; 32]; 8]; ROOT_BATCH];
        for (leaf, v) in leaves.iter_mut().zip(batch) {
            let mut pubkey = [[0u8; 32]; 2];
            pubkey[0].copy_from_slice(&v.pubkey.0[..32]);
            pubkey[1][..16].copy_from_slice(&v.pubkey.0[32..]);
            leaf[0] = hash_chunk_pair(&pubkey);
        }
        for (leaf, v) in leaves.iter_mut().zip(batch) {
            leaf[1] = v.withdrawal_credentials.0;
            leaf[2] = uint_chunk(v.effective_balance);
            leaf[3] = uint_chunk(u64::from(v.slashed));
            leaf[4] = uint_chunk(v.activation_eligibility_epoch);
            leaf[5] = uint_chunk(v.activation_epoch);
            leaf[6] = uint_chunk(v.exit_epoch);
            leaf[7] = uint_chunk(v.withdrawable_epoch);
        }
        let mut quarters = [[[0u8; 32]; 4]; ROOT_BATCH];
        for (quarter, leaf) in quarters.iter_mut().zip(&leaves).take(batch.len()) {
            for (j, node) in quarter.iter_mut().enumerate() {
                *node = hash_chunk_pair(&[leaf[2 * j], leaf[2 * j + 1]]);
            }
        }
        let mut halves = [[[0u8; 32]; 2]; ROOT_BATCH];
        for (half, quarter) in halves.iter_mut().zip(&quarters).take(batch.len()) {
            half[0] = hash_chunk_pair(&[quarter[0], quarter[1]]);
            half[1] = hash_chunk_pair(&[quarter[2], quarter[3]]);
        }
        out.extend(halves.iter().take(batch.len()).map(hash_chunk_pair));
    }
    out
}

/// `hash_tree_root(List[Validator, VALIDATOR_REGISTRY_LIMIT](validators))`, the fast way: one
/// root per validator, then the tree with virtual zero padding up to depth 40, then the length.
pub fn registry_root(validators: &[Validator], registry_limit: u64) -> Root {
    let refs: Vec<&Validator> = validators.iter().collect();
    let mut layer = validator_roots(&refs);
    let depth = registry_limit.max(1).next_power_of_two().trailing_zeros() as usize;
    let root = merkleize_in_place(&mut layer, depth);
    crate::hash::mix_in_length(&root, validators.len() as u64)
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Crosslink {
    pub shard: Shard,
    pub parent_root: Root,
    pub start_epoch: Epoch,
    pub end_epoch: Epoch,
    pub data_root: Root,
}

#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    SimpleSerialize,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Eth1Data {
    pub deposit_root: Root,
    pub deposit_count: u64,
    pub block_hash: Root,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct HistoricalBatch<P: Preset> {
    pub block_roots: P::HistoricalRoots,
    pub state_roots: P::HistoricalRoots,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct CompactCommittee {
    pub pubkeys: List<BlsPublicKeyBytes, 4096>,
    pub compact_validators: List<u64, 4096>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sszx::hash_tree_root;

    fn sample(i: u64) -> Validator {
        let mut pubkey = [0u8; 48];
        for (j, b) in pubkey.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(j as u8);
        }
        Validator {
            pubkey: BlsPublicKeyBytes::new(pubkey),
            withdrawal_credentials: Root::new([i as u8; 32]),
            effective_balance: 32_000_000_000 - i,
            slashed: i.is_multiple_of(3),
            activation_eligibility_epoch: i,
            activation_epoch: i + 1,
            exit_epoch: u64::MAX - i,
            withdrawable_epoch: u64::MAX,
        }
    }

    #[test]
    fn fast_validator_root_equals_ssz_rs() {
        for i in 0..20 {
            let v = sample(i);
            assert_eq!(v.tree_root(), hash_tree_root(&v));
        }
    }

    #[test]
    fn batched_roots_equal_single_roots() {
        for n in [0u64, 1, 15, 16, 17, 40] {
            let validators: Vec<Validator> = (0..n).map(sample).collect();
            let refs: Vec<&Validator> = validators.iter().collect();
            let single: Vec<[u8; 32]> = validators.iter().map(|v| v.tree_root().0).collect();
            assert_eq!(validator_roots(&refs), single, "n = {n}");
        }
    }

    #[test]
    fn fast_registry_root_equals_ssz_rs() {
        for n in [0usize, 1, 2, 3, 7, 64, 100] {
            let validators: Vec<Validator> = (0..n as u64).map(sample).collect();
            let list: List<Validator, { 1usize << 40 }> = validators.clone().try_into().unwrap();
            assert_eq!(
                registry_root(&validators, 1 << 40),
                hash_tree_root(&list),
                "n = {n}"
            );
        }
    }

    #[test]
    fn crosslink_default_root_matches_reference() {
        assert_eq!(
            hash_tree_root(&Crosslink::default()).to_hex(),
            "0xc78009fdf07fc56a11f122370658a353aaa542ed63e44c4bc15ff4cd105ab33c"
        );
    }
}
