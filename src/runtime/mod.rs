//! # runtime: the real node (`shardnode node`)
//!
//! The same `beacon::Node` the simulator runs, on tokio with libp2p and a redb file:
//! [`worker`] puts the node on its own thread, [`driver`] moves bytes and time between it and
//! the libp2p service, [`clock`] turns the wall clock into ticks, [`stats`] counts what the
//! status API reports, [`settings`] and [`genesis_file`] are what a node is started with.
//!
//! Startup: read the genesis file, build the genesis (every node of the network builds the
//! same), open the database in the data dir (a second process on it is refused), load or
//! create the network key, reopen the node from the store (head, finality, slashing
//! protection and shard chains come back; the rest syncs from peers), then run until SIGINT or
//! SIGTERM, and flush the store durably on the way out.

pub mod clock;
pub mod driver;
pub mod events;
pub mod genesis_file;
pub mod settings;
pub mod stats;
pub mod tap;
pub mod tx_index;
pub mod worker;

use anyhow::{bail, Context, Result};
use beacon::node::{DirectTransactionVerifier, Genesis, Node, NodeConfig};
use beacon::store::{Store, StoreError};
use clock::WallClock;
use consensus::bls::{interop_secret_key, Crypto};
use consensus::{Mainnet, Minimal, Preset, PresetName};
use genesis_file::GenesisFile;
use networking::p2p::{identity, Network, P2pConfig};
use networking::Limits;
use settings::NodeSettings;
use stats::RuntimeStats;
use std::sync::{Arc, Mutex};

/// Sets up logging to stderr at `level` (a level or a tracing filter).
pub fn init_logging(level: &str) -> Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .with_context(|| format!("`log_level` = {level:?} is not a level or filter"))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    Ok(())
}

/// Runs one node until it is told to stop.
pub fn run(settings: NodeSettings) -> Result<()> {
    settings.validate()?;
    init_logging(&settings.log_level)?;
    let genesis = GenesisFile::read(&settings.genesis)?;
    match genesis.chain.preset {
        PresetName::Minimal => run_preset::<Minimal>(settings, genesis),
        PresetName::Mainnet => run_preset::<Mainnet>(settings, genesis),
    }
}

fn run_preset<P: Preset>(settings: NodeSettings, genesis: GenesisFile) -> Result<()> {
    let chain = genesis.chain.clone();
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create the data dir {}", settings.data_dir.display()))?;
    let database = settings.database_path();
    let metrics = crate::metrics::NodeMetrics::new().context("defining the metrics")?;
    let mut store = match Store::open_file(&database) {
        Ok(store) => store,
        Err(StoreError::InUse) => bail!(
            "the data dir {} is in use by another running node (its database {} is locked); \
             one node per data dir",
            settings.data_dir.display(),
            database.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("opening {}", database.display())),
    };
    store.set_commit_hook(Box::new(crate::metrics::CommitTimer(metrics.clone())));
    let range = settings.validator_range()?;
    if range.end > chain.validator_count {
        bail!(
            "`validators` = {:?} goes past the genesis registry of {} validators",
            settings.validators,
            chain.validator_count
        );
    }
    let started = std::time::Instant::now();
    let genesis_states =
        Genesis::<P>::build(&chain, genesis.accounts).context("building genesis")?;
    let config = NodeConfig {
        chain: chain.clone(),
        genesis: genesis_states,
        validators: range.clone().map(|v| (v, interop_secret_key(v))).collect(),
        crypto: Crypto::Real,
        transaction_verifier: Arc::new(DirectTransactionVerifier),
        seed: range.start,
        max_receipts_per_block: 256,
        history_epochs: None,
        conduct: beacon::node::Conduct::honest(),
    };
    let clock = WallClock::new(chain.genesis_time, chain.slot_duration_ms);
    let node = Node::open(config, store, clock.now_ms()).context("opening the node")?;
    let summary = node.summary();
    tracing::info!(
        genesis = %summary.genesis_root,
        head_slot = summary.head_slot,
        finalized_epoch = summary.finalized.epoch,
        validators = range.end - range.start,
        setup_ms = started.elapsed().as_millis() as u64,
        "node open"
    );
    let key = identity::load_or_create(&settings.key_path())
        .with_context(|| format!("network key {}", settings.key_path().display()))?;
    let network_name = hex::encode(&summary.genesis_root.0[..4]);
    let mut p2p = P2pConfig::new(
        key,
        settings.listen_addr()?,
        &network_name,
        chain.active_shard_count,
        Limits::from_config(&chain),
    );
    p2p.bootnodes = settings.bootnode_addrs()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting tokio")?;
    let thread = runtime.block_on(async {
        let network = Network::new(p2p).context("starting the network")?;
        let stats = Arc::new(Mutex::new(RuntimeStats::new(chain.active_shard_count)));
        if let Ok(mut stats) = stats.lock() {
            stats.peer_id = network.local_peer_id().to_string();
        }
        tracing::info!(peer_id = %network.local_peer_id(), "network up");
        let mut tap = tap::Tap::new(metrics.clone(), clock);
        let indexed = tap.index_history(&node);
        tracing::info!(
            transactions = indexed,
            "transaction index rebuilt from the shard chains"
        );
        if settings.journal_signatures {
            tap.journal = Some(crate::signing_journal::Journal::open(
                &settings.journal_path(),
            )?);
        }
        let events = tap.events.sender();
        let txs = tap.txs.clone();
        let worker::Started {
            handle,
            outputs,
            thread,
        } = worker::spawn(node, tap).context("starting the node thread")?;
        let listener = tokio::net::TcpListener::bind(settings.api)
            .await
            .with_context(|| format!("cannot bind the API to {}", settings.api))?;
        let (stop_api, api_stopped) = tokio::sync::watch::channel(false);
        let api_state = crate::api::ApiState {
            node: handle.clone(),
            stats: stats.clone(),
            clock,
            metrics: metrics.clone(),
            events,
            txs,
        };
        let router = crate::api::router(api_state.clone());
        let metrics_listener = tokio::net::TcpListener::bind(settings.metrics)
            .await
            .with_context(|| format!("cannot bind the metrics endpoint to {}", settings.metrics))?;
        let metrics_router = crate::api::metrics_router(api_state);
        let mut metrics_stopped = api_stopped.clone();
        let metrics_server = tokio::spawn(async move {
            let _ = axum::serve(metrics_listener, metrics_router)
                .with_graceful_shutdown(async move {
                    let _ = metrics_stopped.wait_for(|stop| *stop).await;
                })
                .await;
        });
        let api = tokio::spawn(async move {
            let mut stopped = api_stopped;
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        });
        tracing::info!(api = %settings.api, metrics = %settings.metrics, "HTTP API and metrics up");
        let driver = driver::Driver::new(network, handle, outputs, clock, stats, metrics);
        driver.run(shutdown_signal()).await;
        tracing::info!("stopping");
        let _ = stop_api.send(true);
        let _ = api.await;
        let _ = metrics_server.await;
        anyhow::Ok(thread)
    })?;
    // Every handle is gone: the node thread flushes the store durably and ends.
    match thread.join() {
        Ok(_) => {
            tracing::info!("stopped");
            Ok(())
        }
        Err(_) => bail!("the node thread panicked"),
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
