//! The per-shard mempool: bounded in count and bytes, ordered fee first then nonce per sender
//! (design 3.3), with replacement of a `(sender, nonce)` only at a higher fee and eviction of the
//! cheapest transaction when full. Every refusal is a [`MempoolError`] that says why.

use crate::state::ShardState;
use crate::transaction::{Transaction, TRANSACTION_SIZE};
use crate::types::{Address, Amount};
use crate::validity::{
    check_amount_nonzero, check_balance, check_sender_shard, compute_total_cost,
    verify_transaction_signature, TransactionError,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// Bounds of a mempool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MempoolLimits {
    pub max_transactions: usize,
    pub max_bytes: usize,
    /// How far past a sender's next nonce a transaction may wait.
    pub max_nonce_gap: u64,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        Self {
            max_transactions: 1 << 16,
            max_bytes: (1 << 16) * TRANSACTION_SIZE,
            max_nonce_gap: 64,
        }
    }
}

/// Why the mempool refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    #[error("mempool: {0}")]
    Invalid(#[from] TransactionError),
    #[error("mempool: nonce {got} of {from} is already used (next is {next})")]
    NonceTooLow { from: Address, next: u64, got: u64 },
    #[error("mempool: nonce {got} of {from} is more than {max_gap} past the next nonce {next}")]
    NonceTooFarAhead {
        from: Address,
        next: u64,
        got: u64,
        max_gap: u64,
    },
    #[error("mempool: replacing nonce {nonce} of {from} needs a fee above {existing_fee}, offered {offered_fee}")]
    ReplacementUnderpriced {
        from: Address,
        nonce: u64,
        existing_fee: Amount,
        offered_fee: Amount,
    },
    #[error("mempool: full, and fee {offered_fee} does not beat the cheapest fee {lowest_fee}")]
    PoolFull {
        lowest_fee: Amount,
        offered_fee: Amount,
    },
    #[error("mempool: a transaction of {size} bytes can never fit in {max_bytes} bytes")]
    TooLarge { size: usize, max_bytes: usize },
}

/// What an accepted insertion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    Added,
    Replaced {
        previous_fee: Amount,
    },
    AddedEvicting {
        from: Address,
        nonce: u64,
        fee: Amount,
    },
}

/// The mempool of one shard.
#[derive(Clone, Debug)]
pub struct Mempool {
    limits: MempoolLimits,
    by_sender: BTreeMap<Address, BTreeMap<u64, Transaction>>,
    /// Cheapest first: lowest fee, then the highest nonce (the last one a sender could run).
    by_price: BTreeSet<(Amount, Reverse<u64>, Address)>,
    bytes: usize,
}

impl Mempool {
    pub fn new(limits: MempoolLimits) -> Self {
        Self {
            limits,
            by_sender: BTreeMap::new(),
            by_price: BTreeSet::new(),
            bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.by_price.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_price.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn get(&self, from: &Address, nonce: u64) -> Option<&Transaction> {
        self.by_sender.get(from).and_then(|q| q.get(&nonce))
    }

    /// Admits `tx` against `state` (the shard's head state). `verify_signature` checks its
    /// ed25519 signature on its own.
    pub fn insert(
        &mut self,
        tx: Transaction,
        state: &ShardState,
        verify_signature: bool,
    ) -> Result<Inserted, MempoolError> {
        check_sender_shard(&tx, state.shard(), state.active_shard_count())?;
        check_amount_nonzero(&tx)?;
        let total = compute_total_cost(&tx)?;
        let account = state.account_or_default(&tx.from);
        if tx.nonce < account.nonce {
            return Err(MempoolError::NonceTooLow {
                from: tx.from,
                next: account.nonce,
                got: tx.nonce,
            });
        }
        if tx.nonce - account.nonce > self.limits.max_nonce_gap {
            return Err(MempoolError::NonceTooFarAhead {
                from: tx.from,
                next: account.nonce,
                got: tx.nonce,
                max_gap: self.limits.max_nonce_gap,
            });
        }
        check_balance(&tx, &account, total)?;
        if TRANSACTION_SIZE > self.limits.max_bytes || self.limits.max_transactions == 0 {
            return Err(MempoolError::TooLarge {
                size: TRANSACTION_SIZE,
                max_bytes: self.limits.max_bytes,
            });
        }
        if let Some(existing) = self.get(&tx.from, tx.nonce) {
            if existing.fee >= tx.fee {
                return Err(MempoolError::ReplacementUnderpriced {
                    from: tx.from,
                    nonce: tx.nonce,
                    existing_fee: existing.fee,
                    offered_fee: tx.fee,
                });
            }
            let previous_fee = existing.fee;
            if verify_signature {
                verify_transaction_signature(&tx)?;
            }
            self.remove(&tx.from, tx.nonce);
            self.add(tx);
            return Ok(Inserted::Replaced { previous_fee });
        }
        let full = self.len() >= self.limits.max_transactions
            || self.bytes + TRANSACTION_SIZE > self.limits.max_bytes;
        let victim = if full {
            match self.by_price.first() {
                Some(&(fee, Reverse(nonce), from)) if fee < tx.fee => Some((fee, nonce, from)),
                Some(&(fee, _, _)) => {
                    return Err(MempoolError::PoolFull {
                        lowest_fee: fee,
                        offered_fee: tx.fee,
                    })
                }
                None => None,
            }
        } else {
            None
        };
        if verify_signature {
            verify_transaction_signature(&tx)?;
        }
        self.add(tx);
        Ok(match victim {
            Some((fee, nonce, from)) => {
                self.remove(&from, nonce);
                Inserted::AddedEvicting { from, nonce, fee }
            }
            None => Inserted::Added,
        })
    }

    fn add(&mut self, tx: Transaction) {
        self.by_price.insert((tx.fee, Reverse(tx.nonce), tx.from));
        self.bytes += TRANSACTION_SIZE;
        self.by_sender
            .entry(tx.from)
            .or_default()
            .insert(tx.nonce, tx);
    }

    /// Removes `(from, nonce)` if present.
    pub fn remove(&mut self, from: &Address, nonce: u64) -> Option<Transaction> {
        let queue = self.by_sender.get_mut(from)?;
        let tx = queue.remove(&nonce)?;
        if queue.is_empty() {
            self.by_sender.remove(from);
        }
        self.by_price.remove(&(tx.fee, Reverse(nonce), *from));
        self.bytes = self.bytes.saturating_sub(TRANSACTION_SIZE);
        Some(tx)
    }

    /// [`Self::prune`] for `senders` only: after a block that extends the head, only the
    /// senders of its transactions have new nonces.
    pub fn prune_senders(&mut self, state: &ShardState, senders: &[Address]) {
        for from in senders {
            let Some(queue) = self.by_sender.get(from) else {
                continue;
            };
            let next = state.account_or_default(from).nonce;
            let stale: Vec<u64> = queue.range(..next).map(|(nonce, _)| *nonce).collect();
            for nonce in stale {
                self.remove(from, nonce);
            }
        }
    }

    /// Drops every transaction whose nonce `state` has already used (after a block).
    pub fn prune(&mut self, state: &ShardState) {
        let stale: Vec<(Address, u64)> = self
            .by_sender
            .iter()
            .flat_map(|(from, queue)| {
                let next = state.account_or_default(from).nonce;
                queue.range(..next).map(move |(nonce, _)| (*from, *nonce))
            })
            .collect();
        for (from, nonce) in stale {
            self.remove(&from, nonce);
        }
    }

    /// The transactions a block on `state` should carry: highest fee first among each sender's
    /// next runnable transaction (ties: lowest address), each sender in nonce order, skipping
    /// what the sender could no longer pay; at most `max_transactions` and `max_bytes`.
    pub fn select(
        &self,
        state: &ShardState,
        max_transactions: usize,
        max_bytes: usize,
    ) -> Vec<Transaction> {
        let mut heads: BinaryHeap<(Amount, Reverse<Address>, u64)> = BinaryHeap::new();
        let mut balances: BTreeMap<Address, Amount> = BTreeMap::new();
        for (from, queue) in &self.by_sender {
            let account = state.account_or_default(from);
            if let Some(tx) = queue.get(&account.nonce) {
                heads.push((tx.fee, Reverse(*from), tx.nonce));
                balances.insert(*from, account.balance);
            }
        }
        let mut chosen = Vec::new();
        let mut bytes = 0usize;
        while let Some((_, Reverse(from), nonce)) = heads.pop() {
            if chosen.len() >= max_transactions || bytes + TRANSACTION_SIZE > max_bytes {
                break;
            }
            let Some(tx) = self.get(&from, nonce) else {
                continue;
            };
            let Some(balance) = balances.get_mut(&from) else {
                continue;
            };
            let Ok(total) = compute_total_cost(tx) else {
                continue;
            };
            if *balance < total {
                continue;
            }
            *balance -= total;
            bytes += TRANSACTION_SIZE;
            chosen.push(tx.clone());
            if let Some(next) = nonce.checked_add(1).and_then(|n| self.get(&from, n)) {
                heads.push((next.fee, Reverse(from), next.nonce));
            }
        }
        chosen
    }
}
