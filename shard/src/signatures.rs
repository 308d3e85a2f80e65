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
