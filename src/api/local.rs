//! A node in memory with its API state, no network: every validator of the genesis on one
//! node, a simulated store, the node on its own thread. For tests and benches that call the
//! router directly (`tower::ServiceExt::oneshot`); gossip the node publishes is dropped.

use super::ApiState;
use crate::metrics::NodeMetrics;
use crate::runtime::clock::WallClock;
use crate::runtime::stats::RuntimeStats;
use crate::runtime::tap::Tap;
use crate::runtime::worker;
use anyhow::{Context, Result};
use beacon::node::{DirectTransactionVerifier, Genesis, Node, NodeConfig};
use beacon::store::{SimDisk, Store};
use consensus::bls::{interop_secret_key, Crypto};
use consensus::{ChainConfig, Preset};
use shard::GenesisAccounts;
use std::sync::{Arc, Mutex};

/// The API state of a running in-memory node, and its thread.
pub struct LocalNode<P: Preset> {
    pub chain: ChainConfig,
    pub state: ApiState<P>,
    pub thread: std::thread::JoinHandle<Node<P>>,
}

/// Starts a node of the default chain with `validators` (genesis at time 0 of its clock) and
/// `accounts`, holding every validator's key and checking signatures for real.
pub fn start<P: Preset>(validators: u64, accounts: GenesisAccounts) -> Result<LocalNode<P>> {
    let chain = ChainConfig {
        validator_count: validators,
        genesis_time: 0,
        ..ChainConfig::default()
    };
    let genesis = Genesis::<P>::build(&chain, accounts).context("genesis")?;
    let config = NodeConfig {
        chain: chain.clone(),
        genesis,
        validators: (0..chain.validator_count)
            .map(|v| (v, interop_secret_key(v)))
            .collect(),
        crypto: Crypto::Real,
        transaction_verifier: Arc::new(DirectTransactionVerifier),
        seed: 0,
        max_receipts_per_block: 256,
        history_epochs: None,
        conduct: beacon::node::Conduct::honest(),
    };
    let store = Store::open_sim(&SimDisk::new()).context("store")?;
    let node = Node::open(config, store, 0).context("node")?;
    let metrics = NodeMetrics::new().context("metrics")?;
    let clock = WallClock::new(chain.genesis_time, chain.slot_duration_ms);
    let tap = Tap::new(metrics.clone(), clock);
    let (events, txs) = (tap.events.sender(), tap.txs.clone());
    let started = worker::spawn(node, tap).context("node thread")?;
    // Outputs (gossip of submitted transactions, blocks) have nowhere to go: drain them.
    let mut outputs = started.outputs;
    std::thread::spawn(move || while outputs.blocking_recv().is_some() {});
    let shards = chain.active_shard_count;
    Ok(LocalNode {
        chain,
        state: ApiState {
            node: started.handle,
            stats: Arc::new(Mutex::new(RuntimeStats::new(shards))),
            clock,
            metrics,
            events,
            txs,
        },
        thread: started.thread,
    })
}
