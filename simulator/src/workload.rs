//! The workload generator: signed transfers at a rate per shard, a share of them cross-shard,
//! from the genesis accounts (whose keys anyone can derive), submitted to a node chosen at
//! random. It keeps each sender's next nonce and when each transfer was submitted.

use crate::rng::SimRng;
use crate::scenario::WorkloadSpec;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use shard::genesis::{genesis_keys, GenesisError};
use shard::transaction::address_of;
use shard::types::Address;
use shard::Transaction;
use std::collections::BTreeMap;

/// One shard's senders.
struct ShardAccounts {
    keys: Vec<SigningKey>,
    addresses: Vec<Address>,
    nonces: Vec<u64>,
    /// The next sender (round robin keeps every sender's pending chain short).
    next: usize,
    /// Fractional transactions carried to the next round.
    carry: f64,
}

/// Generates the transfers of every shard.
pub struct Workload {
    spec: WorkloadSpec,
    shards: Vec<ShardAccounts>,
    rng: SimRng,
    /// `(from, nonce)` -> submission time (ms), for cross-shard transfers.
    pub submitted_cross: BTreeMap<(Address, u64), u64>,
    pub submitted_total: u64,
    pub submitted_cross_total: u64,
}

impl Workload {
    /// Derives the genesis keys of every shard (in parallel; same keys on any pool).
    pub fn new(spec: &WorkloadSpec, active_shards: u64, rng: SimRng) -> Result<Self, GenesisError> {
        let keys: Vec<Vec<(u64, SigningKey)>> = (0..active_shards)
            .into_par_iter()
            .map(|shard| genesis_keys(shard, active_shards, spec.accounts_per_shard))
            .collect::<Result<_, _>>()?;
        let shards = keys
            .into_iter()
            .map(|keys| {
                let keys: Vec<SigningKey> = keys.into_iter().map(|(_, k)| k).collect();
                ShardAccounts {
                    addresses: keys.iter().map(address_of).collect(),
                    nonces: vec![0; keys.len()],
                    keys,
                    next: 0,
                    carry: 0.0,
                }
            })
            .collect();
        Ok(Self {
            spec: spec.clone(),
            shards,
            rng,
            submitted_cross: BTreeMap::new(),
            submitted_total: 0,
            submitted_cross_total: 0,
        })
    }

    /// The transfers of one round of `interval_ms` at `now_ms`, signed, grouped per shard.
    pub fn round(&mut self, now_ms: u64, interval_ms: u64) -> Vec<Vec<Transaction>> {
        let shard_count = self.shards.len();
        let mut unsigned: Vec<Vec<(usize, Transaction)>> = Vec::with_capacity(shard_count);
        for shard in 0..shard_count {
            let due =
                self.spec.tps_per_shard * interval_ms as f64 / 1000.0 + self.shards[shard].carry;
            let count = due.floor().max(0.0) as usize;
            self.shards[shard].carry = due - count as f64;
            let mut txs = Vec::with_capacity(count);
            for _ in 0..count {
                let accounts = &self.shards[shard];
                if accounts.keys.is_empty() {
                    break;
                }
                let sender = accounts.next % accounts.keys.len();
                let cross = shard_count > 1 && self.rng.bernoulli(self.spec.cross_shard);
                let to_shard = if cross {
                    let other = self.rng.range_u64(0, shard_count as u64 - 1) as usize;
                    if other >= shard {
                        other + 1
                    } else {
                        other
                    }
                } else {
                    shard
                };
                let recipients = &self.shards[to_shard].addresses;
                if recipients.is_empty() {
                    break;
                }
                let to = recipients[self.rng.range_u64(0, recipients.len() as u64) as usize];
                let amount = self.rng.range_u64(1, self.spec.amount_max.max(1) + 1);
                let accounts = &mut self.shards[shard];
                let nonce = accounts.nonces[sender];
                accounts.nonces[sender] += 1;
                accounts.next = accounts.next.wrapping_add(1);
                let tx = Transaction::unsigned(
                    accounts.addresses[sender],
                    to,
                    amount,
                    self.spec.fee,
                    nonce,
                );
                if cross {
                    self.submitted_cross.insert((tx.from, nonce), now_ms);
                    self.submitted_cross_total += 1;
                }
                self.submitted_total += 1;
                txs.push((sender, tx));
            }
            unsigned.push(txs);
        }
        // Signing dominates: done in parallel, results in order.
        let shards = &self.shards;
        unsigned
            .into_iter()
            .enumerate()
            .map(|(shard, txs)| {
                txs.into_par_iter()
                    .map(|(sender, tx)| tx.sign(&shards[shard].keys[sender]))
                    .collect()
            })
            .collect()
    }
}
