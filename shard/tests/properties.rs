//! Property tests over random workloads: transfers within and across shards, blocks produced
//! in random shard order, crosslinks with receipts delivered in random order (a receipt before
//! its predecessor is refused, then the inbox is put in order), replays and restarts of
//! execution from genesis.
//!
//! After every step: supply is conserved, every state's incremental root equals its
//! from-scratch root, no receipt is credited twice, and no nonce is used twice.

mod support;

use proptest::prelude::*;
use shard::execute::ExecutionContext;
use shard::receipt_proof::ReceiptError;
use shard::transaction::address_of;
use shard::validity::TransactionError;
use shard::{BlockError, BlockTemplate, IncomingReceipt, ShardBlock, Transaction};
use std::collections::BTreeSet;
use support::*;

#[derive(Clone, Debug)]
enum Op {
    Transfer {
        shard: u64,
        from: usize,
        to_shard: u64,
        to: usize,
        amount: u64,
        fee: u64,
    },
    Produce {
        shard: u64,
    },
    Crosslink {
        rotate: usize,
    },
    ReplayTransaction {
        pick: usize,
    },
    Redeliver {
        pick: usize,
    },
    Restart {
        shard: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..SHARDS, 0..6usize, 0..SHARDS, 0..6usize, 1..300_000u64, 0..50u64).prop_map(
            |(shard, from, to_shard, to, amount, fee)| Op::Transfer {
                shard,
                from,
                to_shard,
                to,
                amount,
                fee
            }
        ),
        3 => (0..SHARDS).prop_map(|shard| Op::Produce { shard }),
        1 => (0..8usize).prop_map(|rotate| Op::Crosslink { rotate }),
        1 => (0..1000usize).prop_map(|pick| Op::ReplayTransaction { pick }),
        1 => (0..1000usize).prop_map(|pick| Op::Redeliver { pick }),
        1 => (0..SHARDS).prop_map(|shard| Op::Restart { shard }),
    ]
}

struct Run {
    world: World,
    genesis: Vec<shard::ShardState>,
    keys: Vec<Vec<ed25519_dalek::SigningKey>>,
    buffers: Vec<Vec<Transaction>>,
    chains: Vec<Vec<ShardBlock>>,
    slots: Vec<u64>,
    included: Vec<Transaction>,
    credited: Vec<IncomingReceipt>,
    /// (source, destination, index) of every receipt credited.
    credited_ids: BTreeSet<(u64, u64, u64)>,
    used_nonces: BTreeSet<(shard::Address, u64)>,
}

impl Run {
    fn new() -> Self {
        let world = World::new();
        Self {
            genesis: world.states.clone(),
            world,
            keys: keys(),
            buffers: vec![Vec::new(); SHARDS as usize],
            chains: vec![Vec::new(); SHARDS as usize],
            slots: vec![0; SHARDS as usize],
            included: Vec::new(),
            credited: Vec::new(),
            credited_ids: BTreeSet::new(),
            used_nonces: BTreeSet::new(),
        }
    }

    fn next_nonce(&self, shard: usize, from: &shard::Address) -> u64 {
        self.world.states[shard].account_or_default(from).nonce
            + self.buffers[shard]
                .iter()
                .filter(|t| t.from == *from)
                .count() as u64
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Transfer {
                shard,
                from,
                to_shard,
                to,
                amount,
                fee,
            } => {
                let s = shard as usize;
                let key = &self.keys[s][from];
                let nonce = self.next_nonce(s, &address_of(key));
                let to = address_of(&self.keys[to_shard as usize][to]);
                self.buffers[s].push(Transaction::signed_transfer(key, to, amount, fee, nonce));
            }
            Op::Produce { shard } => self.produce(shard as usize),
            Op::Crosslink { rotate } => {
                self.world.crosslink_all();
                for inbox in self.world.inbox.values_mut() {
                    let k = rotate % inbox.len().max(1);
                    inbox.rotate_left(k);
                }
            }
            Op::ReplayTransaction { pick } => {
                if self.included.is_empty() {
                    return;
                }
                let tx = self.included[pick % self.included.len()].clone();
                let s = shard::compute_home_shard(&tx.from, SHARDS) as usize;
                let mut state = self.world.states[s].clone();
                let root = state.state_root();
                let err = shard::produce_block_from(
                    &mut state,
                    vec![tx],
                    BlockTemplate {
                        slot: self.slots[s] + 1,
                        ..BlockTemplate::default()
                    },
                    &ExecutionContext::new(true, &self.world.crosslinks),
                )
                .unwrap_err();
                assert!(matches!(
                    err,
                    BlockError::Transaction {
                        error: TransactionError::WrongNonce { .. },
                        ..
                    }
                ));
                assert_eq!(state.state_root(), root);
            }
            Op::Redeliver { pick } => {
                if self.credited.is_empty() {
                    return;
                }
                let incoming = self.credited[pick % self.credited.len()].clone();
                let s = shard::compute_home_shard(&incoming.receipt.to, SHARDS) as usize;
                let mut state = self.world.states[s].clone();
                let root = state.state_root();
                let err = shard::produce_block_from(
                    &mut state,
                    vec![],
                    BlockTemplate {
                        slot: self.slots[s] + 1,
                        incoming_receipts: vec![incoming],
                        ..BlockTemplate::default()
                    },
                    &ExecutionContext::new(true, &self.world.crosslinks),
                )
                .unwrap_err();
                assert!(matches!(
                    err,
                    BlockError::Receipt {
                        error: ReceiptError::AlreadyCredited { .. },
                        ..
                    }
                ));
                assert_eq!(state.state_root(), root);
            }
            Op::Restart { shard } => {
                let s = shard as usize;
                let mut state = self.genesis[s].clone();
                let context = ExecutionContext::new(true, &self.world.crosslinks);
                for block in &self.chains[s] {
                    shard::execute_block_with(&mut state, block, &context).unwrap();
                }
                assert_eq!(state.state_root(), self.world.states[s].state_root());
                assert_eq!(
                    state.recompute_root(),
                    self.world.states[s].recompute_root()
                );
                self.world.states[s] = state;
            }
        }
    }

    fn produce(&mut self, s: usize) {
        let slot = self.slots[s] + 1;
        let mut txs = std::mem::take(&mut self.buffers[s]);
        loop {
            let incoming = self
                .world
                .inbox
                .get(&(s as u64))
                .cloned()
                .unwrap_or_default();
            let before = self.world.states[s].state_root();
            match self.world.produce(s as u64, slot, txs.clone()) {
                Ok(produced) => {
                    self.slots[s] = slot;
                    self.chains[s].push(produced.block.clone());
                    for tx in &txs {
                        assert!(
                            self.used_nonces.insert((tx.from, tx.nonce)),
                            "nonce replayed"
                        );
                    }
                    self.included.extend(txs);
                    for r in incoming {
                        assert!(
                            self.credited_ids.insert((
                                r.receipt.source_shard,
                                s as u64,
                                r.receipt.index
                            )),
                            "receipt credited twice"
                        );
                        self.credited.push(r);
                    }
                    return;
                }
                Err(BlockError::Transaction { position, .. }) => {
                    // A transfer the sender cannot pay: drop it and every later one of that
                    // sender (their nonces now have a gap), state untouched.
                    assert_eq!(self.world.states[s].state_root(), before);
                    let from = txs[position].from;
                    let nonce = txs[position].nonce;
                    txs.retain(|t| t.from != from || t.nonce < nonce);
                }
                Err(BlockError::Receipt {
                    error: ReceiptError::OutOfOrder { .. },
                    ..
                }) => {
                    // A rotated inbox put a receipt before its predecessor: refused, state
                    // untouched; in (source, index) order it goes through.
                    assert_eq!(self.world.states[s].state_root(), before);
                    let inbox = self.world.inbox.entry(s as u64).or_default();
                    let sorted = inbox.windows(2).all(|w| {
                        (w[0].receipt.source_shard, w[0].receipt.index)
                            <= (w[1].receipt.source_shard, w[1].receipt.index)
                    });
                    assert!(!sorted, "an inbox in order was refused as out of order");
                    inbox.sort_by_key(|r| (r.receipt.source_shard, r.receipt.index));
                }
                Err(other) => panic!("unexpected refusal: {other}"),
            }
        }
    }

    fn check(&mut self) {
        assert_eq!(self.world.supply(), self.world.genesis_supply);
        let credited: u64 = self
            .world
            .states
            .iter()
            .map(|s| s.credited_receipt_count())
            .sum();
        assert_eq!(credited, self.credited_ids.len() as u64);
        for state in &mut self.world.states {
            assert_eq!(state.state_root(), state.recompute_root());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_workloads_conserve_supply_and_never_double_spend(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        let mut run = Run::new();
        for op in ops {
            run.apply(op);
            run.check();
        }
        // Drain: produce everywhere, crosslink, deliver, until no receipt is in flight.
        for _ in 0..3 {
            for s in 0..SHARDS as usize {
                run.produce(s);
            }
            run.world.crosslink_all();
            run.check();
        }
        for s in 0..SHARDS as usize {
            run.produce(s);
        }
        run.check();
        let sent: u128 = run.world.states.iter().map(|s| u128::from(s.receipts_sent_amount())).sum();
        let credited: u128 = run.world.states.iter().map(|s| u128::from(s.receipts_credited_amount())).sum();
        prop_assert_eq!(sent, credited);
    }
}
