//! Attestation helpers of reference 4.2 and 4.4: `get_attesting_indices`,
//! `get_indexed_attestation`, `is_valid_indexed_attestation`, `is_slashable_attestation_data`.

use crate::errors::{HelperError, IndexedAttestationError};
use crate::shuffling_cache::ShufflingCache;
use crate::signatures::{get_domain, signing_message, SignatureBatch, SignedObject};
use consensus::bls::Crypto;
use consensus::committees::EpochShuffling;
use consensus::errors::Error as ConsensusError;
use consensus::preset::DOMAIN_ATTESTATION;
use consensus::primitives::{Slot, ValidatorIndex};
use consensus::sszx::{hash_tree_root, SszList};
use consensus::{
    Attestation, AttestationData, AttestationDataAndCustodyBit, BeaconState, ChainConfig,
    CommitteeBits, IndexedAttestation, Preset, MAX_VALIDATORS_PER_COMMITTEE,
};
use ssz_rs::List;

/// The members of `committee` whose bit is set, in committee order. Bits beyond the committee
/// are ignored; a bitlist shorter than the committee is an error (the reference indexes
/// `bits[i]` for every member).
pub(crate) fn attesting_indices_in(
    committee: &[ValidatorIndex],
    bits: &CommitteeBits,
) -> Result<Vec<ValidatorIndex>, HelperError> {
    if bits.len() < committee.len() {
        return Err(HelperError::Consensus(ConsensusError::BitlistLength {
            bits: bits.len(),
            committee: committee.len(),
        }));
    }
    Ok(committee
        .iter()
        .zip(bits.iter().by_vals())
        .filter(|(_, bit)| *bit)
        .map(|(index, _)| *index)
        .collect())
}

/// `get_attesting_indices(state, data, bits)`, ascending (the reference returns a set).
pub fn get_attesting_indices<P: Preset>(
    state: &BeaconState<P>,
    data: &AttestationData,
    bits: &CommitteeBits,
    config: &ChainConfig,
) -> Result<Vec<ValidatorIndex>, HelperError> {
    let mut cache = ShufflingCache::new();
    let shuffling = cache.ensure(state, data.target.epoch, config)?;
    let mut indices = attesting_indices_in(shuffling.committee(data.crosslink.shard)?, bits)?;
    indices.sort_unstable();
    Ok(indices)
}

/// `get_indexed_attestation(state, attestation)`.
pub fn get_indexed_attestation<P: Preset>(
    state: &BeaconState<P>,
    attestation: &Attestation,
    config: &ChainConfig,
) -> Result<IndexedAttestation, HelperError> {
    let mut cache = ShufflingCache::new();
    let shuffling = cache.ensure(state, attestation.data.target.epoch, config)?;
    indexed_attestation_from(
        shuffling.committee(attestation.data.crosslink.shard)?,
        attestation,
    )
}

/// [`get_indexed_attestation`] given the attestation's committee.
pub(crate) fn indexed_attestation_from(
    committee: &[ValidatorIndex],
    attestation: &Attestation,
) -> Result<IndexedAttestation, HelperError> {
    for bits in [&attestation.aggregation_bits, &attestation.custody_bits] {
        if bits.len() < committee.len() {
            return Err(HelperError::Consensus(ConsensusError::BitlistLength {
                bits: bits.len(),
                committee: committee.len(),
            }));
        }
    }
    // Committee members are distinct, so set logic works on positions: a custody bit needs
    // the aggregation bit of the same member.
    let mut bit_0 = Vec::new();
    let mut bit_1 = Vec::new();
    let positions = committee
        .iter()
        .zip(attestation.aggregation_bits.iter().by_vals())
        .zip(attestation.custody_bits.iter().by_vals());
    for ((index, aggregated), custody_bit) in positions {
        match (aggregated, custody_bit) {
            (false, true) => return Err(HelperError::CustodyBitsNotSubset { index: *index }),
            (true, true) => bit_1.push(*index),
            (true, false) => bit_0.push(*index),
            (false, false) => {}
        }
    }
    bit_0.sort_unstable();
    bit_1.sort_unstable();
    Ok(IndexedAttestation {
        custody_bit_0_indices: index_list(bit_0)?,
        custody_bit_1_indices: index_list(bit_1)?,
        data: attestation.data.clone(),
        signature: attestation.signature,
    })
}

fn index_list(
    indices: Vec<ValidatorIndex>,
) -> Result<List<ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE>, HelperError> {
    <List<ValidatorIndex, MAX_VALIDATORS_PER_COMMITTEE> as SszList<ValidatorIndex>>::try_from_vec(
        indices,
    )
    .map_err(|e| HelperError::ListFull {
        rule: "get_indexed_attestation",
        list: "custody bit indices",
        limit: e.limit,
    })
}

/// `is_valid_indexed_attestation(state, indexed_attestation)`: `Ok` when valid, else the first
/// failed rule. Checks the signature at once (one set); within a block, signatures are batched
/// instead (see [`check_indexed_attestation`]).
pub fn is_valid_indexed_attestation<P: Preset>(
    state: &BeaconState<P>,
    indexed_attestation: &IndexedAttestation,
    crypto: Crypto,
) -> Result<(), IndexedAttestationError> {
    let mut batch = SignatureBatch::new(crypto);
    check_indexed_attestation(
        state,
        indexed_attestation,
        &mut batch,
        SignedObject::Attestation { operation: 0 },
    )?;
    batch.verify()?;
    Ok(())
}

/// The rules of [`is_valid_indexed_attestation`], adding the signature to `batch`.
pub(crate) fn check_indexed_attestation<P: Preset>(
    state: &BeaconState<P>,
    indexed_attestation: &IndexedAttestation,
    batch: &mut SignatureBatch,
    object: SignedObject,
) -> Result<(), IndexedAttestationError> {
    let bit_0: &[ValidatorIndex] = &indexed_attestation.custody_bit_0_indices;
    let bit_1: &[ValidatorIndex] = &indexed_attestation.custody_bit_1_indices;
    // 1. Phase 0: no custody bit 1.
    if !bit_1.is_empty() {
        return Err(IndexedAttestationError::CustodyBit1NotEmpty { count: bit_1.len() });
    }
    // 2. Size.
    let count = bit_0.len() + bit_1.len();
    if count as u64 > P::MAX_VALIDATORS_PER_COMMITTEE {
        return Err(IndexedAttestationError::TooManyIndices {
            count,
            max: P::MAX_VALIDATORS_PER_COMMITTEE,
        });
    }
    // 3. Disjoint (bit_1 is empty here, so this only guards the general form).
    if let Some(index) = bit_0.iter().find(|i| bit_1.contains(i)) {
        return Err(IndexedAttestationError::IndicesIntersect { index: *index });
    }
    // 4. Sorted (non-decreasing).
    for (custody_bit, list) in [(0u8, bit_0), (1u8, bit_1)] {
        if let Some(position) = list.windows(2).position(|w| w[0] > w[1]) {
            return Err(IndexedAttestationError::NotSorted {
                custody_bit,
                position: position + 1,
            });
        }
    }
    // 5. Signature. Looking up the keys fails on unknown indices even without BLS.
    let len = state.validators.len();
    if let Some(index) = bit_0.iter().find(|i| **i >= len as u64) {
        return Err(IndexedAttestationError::UnknownValidator { index: *index, len });
    }
    if batch.is_checking() {
        let data = &indexed_attestation.data;
        let object_root = hash_tree_root(&AttestationDataAndCustodyBit {
            data: data.clone(),
            custody_bit: false,
        });
        let domain = get_domain(state, DOMAIN_ATTESTATION, data.target.epoch);
        batch.add_validators(
            object,
            &state.validators,
            bit_0,
            &indexed_attestation.signature,
            signing_message(&object_root, &domain),
        )?;
    }
    Ok(())
}

/// `get_attestation_data_slot(state, data)` from the target epoch's shuffling.
pub(crate) fn attestation_data_slot<P: Preset>(
    shuffling: &EpochShuffling,
    data: &AttestationData,
) -> Result<Slot, ConsensusError> {
    let asc = shuffling.committee_shard_count;
    if data.crosslink.shard >= asc {
        return Err(ConsensusError::ShardOutOfRange {
            shard: data.crosslink.shard,
            active: asc,
        });
    }
    let offset = (data.crosslink.shard + asc - shuffling.start_shard % asc) % asc;
    let per_slot = (shuffling.committee_count / P::SLOTS_PER_EPOCH).max(1);
    shuffling
        .epoch
        .checked_mul(P::SLOTS_PER_EPOCH)
        .and_then(|start| start.checked_add(offset / per_slot))
        .ok_or(ConsensusError::Overflow {
            rule: "get_attestation_data_slot",
        })
}

/// `is_slashable_attestation_data(data_1, data_2)`: a double vote, or `data_1` surrounding
/// `data_2`.
pub fn is_slashable_attestation_data(data_1: &AttestationData, data_2: &AttestationData) -> bool {
    let double_vote = data_1 != data_2 && data_1.target.epoch == data_2.target.epoch;
    let surround_vote =
        data_1.source.epoch < data_2.source.epoch && data_2.target.epoch < data_1.target.epoch;
    double_vote || surround_vote
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::Checkpoint;

    fn bits(values: &[bool]) -> CommitteeBits {
        CommitteeBits::try_from(values).unwrap()
    }

    #[test]
    fn attesting_indices_follow_committee_positions() {
        let committee = [7u64, 3, 9];
        assert_eq!(
            attesting_indices_in(&committee, &bits(&[true, false, true])).unwrap(),
            vec![7, 9]
        );
        // Extra bits are ignored, missing bits are an error.
        assert_eq!(
            attesting_indices_in(&committee, &bits(&[false, true, false, true])).unwrap(),
            vec![3]
        );
        assert!(attesting_indices_in(&committee, &bits(&[true, true])).is_err());
    }

    #[test]
    fn indexed_attestation_splits_and_sorts() {
        let committee = [7u64, 3, 9];
        let attestation = Attestation {
            aggregation_bits: bits(&[true, true, true]),
            custody_bits: bits(&[false, false, false]),
            ..Attestation::default()
        };
        let indexed = indexed_attestation_from(&committee, &attestation).unwrap();
        assert_eq!(&indexed.custody_bit_0_indices[..], &[3, 7, 9]);
        let bad = Attestation {
            aggregation_bits: bits(&[true, false, true]),
            custody_bits: bits(&[false, true, false]),
            ..Attestation::default()
        };
        assert_eq!(
            indexed_attestation_from(&committee, &bad),
            Err(HelperError::CustodyBitsNotSubset { index: 3 })
        );
    }

    #[test]
    fn slashable_data() {
        let mut a = AttestationData::default();
        let mut b = AttestationData::default();
        assert!(!is_slashable_attestation_data(&a, &b), "same data");
        b.beacon_block_root.0[0] = 1;
        assert!(is_slashable_attestation_data(&a, &b), "double vote");
        b.target = Checkpoint {
            epoch: 1,
            ..Checkpoint::default()
        };
        assert!(!is_slashable_attestation_data(&a, &b));
        a.source.epoch = 0;
        a.target.epoch = 5;
        b.source.epoch = 1;
        b.target.epoch = 4;
        assert!(is_slashable_attestation_data(&a, &b), "a surrounds b");
        assert!(!is_slashable_attestation_data(&b, &a), "order matters");
    }
}
