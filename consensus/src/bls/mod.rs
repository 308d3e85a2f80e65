//! BLS signatures on `blst` (design D1): the IETF ciphersuite
//! `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`, public keys in G1 (48 bytes compressed),
//! signatures in G2 (96 bytes compressed).
//!
//! - [`SecretKey`], [`PublicKey`], [`Signature`], [`AggregateSignature`]: decoding applies the
//!   checks the standard requires (a zero or out-of-range secret key, an infinity public key,
//!   a point off its subgroup are refused with a [`BlsError`]).
//! - [`verify`], [`fast_aggregate_verify`], [`aggregate_verify`]: the standard's verifiers.
//! - [`verify_signature_sets`]: many signature sets in one multi-pairing, weighted by 64-bit
//!   scalars derived from the whole batch (see `batch.rs`).
//! - [`compute_domain`] and [`compute_signing_root`]: what is signed (D1).
//! - [`interop_secret_key`]: the genesis keys of design D3.
//! - [`Crypto`]: real or fake cryptography, chosen at run time by the simulator only.

mod batch;
mod crypto;
mod domain;
mod interop;
mod keys;
mod signature;

pub use batch::{verify_signature_sets, SignatureSet};
pub use crypto::Crypto;
pub use domain::{compute_domain, compute_signing_root, Domain, SigningData};
pub use interop::{interop_keypair, interop_secret_key, CURVE_ORDER_BE};
pub use keys::{PublicKey, SecretKey};
pub use signature::{
    aggregate_verify, fast_aggregate_verify, verify, AggregateSignature, Signature,
};

/// The domain separation tag of the IETF proof-of-possession ciphersuite.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// Why a BLS value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlsError {
    #[error("secret key is zero or not below the curve order")]
    InvalidSecretKey,
    #[error("point encoding is malformed")]
    BadEncoding,
    #[error("public key is the point at infinity")]
    InfinityPublicKey,
    #[error("point is not in the prime-order subgroup")]
    NotInSubgroup,
    #[error("cannot aggregate an empty list")]
    EmptyAggregate,
    #[error("blst error {0}")]
    Other(&'static str),
}

impl From<blst::BLST_ERROR> for BlsError {
    fn from(err: blst::BLST_ERROR) -> Self {
        use blst::BLST_ERROR::*;
        match err {
            BLST_BAD_ENCODING | BLST_POINT_NOT_ON_CURVE => BlsError::BadEncoding,
            BLST_POINT_NOT_IN_GROUP => BlsError::NotInSubgroup,
            BLST_PK_IS_INFINITY => BlsError::InfinityPublicKey,
            BLST_AGGR_TYPE_MISMATCH => BlsError::EmptyAggregate,
            BLST_SUCCESS => BlsError::Other("success reported as an error"),
            BLST_VERIFY_FAIL => BlsError::Other("verification failed"),
            BLST_BAD_SCALAR => BlsError::InvalidSecretKey,
        }
    }
}
