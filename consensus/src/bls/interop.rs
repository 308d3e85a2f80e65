//! Interop genesis keys (design D3): secret key of validator `i` = SHA-256 of the 32-byte
//! little-endian encoding of `i`, read as a little-endian integer, reduced mod the curve order.

use super::keys::{PublicKey, SecretKey};
use crate::hash::hash;
use num_bigint::BigUint;

/// The BLS12-381 scalar field order `r`, big-endian.
pub const CURVE_ORDER_BE: [u8; 32] = [
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
];

/// The secret key of interop validator `index`.
pub fn interop_secret_key(index: u64) -> SecretKey {
    let mut preimage = [0u8; 32];
    preimage[..8].copy_from_slice(&index.to_le_bytes());
    let digest = hash(&preimage);
    let value = BigUint::from_bytes_le(&digest.0) % BigUint::from_bytes_be(&CURVE_ORDER_BE);
    let be = value.to_bytes_be();
    let mut bytes = [0u8; 32];
    bytes[32 - be.len()..].copy_from_slice(&be);
    // A digest that reduces to zero has probability 2^-255; fall back to the next index's key
    // rather than panic (no such index exists below 2^64 in practice, but the code stays total).
    SecretKey::from_bytes(&bytes).unwrap_or_else(|_| interop_secret_key(index.wrapping_add(1)))
}

/// `(secret, public)` of interop validator `index`.
pub fn interop_keypair(index: u64) -> (SecretKey, PublicKey) {
    let secret = interop_secret_key(index);
    let public = secret.public_key();
    (secret, public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_interop_keys() {
        assert_eq!(
            hex::encode(interop_secret_key(0).to_bytes()),
            "25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866"
        );
        assert_eq!(
            hex::encode(interop_secret_key(1).to_bytes()),
            "51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000"
        );
    }

    #[test]
    fn published_interop_public_key() {
        assert_eq!(
            interop_keypair(0).1.as_bytes().to_hex(),
            "0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c"
        );
    }

    #[test]
    fn interop_public_key_round_trips() {
        let (secret, public) = interop_keypair(7);
        let decoded = PublicKey::from_bytes(&public.as_bytes().0).unwrap();
        assert_eq!(decoded, public);
        let sig = secret.sign(b"message");
        assert!(crate::bls::verify(&public, b"message", &sig));
        assert!(!crate::bls::verify(&public, b"other", &sig));
    }
}
