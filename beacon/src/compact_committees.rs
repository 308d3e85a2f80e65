//! `get_compact_committees_root` (reference 4.4): the root of the `SHARD_COUNT` compact
//! committees of an epoch, hashed directly from the registry (no intermediate SSZ lists).

use crate::errors::HelperError;
use crate::parallel::map_ordered;
use crate::shuffling_cache::ShufflingCache;
use crate::util::to_usize;
use consensus::accessors::validator_in;
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::hash::{hash_pair, merkleize_in_place, mix_in_length, tree_depth};
use consensus::primitives::{Epoch, Root};
use consensus::{BeaconState, ChainConfig, Preset, Validator, MAX_VALIDATORS_PER_COMMITTEE};

/// `get_compact_committees_root(state, epoch)`.
pub fn get_compact_committees_root<P: Preset>(
    state: &BeaconState<P>,
    epoch: Epoch,
    config: &ChainConfig,
) -> Result<Root, HelperError> {
    let mut cache = ShufflingCache::new();
    let shuffling = cache.ensure(state, epoch, config)?;
    compact_committees_root::<P>(&state.validators, shuffling)
}

/// The compact-committees root of the epoch of `shuffling` (design D4: only the shards that
/// have a committee are filled; the vector keeps the preset's `SHARD_COUNT` entries).
pub(crate) fn compact_committees_root<P: Preset>(
    validators: &[Validator],
    shuffling: &EpochShuffling,
) -> Result<Root, HelperError> {
    let shard_count = P::SHARD_COUNT as usize;
    let empty = compact_committee_root::<P>(validators, &[])?;
    let mut roots = vec![empty.0; shard_count];
    let shards: Vec<_> = shuffling.shards().collect();
    let committee_roots = map_ordered(shards.clone(), shuffling.shuffled.len(), |shard| {
        compact_committee_root::<P>(validators, shuffling.committee(shard)?)
    });
    for (shard, root) in shards.into_iter().zip(committee_roots) {
        let root = root?;
        match roots.get_mut(to_usize(shard)) {
            Some(slot) => *slot = root.0,
            None => {
                return Err(HelperError::Consensus(ConsensusError::ShardOutOfRange {
                    shard,
                    active: P::SHARD_COUNT,
                }))
            }
        }
    }
    Ok(merkleize_in_place(&mut roots, tree_depth(shard_count)))
}

/// `hash_tree_root(CompactCommittee)` of one committee, members in committee order.
fn compact_committee_root<P: Preset>(
    validators: &[Validator],
    committee: &[u64],
) -> Result<Root, HelperError> {
    if committee.len() > MAX_VALIDATORS_PER_COMMITTEE {
        return Err(HelperError::ListFull {
            rule: "get_compact_committees_root",
            list: "CompactCommittee.pubkeys",
            limit: MAX_VALIDATORS_PER_COMMITTEE,
        });
    }
    let mut pubkey_leaves = Vec::with_capacity(committee.len());
    let mut compact_chunks = vec![[0u8; 32]; committee.len().div_ceil(4)];
    for (position, &index) in committee.iter().enumerate() {
        let validator = validator_in(validators, index).map_err(HelperError::Consensus)?;
        let mut low = [0u8; 32];
        low.copy_from_slice(&validator.pubkey.0[..32]);
        let mut high = [0u8; 32];
        high[..16].copy_from_slice(&validator.pubkey.0[32..]);
        pubkey_leaves.push(hash_pair(&low, &high));
        if index >= 1 << 48 {
            return Err(HelperError::Overflow {
                rule: "get_compact_committees_root: index << 16",
            });
        }
        let compact = (index << 16)
            + (u64::from(validator.slashed) << 15)
            + validator.effective_balance / P::EFFECTIVE_BALANCE_INCREMENT;
        let chunk = &mut compact_chunks[position / 4];
        chunk[(position % 4) * 8..(position % 4) * 8 + 8].copy_from_slice(&compact.to_le_bytes());
    }
    let pubkeys_root = mix_in_length(
        &merkleize_in_place(&mut pubkey_leaves, tree_depth(MAX_VALIDATORS_PER_COMMITTEE)),
        committee.len() as u64,
    );
    let compact_root = mix_in_length(
        &merkleize_in_place(
            &mut compact_chunks,
            tree_depth(MAX_VALIDATORS_PER_COMMITTEE / 4),
        ),
        committee.len() as u64,
    );
    Ok(Root::new(hash_pair(&pubkeys_root.0, &compact_root.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::sszx::hash_tree_root;
    use consensus::CompactCommittee;
    use ssz_rs::List;

    #[test]
    fn compact_committee_root_matches_ssz() {
        let validators: Vec<Validator> = (0..7u8)
            .map(|i| Validator {
                pubkey: consensus::primitives::BlsPublicKeyBytes::new([i.wrapping_mul(37); 48]),
                effective_balance: u64::from(i) * 3_000_000_000,
                slashed: i % 2 == 0,
                ..Validator::default()
            })
            .collect();
        let committee = [5u64, 1, 6, 2, 0];
        let mut pubkeys = Vec::new();
        let mut compact = Vec::new();
        for &i in &committee {
            let v = &validators[i as usize];
            pubkeys.push(v.pubkey);
            compact.push(
                (i << 16) + (u64::from(v.slashed) << 15) + v.effective_balance / 1_000_000_000,
            );
        }
        let expected = hash_tree_root(&CompactCommittee {
            pubkeys: List::try_from(pubkeys).unwrap(),
            compact_validators: List::try_from(compact).unwrap(),
        });
        assert_eq!(
            compact_committee_root::<consensus::Minimal>(&validators, &committee).unwrap(),
            expected
        );
        assert_eq!(
            compact_committee_root::<consensus::Minimal>(&validators, &[]).unwrap(),
            hash_tree_root(&CompactCommittee::default())
        );
    }
}
