//! The workload generator: signed transfers at a rate per shard, a share of them cross-shard,
//! from the genesis accounts (whose keys anyone can derive), submitted to a node chosen at
//! random. It keeps each sender's next nonce and when each transfer was submitted.

use crate::genesis_cache::genesis_accounts;
use crate::rng::SimRng;
use crate::scenario::WorkloadSpec;
use ed25519_dalek::SigningKey;
use shard::genesis::GenesisError;
use shard::transaction::address_of;
use shard::types::compute_home_shard;
use shard::types::Address;
use shard::Transaction;
use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// One shard's senders.
struct ShardAccounts {
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
    /// Every shard's signing keys, shared with the signing jobs.
    keys: Arc<Vec<Vec<SigningKey>>>,
    /// Every shard's genesis state, built from those keys.
    genesis_states: Arc<Vec<shard::ShardState>>,
    /// Fake cryptography: transfers are not signed (nodes do not check them either).
    fake: bool,
    /// The next round, being signed on the thread pool while the simulation goes on.
    next: Option<Receiver<Vec<Vec<Transaction>>>>,
    rng: SimRng,
    /// `(from, nonce)` -> submission time (ms), for every transaction until the observer
    /// settles its inclusion (and, for a cross-shard transfer, until its receipt is matched).
    pub submitted: BTreeMap<(Address, u64), u64>,
    pub submitted_total: u64,
    pub submitted_cross_total: u64,
}

impl Workload {
    /// Takes the genesis keys of every shard from the process's genesis cache (derived in
    /// parallel on a miss; the same keys either way).
    pub fn new(
        spec: &WorkloadSpec,
        active_shards: u64,
        rng: SimRng,
        fake: bool,
    ) -> Result<Self, GenesisError> {
        let genesis =
            genesis_accounts(active_shards, spec.accounts_per_shard, spec.account_balance)?;
        let shards = genesis
            .keys
            .iter()
            .map(|keys: &Vec<SigningKey>| ShardAccounts {
                addresses: keys.iter().map(address_of).collect(),
                nonces: vec![0; keys.len()],
                next: 0,
                carry: 0.0,
            })
            .collect();
        Ok(Self {
            spec: spec.clone(),
            shards,
            keys: genesis.keys.clone(),
            genesis_states: genesis.states.clone(),
            fake,
            next: None,
            rng,
            submitted: BTreeMap::new(),
            submitted_total: 0,
            submitted_cross_total: 0,
        })
    }

    /// The genesis states of every shard, from the same keys as this workload's accounts (the
    /// same states as `shard::genesis_states`, without grinding the keys twice).
    pub fn genesis_states(&self) -> Arc<Vec<shard::ShardState>> {
        self.genesis_states.clone()
    }

    /// The transfers to submit now (signed, grouped per shard): the round prepared at the
    /// previous call. It then prepares the next round (`interval_ms` worth) and signs it on
    /// the thread pool while the simulation goes on. The transfers, their order and their
    /// signatures do not depend on the timing; the first call submits nothing.
    pub fn round(&mut self, now_ms: u64, interval_ms: u64) -> Vec<Vec<Transaction>> {
        let ready = match self.next.take() {
            Some(receiver) => receiver.recv().unwrap_or_default(),
            None => Vec::new(),
        };
        for (shard, txs) in ready.iter().enumerate() {
            for tx in txs {
                self.submitted.insert((tx.from, tx.nonce), now_ms);
                if compute_home_shard(&tx.to, self.shards.len() as u64) != shard as u64 {
                    self.submitted_cross_total += 1;
                }
                self.submitted_total += 1;
            }
        }
        let unsigned = self.prepare(interval_ms);
        if self.fake {
            let (sender, receiver) = channel();
            let _ = sender.send(
                unsigned
                    .into_iter()
                    .map(|txs| txs.into_iter().map(|(_, tx)| tx).collect())
                    .collect(),
            );
            self.next = Some(receiver);
            return ready;
        }
        let keys = Arc::clone(&self.keys);
        let (sender, receiver) = channel();
        // Its own thread, not the shared pool: the nodes' batch verifications must not queue
        // behind it.
        std::thread::spawn(move || {
            let signed: Vec<Vec<Transaction>> = unsigned
                .into_iter()
                .enumerate()
                .map(|(shard, txs)| {
                    txs.into_iter()
                        .map(|(sender, tx)| tx.sign(&keys[shard][sender]))
                        .collect()
                })
                .collect();
            let _ = sender.send(signed);
        });
        self.next = Some(receiver);
        ready
    }

    /// The unsigned transfers of one round, with their senders' positions.
    fn prepare(&mut self, interval_ms: u64) -> Vec<Vec<(usize, Transaction)>> {
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
                if accounts.addresses.is_empty() {
                    break;
                }
                let sender = accounts.next % accounts.addresses.len();
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
                txs.push((sender, tx));
            }
            unsigned.push(txs);
        }
        unsigned
    }
}
