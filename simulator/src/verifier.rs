//! One memo of ed25519 verdicts shared by every simulated node.
//!
//! Each distinct transaction (keyed by all its fields, signature included) is verified for
//! real the first time any node asks; later askers get the same verdict without redoing the
//! curve arithmetic. The verdict is identical by construction: this saves wall time in a
//! process that runs many nodes, and changes nothing they decide.
//!
//! The memo is bounded: verdicts live in two generations of at most [`GENERATION`] entries
//! each; when the newer one is full the older one is dropped. A transaction is asked about
//! within seconds of its submission (gossip, then block import at every node), so a verdict
//! that aged out is only ever verified again, never wrong.

use beacon::node::TransactionVerifier;
use ed25519_dalek::VerifyingKey;
use shard::signatures::first_invalid_signature_with_keys;
use shard::Transaction;
use std::collections::BTreeMap;
use std::hash::{BuildHasherDefault, DefaultHasher};
use std::sync::Mutex;

/// A transaction's every field, signature included: the memo's key (compared in full).
type TransactionBytes = [u8; 152];

type FixedState = BuildHasherDefault<DefaultHasher>;

/// Verdicts per generation at most (152 bytes each: about 25 MB per generation).
pub const GENERATION: usize = 1 << 17;

type Verdicts = hashbrown::HashSet<TransactionBytes, FixedState>;

#[derive(Default)]
struct Memo {
    /// Transactions verified valid, newest generation. A fixed-key hasher: never iterated.
    valid: Verdicts,
    /// The previous generation.
    older: Verdicts,
    /// Decompressed sender keys (`None`: not a valid key). Bounded by the accounts that send.
    keys: BTreeMap<[u8; 32], Option<VerifyingKey>>,
}

impl Memo {
    fn is_valid(&self, key: &TransactionBytes) -> bool {
        self.valid.contains(key) || self.older.contains(key)
    }

    fn remember(&mut self, key: TransactionBytes) {
        if self.valid.len() >= GENERATION {
            self.older = std::mem::take(&mut self.valid);
        }
        self.valid.insert(key);
    }
}

/// Verdicts of valid transactions seen so far, and decompressed sender keys.
#[derive(Default)]
pub struct SharedVerifier {
    memo: Mutex<Memo>,
}

fn key(tx: &Transaction) -> TransactionBytes {
    let mut bytes = [0u8; 152];
    bytes[..32].copy_from_slice(&tx.from.0);
    bytes[32..64].copy_from_slice(&tx.to.0);
    bytes[64..72].copy_from_slice(&tx.amount.to_le_bytes());
    bytes[72..80].copy_from_slice(&tx.fee.to_le_bytes());
    bytes[80..88].copy_from_slice(&tx.nonce.to_le_bytes());
    bytes[88..].copy_from_slice(&tx.signature.0);
    bytes
}

impl TransactionVerifier for SharedVerifier {
    fn first_invalid(&self, transactions: &[Transaction]) -> Option<usize> {
        // The lock is never held while verifying: nodes verify in parallel, and a thread
        // waiting inside a batch may run another node's work.
        let keys: Vec<TransactionBytes> = transactions.iter().map(key).collect();
        let (unknown, senders) = {
            let Ok(mut memo) = self.memo.lock() else {
                return shard::signatures::first_invalid_signature(transactions);
            };
            let unknown: Vec<usize> = (0..transactions.len())
                .filter(|i| !memo.is_valid(&keys[*i]))
                .collect();
            let senders: Vec<Option<VerifyingKey>> = unknown
                .iter()
                .map(|i| {
                    let from = transactions[*i].from.0;
                    *memo
                        .keys
                        .entry(from)
                        .or_insert_with(|| VerifyingKey::from_bytes(&from).ok())
                })
                .collect();
            (unknown, senders)
        };
        if unknown.is_empty() {
            return None;
        }
        let batch: Vec<Transaction> = unknown.iter().map(|i| transactions[*i].clone()).collect();
        let bad = first_invalid_signature_with_keys(&batch, &senders);
        let valid_until = bad.unwrap_or(unknown.len());
        if let Ok(mut memo) = self.memo.lock() {
            for i in &unknown[..valid_until] {
                memo.remember(keys[*i]);
            }
        }
        bad.map(|b| unknown[b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use shard::transaction::address_of;

    #[test]
    fn verdicts_match_direct_verification() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let good = Transaction::unsigned(address_of(&key), address_of(&key), 5, 1, 0).sign(&key);
        let mut bad = good.clone();
        bad.amount = 6;
        let memo = SharedVerifier::default();
        assert_eq!(memo.first_invalid(std::slice::from_ref(&good)), None);
        // Second time from the memo, same verdict.
        assert_eq!(memo.first_invalid(std::slice::from_ref(&good)), None);
        assert_eq!(memo.first_invalid(&[good.clone(), bad.clone()]), Some(1));
        assert_eq!(memo.first_invalid(&[bad.clone(), good]), Some(0));
        assert_eq!(memo.first_invalid(&[bad]), Some(0));
    }
}
