//! Transactions a user submits (HTTP API, load generator, simulator workload): each one is
//! checked on its own and answered on its own, the admitted ones go to their shard's mempool
//! and are gossiped, batched per shard.
//!
//! **Must never** let one bad transaction of a batch refuse the others (unlike gossip, where a
//! message with one bad signature is rejected whole: a peer vouches for its message, a user
//! only for each transaction).

use super::io::Output;
use super::Node;
use consensus::primitives::Root;
use consensus::Preset;
use networking::{GossipMessage, TransactionBatch};
use shard::mempool::MempoolError;
use shard::types::compute_home_shard;
use shard::Transaction;
use std::collections::BTreeMap;

/// Why a submitted transaction was not admitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// Its ed25519 signature (or its sender's key) does not verify.
    #[error("bad signature: the transaction's signature does not verify for its sender")]
    BadSignature,
    /// Its shard's mempool refused it (stale or far-future nonce, underpriced replacement,
    /// full pool, too large, or invalid against the head state).
    #[error("{0}")]
    Mempool(MempoolError),
    /// Its shard has no head state to check it against yet.
    #[error("the sender's shard has no head state yet")]
    ShardUnavailable,
}

impl SubmitError {
    /// A stable label for metrics and API error classes.
    pub fn label(&self) -> &'static str {
        match self {
            SubmitError::BadSignature => "bad_signature",
            SubmitError::ShardUnavailable => "shard_unavailable",
            SubmitError::Mempool(error) => match error {
                MempoolError::Invalid(_) => "invalid",
                MempoolError::NonceTooLow { .. } => "stale_nonce",
                MempoolError::NonceTooFarAhead { .. } => "nonce_too_far_ahead",
                MempoolError::ReplacementUnderpriced { .. } => "replacement_underpriced",
                MempoolError::PoolFull { .. } => "mempool_full",
                MempoolError::TooLarge { .. } => "too_large",
            },
        }
    }
}

impl<P: Preset> Node<P> {
    /// Checks and admits each of `transactions`; answers, in order, its root or why it was
    /// refused. Admitted transactions are published on their shard's topic (outputs are taken
    /// with the next [`Node::handle`] or [`Node::take_outputs`]).
    pub fn submit_transactions(
        &mut self,
        transactions: Vec<Transaction>,
    ) -> Vec<Result<Root, SubmitError>> {
        let asc = self.chain.active_shard_count;
        let bad = self.bad_signatures(&transactions);
        let mut answers = Vec::with_capacity(transactions.len());
        let mut per_shard: BTreeMap<u64, Vec<Transaction>> = BTreeMap::new();
        for (position, tx) in transactions.into_iter().enumerate() {
            if bad.contains(&position) {
                answers.push(Err(SubmitError::BadSignature));
                continue;
            }
            let shard = compute_home_shard(&tx.from, asc);
            let Some(chain) = self.shards.get_mut(shard as usize) else {
                answers.push(Err(SubmitError::ShardUnavailable));
                continue;
            };
            let root = tx.root();
            if chain.mempool.get(&tx.from, tx.nonce) == Some(&tx) {
                answers.push(Ok(root));
                continue;
            }
            match chain.admit_checked(tx.clone()) {
                Some(Ok(())) => {
                    per_shard.entry(shard).or_default().push(tx);
                    answers.push(Ok(root));
                }
                Some(Err(error)) => answers.push(Err(SubmitError::Mempool(error))),
                None => answers.push(Err(SubmitError::ShardUnavailable)),
            }
        }
        for txs in per_shard.into_values() {
            self.publish_transactions(txs);
        }
        answers
    }

    /// Positions of the transactions whose signature does not verify: one batch check, then
    /// again after each failure found.
    fn bad_signatures(&self, transactions: &[Transaction]) -> Vec<usize> {
        let mut bad = Vec::new();
        let mut from = 0;
        while from < transactions.len() {
            match self
                .config
                .transaction_verifier
                .first_invalid(&transactions[from..])
            {
                Some(offset) => {
                    bad.push(from + offset);
                    from += offset + 1;
                }
                None => break,
            }
        }
        bad
    }

    /// Gossips admitted transactions of one shard in messages of at most the per-message
    /// limit.
    pub(super) fn publish_transactions(&mut self, transactions: Vec<Transaction>) {
        let asc = self.chain.active_shard_count;
        for chunk in transactions.chunks(networking::MAX_TRANSACTIONS_PER_MESSAGE) {
            let Ok(transactions) = chunk.to_vec().try_into() else {
                continue;
            };
            let message = GossipMessage::Transactions(Box::new(TransactionBatch { transactions }));
            let topic = message.topic(asc);
            if let Ok(bytes) = message.encode() {
                self.out.push(Output::Publish {
                    topic,
                    bytes: bytes.into(),
                });
            }
        }
    }

    /// Takes the outputs produced outside [`Node::handle`] (by a query such as
    /// [`Node::submit_transactions`]).
    pub fn take_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }
}
