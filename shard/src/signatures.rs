//! Batch verification of a block's transaction signatures (design 3.2: one batch per block).
//!
//! `ed25519_dalek::verify_batch` (v2) draws its random weights from a Merlin transcript of
//! every message, key and signature in the batch (no RNG argument, no OS randomness), so the
//! check is deterministic. Only when the batch fails are signatures checked one by one, to name
//! the first bad transaction.

use crate::state::ShardState;
use crate::transaction::Transaction;
use crate::types::Address;
use crate::validity::verify_with_key;
use consensus::primitives::Root;
use consensus::sszx::SigningRoot;
use ed25519_dalek::{Signature, VerifyingKey};

/// Why a block's signatures were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureBatchError {
    #[error("verify_transaction_signatures: transaction {position}: sender {from} is not a valid ed25519 public key")]
    InvalidSenderKey { position: usize, from: Address },
    #[error("verify_transaction_signatures: transaction {position}: the signature of {from} does not verify")]
    BadSignature { position: usize, from: Address },
    #[error("verify_transaction_signatures: the batch of {count} signatures does not verify")]
    BatchRejected { count: usize },
}

/// Verifies every transaction's signature over its signing root in one batch. `signing_roots`
/// are the transactions' signing roots, in order.
pub fn verify_transaction_signatures(
    state: &mut ShardState,
    transactions: &[Transaction],
    signing_roots: &[Root],
) -> Result<(), SignatureBatchError> {
    if transactions.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<VerifyingKey> = Vec::with_capacity(transactions.len());
    for (position, tx) in transactions.iter().enumerate() {
        let key = state
            .verifying_key(&tx.from)
            .ok_or(SignatureBatchError::InvalidSenderKey {
                position,
                from: tx.from,
            })?;
        keys.push(key);
    }
    let messages: Vec<&[u8]> = signing_roots.iter().map(|r| r.0.as_slice()).collect();
    let signatures: Vec<Signature> = transactions
        .iter()
        .map(|tx| Signature::from_bytes(&tx.signature.0))
        .collect();
    if messages.len() == signatures.len()
        && ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
    {
        return Ok(());
    }
    for (position, ((tx, key), root)) in transactions
        .iter()
        .zip(&keys)
        .zip(signing_roots)
        .enumerate()
    {
        if verify_with_key(tx, key, root).is_err() {
            return Err(SignatureBatchError::BadSignature {
                position,
                from: tx.from,
            });
        }
    }
    Err(SignatureBatchError::BatchRejected {
        count: transactions.len(),
    })
}

/// The position of the first transaction of `transactions` whose sender key does not decode or
/// whose signature does not verify; `None` when all are valid. One ed25519 batch decides when
/// everything is valid (large batches are split in chunks checked on the thread pool, with the
/// same verdict); otherwise each is checked alone (`verify_strict`) to find the first bad one.
/// For gossip: the transactions of one message, checked at once.
pub fn first_invalid_signature(transactions: &[Transaction]) -> Option<usize> {
    let keys: Vec<Option<VerifyingKey>> = transactions
        .iter()
        .map(|tx| VerifyingKey::from_bytes(&tx.from.0).ok())
        .collect();
    first_invalid_signature_with_keys(transactions, &keys)
}

/// [`first_invalid_signature`] with the senders' keys already decompressed (`None` for a
/// sender that is not a valid key), so a caller that caches keys skips the decompression.
pub fn first_invalid_signature_with_keys(
    transactions: &[Transaction],
    keys: &[Option<VerifyingKey>],
) -> Option<usize> {
    use rayon::prelude::*;
    const CHUNK: usize = 64;
    if keys.len() != transactions.len() {
        return Some(0);
    }
    if let Some(position) = keys.iter().position(|k| k.is_none()) {
        // Only the transactions before it can be valid; find any earlier bad one.
        return first_invalid_signature_with_keys(&transactions[..position], &keys[..position])
            .or(Some(position));
    }
    let keys: Vec<VerifyingKey> = keys.iter().flatten().copied().collect();
    let verdicts: Vec<Option<usize>> = transactions
        .par_chunks(CHUNK)
        .zip(keys.par_chunks(CHUNK))
        .enumerate()
        .map(|(chunk, (txs, keys))| {
            let roots: Vec<Root> = txs.iter().map(|tx| tx.signing_root()).collect();
            let messages: Vec<&[u8]> = roots.iter().map(|r| r.0.as_slice()).collect();
            let signatures: Vec<Signature> = txs
                .iter()
                .map(|tx| Signature::from_bytes(&tx.signature.0))
                .collect();
            if ed25519_dalek::verify_batch(&messages, &signatures, keys).is_ok() {
                return None;
            }
            txs.iter()
                .zip(keys)
                .zip(&roots)
                .position(|((tx, key), root)| verify_with_key(tx, key, root).is_err())
                .map(|p| chunk * CHUNK + p)
        })
        .collect();
    verdicts.into_iter().flatten().next()
}
