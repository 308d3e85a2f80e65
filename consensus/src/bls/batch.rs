//! Batch verification of many signature sets in one multi-pairing.
//!
//! Each set is `(signature, signing keys, message)`: its keys are summed (the set is a fast
//! aggregate), and the batch checks `Π e(r_i·PK_i, H(m_i)) == e(G1, Σ r_i·σ_i)` with non-zero
//! 64-bit scalars `r_i`. A forged set survives only if the scalars were predictable when it was
//! made. Here they are derived by SHA-256 from the whole batch (every signature, message and
//! key, in order) — a Fiat–Shamir transcript: no set can be chosen after its scalar is known,
//! and the core crates stay free of OS randomness.

use super::keys::PublicKey;
use super::signature::Signature;
use super::DST;
use crate::primitives::Root;
use blst::{blst_scalar, min_pk, BLST_ERROR};
use sha2::{Digest, Sha256};

/// Bits of each random scalar.
pub const RAND_BITS: usize = 64;

/// One signature over one message by the sum of `signing_keys`.
#[derive(Clone, Debug)]
pub struct SignatureSet<'a> {
    pub signature: Signature,
    pub signing_keys: Vec<&'a PublicKey>,
    pub message: Root,
}

impl<'a> SignatureSet<'a> {
    pub fn single(signature: Signature, key: &'a PublicKey, message: Root) -> Self {
        Self {
            signature,
            signing_keys: vec![key],
            message,
        }
    }
}

fn batch_scalars(sets: &[SignatureSet<'_>]) -> Vec<blst_scalar> {
    let mut transcript = Sha256::new();
    transcript.update(b"shardnode-bls-batch-v1");
    transcript.update((sets.len() as u64).to_le_bytes());
    for set in sets {
        transcript.update(set.signature.as_bytes().0);
        transcript.update(set.message.0);
        transcript.update((set.signing_keys.len() as u64).to_le_bytes());
        for key in &set.signing_keys {
            transcript.update(key.as_bytes().0);
        }
    }
    let seed: [u8; 32] = transcript.finalize().into();
    (0..sets.len() as u64)
        .map(|i| {
            let mut counter = 0u64;
            loop {
                let digest = Sha256::new()
                    .chain_update(seed)
                    .chain_update(i.to_le_bytes())
                    .chain_update(counter.to_le_bytes())
                    .finalize();
                let mut scalar = blst_scalar::default();
                scalar.b[..8].copy_from_slice(&digest[..8]);
                if scalar.b[..8].iter().any(|b| *b != 0) {
                    break scalar;
                }
                counter += 1;
            }
        })
        .collect()
}

/// Verifies every set at once. False if any set is invalid, if any set has no signing key, or
/// if there are no sets.
pub fn verify_signature_sets(sets: &[SignatureSet<'_>]) -> bool {
    if sets.is_empty() || sets.iter().any(|set| set.signing_keys.is_empty()) {
        return false;
    }
    let aggregated: Vec<min_pk::PublicKey> = sets
        .iter()
        .map(|set| {
            if set.signing_keys.len() == 1 {
                *set.signing_keys[0].point()
            } else {
                let points: Vec<&min_pk::PublicKey> =
                    set.signing_keys.iter().map(|k| k.point()).collect();
                // Keys were validated when decoded, so aggregation cannot fail.
                min_pk::AggregatePublicKey::aggregate(&points, false)
                    .map(|agg| agg.to_public_key())
                    .unwrap_or_default()
            }
        })
        .collect();
    let keys: Vec<&min_pk::PublicKey> = aggregated.iter().collect();
    let messages: Vec<&[u8]> = sets.iter().map(|set| set.message.0.as_slice()).collect();
    let signatures: Vec<&min_pk::Signature> =
        sets.iter().map(|set| set.signature.point()).collect();
    let scalars = batch_scalars(sets);
    min_pk::Signature::verify_multiple_aggregate_signatures(
        &messages,
        DST,
        &keys,
        false,
        &signatures,
        false,
        &scalars,
        RAND_BITS,
    ) == BLST_ERROR::BLST_SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bls::interop_keypair;

    #[test]
    fn batch_accepts_valid_and_refuses_one_bad_set() {
        let keys: Vec<_> = (0..6).map(interop_keypair).collect();
        let messages: Vec<Root> = (0..3u8).map(|i| Root::new([i; 32])).collect();
        // Set 0: one signer; sets 1 and 2: three signers each over one message.
        let mut sets = vec![SignatureSet::single(
            keys[0].0.sign(&messages[0].0),
            &keys[0].1,
            messages[0],
        )];
        for (s, range) in [(1usize, 1..4), (2, 3..6)] {
            let sigs: Vec<Signature> = keys[range.clone()]
                .iter()
                .map(|(sk, _)| sk.sign(&messages[s].0))
                .collect();
            let agg = crate::bls::AggregateSignature::aggregate(&sigs)
                .unwrap()
                .to_signature();
            sets.push(SignatureSet {
                signature: agg,
                signing_keys: keys[range].iter().map(|(_, pk)| pk).collect(),
                message: messages[s],
            });
        }
        assert!(verify_signature_sets(&sets));

        // Swap two messages: each set alone is now wrong, so the batch must fail.
        let mut bad = sets.clone();
        bad[1].message = messages[2];
        bad[2].message = messages[1];
        assert!(!verify_signature_sets(&bad));

        // A set with a missing signer fails.
        let mut bad = sets.clone();
        bad[1].signing_keys.pop();
        assert!(!verify_signature_sets(&bad));

        assert!(!verify_signature_sets(&[]));
    }
}
