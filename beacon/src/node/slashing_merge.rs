//! Merging attester slashings: two slashings over the same pair of attestation data, by
//! validators that do not overlap, are one slashing over the union (each side's indices
//! joined and its signatures aggregated). `process_attester_slashing` slashes every validator
//! both attestations name, so one merged operation does what several would, and a block's
//! `MAX_ATTESTER_SLASHINGS` (1 in the minimal preset) stops being the limit on how fast a
//! committee of offenders is punished: the slasher finds offenders one unaggregated vote at a
//! time, one slashing each, and without merging 30 offenders wait 30 blocks (swarm seed 1465).
//!
//! **Must never** produce a slashing whose signatures do not check: it merges only when
//! the data of both sides is equal and no validator appears on the same side twice, and a
//! signature that does not decode makes it give up (the two stay apart).

use super::slasher::attesters;
use consensus::bls::Crypto;
use consensus::primitives::ValidatorIndex;
use consensus::sszx::SszList;
use consensus::{AttesterSlashing, IndexedAttestation};
use std::collections::BTreeSet;

/// `a` and `b` merged, when they are over the same data and their validators are disjoint
/// on each side; `None` otherwise (or when the union passes a list's limit, or a signature
/// does not decode).
pub fn merge_attester_slashings(
    a: &AttesterSlashing,
    b: &AttesterSlashing,
    crypto: Crypto,
) -> Option<AttesterSlashing> {
    // Both sides' data first: no signature is aggregated for a pair that cannot merge.
    if a.attestation_1.data != b.attestation_1.data || a.attestation_2.data != b.attestation_2.data
    {
        return None;
    }
    Some(AttesterSlashing {
        attestation_1: merge_indexed(&a.attestation_1, &b.attestation_1, crypto)?,
        attestation_2: merge_indexed(&a.attestation_2, &b.attestation_2, crypto)?,
    })
}

/// Two indexed attestations of the same data by disjoint validators, as one.
fn merge_indexed(
    a: &IndexedAttestation,
    b: &IndexedAttestation,
    crypto: Crypto,
) -> Option<IndexedAttestation> {
    let in_a: BTreeSet<ValidatorIndex> = attesters(a).collect();
    if a.data != b.data || attesters(b).any(|v| in_a.contains(&v)) {
        return None;
    }
    let joined = |x: &[ValidatorIndex], y: &[ValidatorIndex]| {
        let mut all: Vec<ValidatorIndex> = x.iter().chain(y.iter()).copied().collect();
        all.sort_unstable();
        SszList::try_from_vec(all).ok()
    };
    Some(IndexedAttestation {
        custody_bit_0_indices: joined(&a.custody_bit_0_indices, &b.custody_bit_0_indices)?,
        custody_bit_1_indices: joined(&a.custody_bit_1_indices, &b.custody_bit_1_indices)?,
        data: a.data.clone(),
        signature: crypto.aggregate(&[a.signature, b.signature])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::bls::interop_secret_key;
    use consensus::primitives::{BlsSignatureBytes, Root};
    use consensus::{AttestationData, Checkpoint};

    fn data(source: u64, target: u64) -> AttestationData {
        AttestationData {
            source: Checkpoint {
                epoch: source,
                root: Root::default(),
            },
            target: Checkpoint {
                epoch: target,
                root: Root::default(),
            },
            ..AttestationData::default()
        }
    }

    fn signed(validator: u64, data: &AttestationData) -> IndexedAttestation {
        let message = consensus::sszx::hash_tree_root(data);
        IndexedAttestation {
            custody_bit_0_indices: SszList::try_from_vec(vec![validator]).unwrap(),
            custody_bit_1_indices: SszList::try_from_vec(vec![]).unwrap(),
            data: data.clone(),
            signature: Crypto::Real.sign(&interop_secret_key(validator), &message),
        }
    }

    fn surround(validator: u64) -> AttesterSlashing {
        AttesterSlashing {
            attestation_1: signed(validator, &data(2, 5)),
            attestation_2: signed(validator, &data(3, 4)),
        }
    }

    #[test]
    fn same_data_disjoint_validators_merge_into_one() {
        let merged =
            merge_attester_slashings(&surround(3), &surround(1), Crypto::Real).expect("merges");
        assert_eq!(&merged.attestation_1.custody_bit_0_indices[..], &[1, 3]);
        assert_eq!(&merged.attestation_2.custody_bit_0_indices[..], &[1, 3]);
        let expected = Crypto::Real
            .aggregate(&[
                surround(3).attestation_1.signature,
                surround(1).attestation_1.signature,
            ])
            .unwrap();
        assert_eq!(merged.attestation_1.signature, expected);
        assert_ne!(
            merged.attestation_1.signature,
            surround(3).attestation_1.signature
        );
    }

    #[test]
    fn other_data_or_a_shared_validator_stays_apart() {
        let mut other = surround(1);
        other.attestation_2 = signed(1, &data(3, 3));
        assert!(merge_attester_slashings(&surround(3), &other, Crypto::Real).is_none());
        assert!(merge_attester_slashings(&surround(3), &surround(3), Crypto::Real).is_none());
    }

    #[test]
    fn a_signature_that_does_not_decode_stays_apart() {
        let mut bad = surround(1);
        bad.attestation_1.signature = BlsSignatureBytes::from([0xff; 96]);
        assert!(merge_attester_slashings(&surround(3), &bad, Crypto::Real).is_none());
    }
}
