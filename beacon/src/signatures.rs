//! Signatures of design D1: what is signed (`get_domain`, signing roots) and how a block's
//! signatures are checked — collected as [`SignatureBatch`] sets and verified in one batch.
//!
//! Under [`Crypto::Fake`] nothing here decodes or checks a key or a signature: callers ask
//! [`SignatureBatch::is_checking`] first and skip even computing the message. Under
//! [`Crypto::Real`] a key or signature that does not decode makes the object invalid, with an
//! error naming the object and the signer.

use crate::errors::{SignatureError, Signer};
pub use crate::signed_object::SignedObject;
use crate::util::to_usize;
use consensus::bls::{
    compute_domain, compute_signing_root, verify_signature_sets, Crypto, Domain, PublicKey,
    Signature, SignatureSet,
};
use consensus::preset::DOMAIN_DEPOSIT;
use consensus::primitives::{
    BlsPublicKeyBytes, BlsSignatureBytes, DomainType, Epoch, Root, ValidatorIndex, Version,
};
use consensus::sszx::SigningRoot;
use consensus::{BeaconState, DepositData, Preset, Validator};

/// `get_domain(state, domain_type, message_epoch)`: the fork's previous version before
/// `fork.epoch`, its current version from then on.
pub fn get_domain<P: Preset>(
    state: &BeaconState<P>,
    domain_type: DomainType,
    message_epoch: Epoch,
) -> Domain {
    let version = if message_epoch < state.fork.epoch {
        state.fork.previous_version
    } else {
        state.fork.current_version
    };
    compute_domain(domain_type, version)
}

/// Decoded validator public keys, indexed by validator. A hit is used only when the cached
/// key's bytes equal the registry's, so one cache may serve states of different forks.
#[derive(Clone, Debug, Default)]
pub struct PubkeyCache {
    keys: Vec<Option<PublicKey>>,
}

impl PubkeyCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The decoded key of validator `index` whose registry bytes are `bytes`.
    pub fn get(
        &mut self,
        index: ValidatorIndex,
        bytes: &BlsPublicKeyBytes,
    ) -> Result<PublicKey, consensus::bls::BlsError> {
        let i = to_usize(index);
        if let Some(Some(key)) = self.keys.get(i) {
            if key.as_bytes() == bytes {
                return Ok(*key);
            }
        }
        let key = PublicKey::from_bytes(&bytes.0)?;
        if i < self.keys.len() {
            self.keys[i] = Some(key);
        } else if i < (1 << 26) {
            self.keys.resize(i + 1, None);
            self.keys[i] = Some(key);
        }
        Ok(key)
    }
}

/// One signature over one message by the sum of `keys`.
#[derive(Clone, Debug)]
struct PendingSet {
    object: SignedObject,
    signature: Signature,
    keys: Vec<PublicKey>,
    message: Root,
}

/// The signature sets of one block (or one operation), verified together by [`Self::verify`].
#[derive(Debug)]
pub struct SignatureBatch {
    crypto: Crypto,
    pubkeys: PubkeyCache,
    sets: Vec<PendingSet>,
}

impl SignatureBatch {
    pub fn new(crypto: Crypto) -> Self {
        Self::with_cache(crypto, PubkeyCache::new())
    }

    /// A batch that decodes validator keys through `pubkeys` (returned by [`Self::into_cache`]).
    pub fn with_cache(crypto: Crypto, pubkeys: PubkeyCache) -> Self {
        Self {
            crypto,
            pubkeys,
            sets: Vec::new(),
        }
    }

    pub fn into_cache(self) -> PubkeyCache {
        self.pubkeys
    }

    /// False under fake cryptography: callers then skip signatures entirely.
    pub fn is_checking(&self) -> bool {
        !self.crypto.is_fake()
    }

    /// The cryptography this batch runs.
    pub fn crypto(&self) -> Crypto {
        self.crypto
    }

    /// Adds a signature by the validators `signers` (their keys are summed).
    pub fn add_validators(
        &mut self,
        object: SignedObject,
        validators: &[Validator],
        signers: &[ValidatorIndex],
        signature: &BlsSignatureBytes,
        message: Root,
    ) -> Result<(), SignatureError> {
        if !self.is_checking() {
            return Ok(());
        }
        if signers.is_empty() {
            return Err(SignatureError::NoSigningKeys { object });
        }
        let mut keys = Vec::with_capacity(signers.len());
        for &index in signers {
            let signer = Signer::Validator(index);
            let bytes = validators
                .get(to_usize(index))
                .map(|v| v.pubkey)
                .ok_or(SignatureError::BadPublicKey { object, signer })?;
            let key = self
                .pubkeys
                .get(index, &bytes)
                .map_err(|_| SignatureError::BadPublicKey { object, signer })?;
            keys.push(key);
        }
        self.push(object, keys, signature, message)
    }

    /// Adds a signature by a key the operation carries itself (a transfer's `pubkey`).
    pub fn add_key(
        &mut self,
        object: SignedObject,
        pubkey: &BlsPublicKeyBytes,
        signature: &BlsSignatureBytes,
        message: Root,
    ) -> Result<(), SignatureError> {
        if !self.is_checking() {
            return Ok(());
        }
        let key = PublicKey::from_bytes(&pubkey.0).map_err(|_| SignatureError::BadPublicKey {
            object,
            signer: Signer::OperationKey,
        })?;
        self.push(object, vec![key], signature, message)
    }

    fn push(
        &mut self,
        object: SignedObject,
        keys: Vec<PublicKey>,
        signature: &BlsSignatureBytes,
        message: Root,
    ) -> Result<(), SignatureError> {
        let signature = Signature::from_bytes(&signature.0)
            .map_err(|_| SignatureError::BadSignature { object })?;
        self.sets.push(PendingSet {
            object,
            signature,
            keys,
            message,
        });
        Ok(())
    }

    /// Number of sets collected so far.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Verifies every collected set in one batch. On failure, checks the sets one by one to
    /// name the first invalid one.
    pub fn verify(&self) -> Result<(), SignatureError> {
        if self.sets.is_empty() || !self.is_checking() {
            return Ok(());
        }
        let sets: Vec<SignatureSet<'_>> = self
            .sets
            .iter()
            .map(|set| SignatureSet {
                signature: set.signature,
                signing_keys: set.keys.iter().collect(),
                message: set.message,
            })
            .collect();
        if self.crypto.verify_sets(&sets) {
            return Ok(());
        }
        for (pending, set) in self.sets.iter().zip(&sets) {
            if !verify_signature_sets(std::slice::from_ref(set)) {
                return Err(SignatureError::Invalid {
                    object: pending.object,
                });
            }
        }
        Err(SignatureError::BatchInvalid { sets: sets.len() })
    }
}

/// The message a validator signs for `object_root` under `domain`.
pub fn signing_message(object_root: &Root, domain: &Domain) -> Root {
    compute_signing_root(object_root, domain)
}

/// The proof of possession of a deposit (reference 6.4.4): signed over `signing_root(data)`
/// with `compute_domain(DOMAIN_DEPOSIT)` and a zero fork version, whatever the fork. True under
/// fake cryptography; false when the key or signature does not decode.
pub fn is_valid_deposit_signature(crypto: Crypto, data: &DepositData) -> bool {
    if crypto.is_fake() {
        return true;
    }
    let Ok(key) = PublicKey::from_bytes(&data.pubkey.0) else {
        return false;
    };
    let Ok(signature) = Signature::from_bytes(&data.signature.0) else {
        return false;
    };
    let domain = compute_domain(DOMAIN_DEPOSIT, Version::zero());
    let message = compute_signing_root(&data.signing_root(), &domain);
    verify_signature_sets(&[SignatureSet::single(signature, &key, message)])
}
