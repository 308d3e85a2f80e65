//! A node for the node-level tests: minimal preset, 64 validators, 1 s slots, an in-memory
//! store.

use beacon::node::{FakeTransactionVerifier, Genesis, Node, NodeConfig};
use beacon::store::{SimDisk, Store};
use consensus::bls::{interop_secret_key, Crypto};
use consensus::{ChainConfig, Minimal};
use shard::GenesisAccounts;
use std::sync::Arc;

pub const SLOT_MS: u64 = 1_000;

/// The configuration of a chain of `validator_count` validators, signing for `validators`.
pub fn config(
    validator_count: u64,
    validators: std::ops::Range<u64>,
    crypto: Crypto,
) -> NodeConfig<Minimal> {
    let chain = ChainConfig {
        validator_count,
        slot_duration_ms: SLOT_MS,
        ..ChainConfig::default()
    };
    let accounts = GenesisAccounts {
        accounts_per_shard: 4,
        balance: 1_000,
    };
    NodeConfig {
        genesis: Genesis::build(&chain, accounts).expect("genesis"),
        chain,
        validators: validators.map(|v| (v, interop_secret_key(v))).collect(),
        crypto,
        transaction_verifier: Arc::new(FakeTransactionVerifier::fake_for_simulation()),
        seed: 0,
        max_receipts_per_block: 16,
        history_epochs: Some(1),
        conduct: beacon::node::Conduct::honest(),
    }
}

/// A node of the 64-validator chain signing for `validators`, checking signatures with
/// `crypto`.
pub fn node(validators: std::ops::Range<u64>, crypto: Crypto) -> Node<Minimal> {
    let store = Store::open_sim(&SimDisk::new()).expect("store");
    Node::open(config(64, validators, crypto), store, 0).expect("node")
}
