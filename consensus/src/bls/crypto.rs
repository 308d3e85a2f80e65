//! Real or fake cryptography, chosen at run time.
//!
//! `Crypto::Fake` exists for very large simulations where signatures would dominate the run:
//! it signs nothing and accepts every signature. It is only constructed by
//! [`Crypto::fake_for_simulation`]; the chain configuration has no field that reaches it, so a
//! real node cannot be configured into it. Every report that runs under it must print
//! [`Crypto::label`], which says so in capitals.

use super::batch::{verify_signature_sets, SignatureSet};
use super::keys::SecretKey;
use crate::primitives::{BlsSignatureBytes, Root};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Crypto {
    /// Real BLS on blst.
    #[default]
    Real,
    /// No signing, no verification: every signature is accepted.
    Fake,
}

impl Crypto {
    /// The only way to obtain fake cryptography: for simulations that say so in their report.
    pub fn fake_for_simulation() -> Self {
        Crypto::Fake
    }

    pub fn is_fake(self) -> bool {
        self == Crypto::Fake
    }

    /// One line for reports.
    pub fn label(self) -> &'static str {
        match self {
            Crypto::Real => "real BLS (blst, IETF BLS12-381 G2 PoP)",
            Crypto::Fake => "FAKE CRYPTO: signatures are neither made nor checked",
        }
    }

    /// Signs `message` (a signing root). Fake mode returns a placeholder derived from the
    /// message, so distinct messages still get distinct bytes.
    pub fn sign(self, secret: &SecretKey, message: &Root) -> BlsSignatureBytes {
        match self {
            Crypto::Real => *secret.sign(&message.0).as_bytes(),
            Crypto::Fake => {
                let mut bytes = [0u8; 96];
                bytes[0] = 0xfa;
                bytes[1..33].copy_from_slice(&message.0);
                BlsSignatureBytes::new(bytes)
            }
        }
    }

    /// The aggregate of `signatures` (fake mode: the first, a placeholder); `None` if there
    /// are none or one does not decode.
    pub fn aggregate(self, signatures: &[BlsSignatureBytes]) -> Option<BlsSignatureBytes> {
        match self {
            Crypto::Fake => signatures.first().copied(),
            Crypto::Real => {
                let decoded = signatures
                    .iter()
                    .map(|s| super::Signature::from_bytes(&s.0).ok())
                    .collect::<Option<Vec<_>>>()?;
                let aggregate = super::AggregateSignature::aggregate(&decoded).ok()?;
                Some(*aggregate.to_signature().as_bytes())
            }
        }
    }

    /// Verifies a batch of signature sets (see [`verify_signature_sets`]).
    pub fn verify_sets(self, sets: &[SignatureSet<'_>]) -> bool {
        match self {
            Crypto::Real => verify_signature_sets(sets),
            Crypto::Fake => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_is_explicit_and_labelled() {
        assert_eq!(Crypto::default(), Crypto::Real);
        assert!(!Crypto::default().is_fake());
        let fake = Crypto::fake_for_simulation();
        assert!(fake.is_fake());
        assert!(fake.label().contains("FAKE"));
        assert!(fake.verify_sets(&[]));
        assert!(!Crypto::Real.verify_sets(&[]));
    }
}
