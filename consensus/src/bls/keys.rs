//! Secret and public keys (signing with a secret key is in `signature`).

use super::BlsError;
use crate::primitives::BlsPublicKeyBytes;
use blst::min_pk;

/// A BLS secret key: a non-zero scalar below the curve order.
#[derive(Clone)]
pub struct SecretKey(pub(super) min_pk::SecretKey);

impl SecretKey {
    /// Reads 32 big-endian bytes; refuses zero and values not below the curve order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        min_pk::SecretKey::from_bytes(bytes)
            .map(Self)
            .map_err(|_| BlsError::InvalidSecretKey)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public_key(&self) -> PublicKey {
        let point = self.0.sk_to_pk();
        PublicKey {
            bytes: BlsPublicKeyBytes::new(point.compress()),
            point,
        }
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A validated public key: on the curve, in the subgroup, not the point at infinity
/// (the standard's `KeyValidate`). Keeps its compressed bytes beside the point.
#[derive(Clone, Copy, Debug)]
pub struct PublicKey {
    bytes: BlsPublicKeyBytes,
    point: min_pk::PublicKey,
}

impl PublicKey {
    /// Decompresses and runs `KeyValidate`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        let fixed = BlsPublicKeyBytes::from_slice(bytes).ok_or(BlsError::BadEncoding)?;
        let point = min_pk::PublicKey::key_validate(bytes)?;
        Ok(Self {
            bytes: fixed,
            point,
        })
    }

    pub fn as_bytes(&self) -> &BlsPublicKeyBytes {
        &self.bytes
    }

    pub(crate) fn point(&self) -> &min_pk::PublicKey {
        &self.point
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}
