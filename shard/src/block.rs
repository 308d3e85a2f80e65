//! Shard blocks (design 3.2): `ShardBlock { shard, slot, parent_root, beacon_block_root,
//! state_root, proposer_index, body, outgoing_receipts_root, signature }`, the body
//! `{ transactions, incoming_receipts }`, the header that replaces the body by its root, and the
//! proposer's BLS signature under `DOMAIN_SHARD_PROPOSER`.
//!
//! A block's root is its signing root (the root of every field but `signature`), as for beacon
//! blocks; the header has the same signing root.

use crate::header::ShardBlockHeader;
use crate::receipt_proof::IncomingReceipt;
use crate::transaction::{Transaction, TRANSACTION_SIZE};
use crate::types::{MAX_INCOMING_RECEIPTS_PER_BLOCK, MAX_TRANSACTIONS_PER_BLOCK};
use consensus::bls::{compute_domain, compute_signing_root, Crypto, PublicKey, SecretKey};
use consensus::bls::{Signature, SignatureSet};
use consensus::hash::{hash_roots, merkleize_chunks, mix_in_length};
use consensus::preset::DOMAIN_SHARD_PROPOSER;
use consensus::primitives::{BlsSignatureBytes, Root, Shard, Slot, ValidatorIndex, Version};
use consensus::sszx::{hash_tree_root, SigningRoot};
use ssz_rs::prelude::*;

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ShardBlockBody {
    pub transactions: List<Transaction, MAX_TRANSACTIONS_PER_BLOCK>,
    pub incoming_receipts: List<IncomingReceipt, MAX_INCOMING_RECEIPTS_PER_BLOCK>,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ShardBlock {
    pub shard: Shard,
    pub slot: Slot,
    pub parent_root: Root,
    pub beacon_block_root: Root,
    pub state_root: Root,
    pub proposer_index: ValidatorIndex,
    pub body: ShardBlockBody,
    pub outgoing_receipts_root: Root,
    pub signature: BlsSignatureBytes,
}

/// `hash_tree_root(List[Transaction, 2^16])` from the transactions' roots.
pub fn transactions_root(transaction_roots: &[[u8; 32]]) -> Root {
    mix_in_length(
        &merkleize_chunks(transaction_roots, MAX_TRANSACTIONS_PER_BLOCK),
        transaction_roots.len() as u64,
    )
}

impl ShardBlockBody {
    /// `hash_tree_root(body)` given the transactions' roots (computed once by the caller).
    pub fn root_with(&self, transaction_roots: &[[u8; 32]]) -> Root {
        hash_roots(
            &transactions_root(transaction_roots),
            &hash_tree_root(&self.incoming_receipts),
        )
    }

    /// `hash_tree_root(body)`.
    pub fn root(&self) -> Root {
        let roots: Vec<[u8; 32]> = self.transactions.iter().map(|tx| tx.root().0).collect();
        self.root_with(&roots)
    }

    /// Encoded size: two offsets, fixed-size transactions, fixed-size incoming receipts.
    pub fn encoded_len(&self) -> usize {
        8 + TRANSACTION_SIZE * self.transactions.len()
            + <IncomingReceipt as ssz_rs::Sized>::size_hint() * self.incoming_receipts.len()
    }
}

/// Encoded size of a block without its body, plus the body's offset.
pub const BLOCK_FIXED_SIZE: usize = 8 + 8 + 32 + 32 + 32 + 8 + 4 + 32 + 96;

impl ShardBlock {
    /// The signing root (the block's root) given its body root.
    pub fn signing_root_with(&self, body_root: &Root) -> Root {
        self.header_with(*body_root).signing_root()
    }

    /// The header: the same fields, the body replaced by its root.
    pub fn header(&self) -> ShardBlockHeader {
        self.header_with(self.body.root())
    }

    /// The header given the body root (computed once by the caller).
    pub fn header_with(&self, body_root: Root) -> ShardBlockHeader {
        ShardBlockHeader {
            shard: self.shard,
            slot: self.slot,
            parent_root: self.parent_root,
            beacon_block_root: self.beacon_block_root,
            state_root: self.state_root,
            proposer_index: self.proposer_index,
            body_root,
            outgoing_receipts_root: self.outgoing_receipts_root,
            signature: self.signature,
        }
    }

    /// Encoded size, without encoding.
    pub fn encoded_len(&self) -> usize {
        BLOCK_FIXED_SIZE + self.body.encoded_len()
    }
}

impl SigningRoot for ShardBlock {
    fn signing_root(&self) -> Root {
        self.signing_root_with(&self.body.root())
    }
}

/// A proposer signature that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposerSignatureError {
    #[error(
        "verify_shard_block_signature: signature bytes of proposer {proposer} are not a G2 point"
    )]
    Malformed { proposer: ValidatorIndex },
    #[error("verify_shard_block_signature: signature of proposer {proposer} over shard {shard} slot {slot} does not verify")]
    Invalid {
        proposer: ValidatorIndex,
        shard: Shard,
        slot: Slot,
    },
}

/// `compute_domain(DOMAIN_SHARD_PROPOSER, fork_version)`.
pub fn shard_proposer_domain(fork_version: Version) -> Root {
    compute_domain(DOMAIN_SHARD_PROPOSER, fork_version)
}

/// The message a shard proposer signs: `compute_signing_root(block_root, domain)`.
pub fn shard_block_signing_message(block_root: &Root, fork_version: Version) -> Root {
    compute_signing_root(block_root, &shard_proposer_domain(fork_version))
}

/// Signs `block` in place (fake cryptography writes a placeholder).
pub fn sign_shard_block(
    block: &mut ShardBlock,
    secret: &SecretKey,
    fork_version: Version,
    crypto: Crypto,
) {
    let body_root = block.body.root();
    sign_shard_block_with(block, &body_root, secret, fork_version, crypto);
}

/// [`sign_shard_block`] given the body root the caller already has (a producer gets it from
/// execution), so the transactions are not hashed again.
pub fn sign_shard_block_with(
    block: &mut ShardBlock,
    body_root: &Root,
    secret: &SecretKey,
    fork_version: Version,
    crypto: Crypto,
) {
    let message = shard_block_signing_message(&block.signing_root_with(body_root), fork_version);
    block.signature = crypto.sign(secret, &message);
}

/// `verify_shard_block_signature`: the proposer's BLS signature over the block root under
/// `DOMAIN_SHARD_PROPOSER` (always accepted under fake cryptography).
pub fn verify_shard_block_signature(
    header: &ShardBlockHeader,
    proposer_key: &PublicKey,
    fork_version: Version,
    crypto: Crypto,
) -> Result<(), ProposerSignatureError> {
    if crypto.is_fake() {
        return Ok(());
    }
    let signature = Signature::from_bytes(&header.signature.0).map_err(|_| {
        ProposerSignatureError::Malformed {
            proposer: header.proposer_index,
        }
    })?;
    let message = shard_block_signing_message(&header.signing_root(), fork_version);
    let set = SignatureSet::single(signature, proposer_key, message);
    if crypto.verify_sets(&[set]) {
        Ok(())
    } else {
        Err(ProposerSignatureError::Invalid {
            proposer: header.proposer_index,
            shard: header.shard,
            slot: header.slot,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Address;
    use consensus::bls::interop_keypair;
    use consensus::sszx::encode;

    fn block() -> ShardBlock {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
        let txs = (0..3)
            .map(|n| Transaction::signed_transfer(&key, Address::new([1; 32]), 10, 1, n))
            .collect::<Vec<_>>();
        ShardBlock {
            shard: 1,
            slot: 9,
            parent_root: Root::new([1; 32]),
            beacon_block_root: Root::new([2; 32]),
            state_root: Root::new([3; 32]),
            proposer_index: 17,
            body: ShardBlockBody {
                transactions: List::try_from(txs).unwrap(),
                incoming_receipts: List::try_from(vec![IncomingReceipt::default()]).unwrap(),
            },
            outgoing_receipts_root: Root::new([4; 32]),
            signature: BlsSignatureBytes::zero(),
        }
    }

    #[test]
    fn fast_roots_and_sizes_equal_ssz() {
        let block = block();
        assert_eq!(block.body.root(), hash_tree_root(&block.body));
        let header = block.header();
        assert_eq!(block.signing_root(), header.signing_root());
        assert_eq!(block.encoded_len(), encode(&block).unwrap().len());
        assert_eq!(
            ShardBlock::default().encoded_len(),
            encode(&ShardBlock::default()).unwrap().len()
        );
    }

    #[test]
    fn proposer_signature_round_trip() {
        let (secret, public) = interop_keypair(3);
        let fork = Version::new([0, 0, 0, 1]);
        let mut block = block();
        sign_shard_block(&mut block, &secret, fork, Crypto::Real);
        verify_shard_block_signature(&block.header(), &public, fork, Crypto::Real).unwrap();
        let other = interop_keypair(4).1;
        assert!(matches!(
            verify_shard_block_signature(&block.header(), &other, fork, Crypto::Real),
            Err(ProposerSignatureError::Invalid { .. })
        ));
        block.slot += 1;
        assert!(
            verify_shard_block_signature(&block.header(), &public, fork, Crypto::Real).is_err()
        );
        assert!(verify_shard_block_signature(&block.header(), &public, fork, Crypto::Fake).is_ok());
    }
}
