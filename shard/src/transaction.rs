//! Transactions: `Transaction { from, to, amount, fee, nonce, signature }`, signed with ed25519
//! by `from` over the transaction's signing root (its SSZ root without `signature`).
//!
//! The roots are computed directly with one SHA-256 block per node (8 hashes for both roots of
//! one transaction) rather than through `ssz_rs`; tests check they equal the SSZ roots.

use crate::types::{Address, Amount, Bytes64};
use consensus::hash::{hash_pair, zero_hashes};
use consensus::primitives::Root;
use consensus::sszx::SigningRoot;
use ed25519_dalek::{Signer, SigningKey};
use ssz_rs::prelude::*;

/// Encoded size of a transaction: 32 + 32 + 8 + 8 + 8 + 64 bytes.
pub const TRANSACTION_SIZE: usize = 152;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Transaction {
    pub from: Address,
    pub to: Address,
    pub amount: Amount,
    pub fee: Amount,
    pub nonce: u64,
    pub signature: Bytes64,
}

fn u64_chunk(value: u64) -> [u8; 32] {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&value.to_le_bytes());
    chunk
}

/// Both roots of a transaction, sharing the nodes they have in common.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransactionRoots {
    pub signing_root: Root,
    pub hash_tree_root: Root,
}

impl Transaction {
    /// `H(H(from, to), H(amount, fee))`: the left half both roots share.
    fn left_half(&self) -> [u8; 32] {
        let from_to = hash_pair(&self.from.0, &self.to.0);
        let amount_fee = hash_pair(&u64_chunk(self.amount), &u64_chunk(self.fee));
        hash_pair(&from_to, &amount_fee)
    }

    fn root_with(&self, left: &[u8; 32], sixth_field: &[u8; 32]) -> Root {
        let nonce_sixth = hash_pair(&u64_chunk(self.nonce), sixth_field);
        let right = hash_pair(&nonce_sixth, &zero_hashes()[1]);
        Root::new(hash_pair(left, &right))
    }

    fn signature_root(&self) -> [u8; 32] {
        let mut c0 = [0u8; 32];
        let mut c1 = [0u8; 32];
        c0.copy_from_slice(&self.signature.0[..32]);
        c1.copy_from_slice(&self.signature.0[32..]);
        hash_pair(&c0, &c1)
    }

    /// `hash_tree_root(tx)`.
    pub fn root(&self) -> Root {
        self.root_with(&self.left_half(), &self.signature_root())
    }

    /// `signing_root(tx)` and `hash_tree_root(tx)` together.
    pub fn roots(&self) -> TransactionRoots {
        let left = self.left_half();
        TransactionRoots {
            signing_root: self.root_with(&left, &zero_hashes()[0]),
            hash_tree_root: self.root_with(&left, &self.signature_root()),
        }
    }

    /// The transfer, unsigned.
    pub fn unsigned(from: Address, to: Address, amount: Amount, fee: Amount, nonce: u64) -> Self {
        Self {
            from,
            to,
            amount,
            fee,
            nonce,
            signature: Bytes64::zero(),
        }
    }

    /// Signs with `key` (whose public key should be `from`) over the signing root.
    pub fn sign(mut self, key: &SigningKey) -> Self {
        let message = self.signing_root();
        self.signature = Bytes64::new(key.sign(&message.0).to_bytes());
        self
    }

    /// The transfer from `key`'s address, signed.
    pub fn signed_transfer(
        key: &SigningKey,
        to: Address,
        amount: Amount,
        fee: Amount,
        nonce: u64,
    ) -> Self {
        Self::unsigned(address_of(key), to, amount, fee, nonce).sign(key)
    }
}

impl SigningRoot for Transaction {
    /// `signing_root(tx)`: the root of the five fields before `signature`.
    fn signing_root(&self) -> Root {
        self.root_with(&self.left_half(), &zero_hashes()[0])
    }
}

/// The account address of a signing key: its ed25519 public key.
pub fn address_of(key: &SigningKey) -> Address {
    Address::new(key.verifying_key().to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::hash::merkleize_fields;
    use consensus::sszx::{decode, encode, hash_tree_root};

    fn sample() -> Transaction {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        Transaction::signed_transfer(&key, Address::new([9u8; 32]), 1_000, 7, 42)
    }

    #[test]
    fn fast_roots_equal_ssz_roots() {
        let tx = sample();
        assert_eq!(tx.root(), hash_tree_root(&tx));
        let fields = [
            tx.from,
            tx.to,
            Root::new(u64_chunk(tx.amount)),
            Root::new(u64_chunk(tx.fee)),
            Root::new(u64_chunk(tx.nonce)),
        ];
        assert_eq!(tx.signing_root(), merkleize_fields(&fields));
        let roots = tx.roots();
        assert_eq!(roots.signing_root, tx.signing_root());
        assert_eq!(roots.hash_tree_root, tx.root());
    }

    #[test]
    fn encoding_round_trips_at_fixed_size() {
        let tx = sample();
        let bytes = encode(&tx).unwrap();
        assert_eq!(bytes.len(), TRANSACTION_SIZE);
        assert_eq!(decode::<Transaction>(&bytes).unwrap(), tx);
        assert!(decode::<Transaction>(&bytes[..100]).is_err());
    }
}
