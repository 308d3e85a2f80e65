//! Signatures, aggregation and the three verifiers of the standard.

use super::keys::{PublicKey, SecretKey};
use super::{BlsError, DST};
use crate::primitives::BlsSignatureBytes;
use blst::{min_pk, BLST_ERROR};

impl SecretKey {
    /// `Sign(SK, message)` of the IETF ciphersuite.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature::from_point(self.0.sign(message, DST, &[]))
    }
}

/// A signature known to be a valid compressed G2 point in the prime-order subgroup.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    bytes: BlsSignatureBytes,
    point: min_pk::Signature,
}

impl Signature {
    /// Decompresses and checks subgroup membership (`signature_subgroup_check`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        let fixed = BlsSignatureBytes::from_slice(bytes).ok_or(BlsError::BadEncoding)?;
        let point = min_pk::Signature::sig_validate(bytes, false)?;
        Ok(Self {
            bytes: fixed,
            point,
        })
    }

    pub(crate) fn from_point(point: min_pk::Signature) -> Self {
        Self {
            bytes: BlsSignatureBytes::new(point.compress()),
            point,
        }
    }

    pub fn as_bytes(&self) -> &BlsSignatureBytes {
        &self.bytes
    }

    pub(crate) fn point(&self) -> &min_pk::Signature {
        &self.point
    }
}

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Signature {}

/// The sum of several signatures.
#[derive(Clone, Debug)]
pub struct AggregateSignature(min_pk::AggregateSignature);

impl AggregateSignature {
    /// `Aggregate(signatures)`: refuses an empty list.
    pub fn aggregate(signatures: &[Signature]) -> Result<Self, BlsError> {
        let points: Vec<&min_pk::Signature> = signatures.iter().map(Signature::point).collect();
        // Inputs are already subgroup-checked when decoded.
        min_pk::AggregateSignature::aggregate(&points, false)
            .map(Self)
            .map_err(BlsError::from)
    }

    /// Adds one more signature.
    pub fn add(&mut self, signature: &Signature) {
        // The signature was subgroup-checked on decoding, so adding cannot fail.
        let _ = self.0.add_signature(signature.point(), false);
    }

    pub fn to_signature(&self) -> Signature {
        Signature::from_point(self.0.to_signature())
    }
}

/// `Verify(PK, message, signature)`.
pub fn verify(public_key: &PublicKey, message: &[u8], signature: &Signature) -> bool {
    signature
        .point()
        .verify(false, message, DST, &[], public_key.point(), false)
        == BLST_ERROR::BLST_SUCCESS
}

/// `FastAggregateVerify(PKs, message, signature)`: false for an empty key list.
pub fn fast_aggregate_verify(
    public_keys: &[&PublicKey],
    message: &[u8],
    signature: &Signature,
) -> bool {
    if public_keys.is_empty() {
        return false;
    }
    let points: Vec<&min_pk::PublicKey> = public_keys.iter().map(|pk| pk.point()).collect();
    signature
        .point()
        .fast_aggregate_verify(false, message, DST, &points)
        == BLST_ERROR::BLST_SUCCESS
}

/// `AggregateVerify((PK_1..PK_n), (message_1..message_n), signature)`: false for an empty
/// list or mismatched lengths. Under the proof-of-possession scheme messages need not be
/// distinct.
pub fn aggregate_verify(
    public_keys: &[&PublicKey],
    messages: &[&[u8]],
    signature: &Signature,
) -> bool {
    if public_keys.is_empty() || public_keys.len() != messages.len() {
        return false;
    }
    let points: Vec<&min_pk::PublicKey> = public_keys.iter().map(|pk| pk.point()).collect();
    signature
        .point()
        .aggregate_verify(false, messages, DST, &points, false)
        == BLST_ERROR::BLST_SUCCESS
}
