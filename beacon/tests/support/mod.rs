//! A node for the node-level tests: minimal preset, 64 validators, 1 s slots, an in-memory
//! store.

use beacon::node::{FakeTransactionVerifier, Genesis, Node, NodeConfig};
use beacon::store::{SimDisk, Store};
use consensus::bls::{interop_secret_key, Crypto};
use consensus::{ChainConfig, Minimal};
use shard::GenesisAccounts;
use std::sync::Arc;

pub const SLOT_MS: u64 = 1_000;

/// A node signing for `validators`, checking signatures with `crypto`.
pub fn node(validators: std::ops::Range<u64>, crypto: Crypto) -> Node<Minimal> {
    let chain = ChainConfig {
        validator_count: 64,
        slot_duration_ms: SLOT_MS,
        ..ChainConfig::default()
    };
    let accounts = GenesisAccounts {
        accounts_per_shard: 4,
        balance: 1_000,
    };
    let config = NodeConfig {
        genesis: Genesis::build(&chain, accounts).expect("genesis"),
        chain,
        validators: validators.map(|v| (v, interop_secret_key(v))).collect(),
        crypto,
        transaction_verifier: Arc::new(FakeTransactionVerifier::fake_for_simulation()),
        seed: 0,
        max_receipts_per_block: 16,
        history_epochs: Some(1),
        conduct: beacon::node::Conduct::honest(),
    };
    let store = Store::open_sim(&SimDisk::new()).expect("store");
    Node::open(config, store, 0).expect("node")
}
