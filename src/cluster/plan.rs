//! What a cluster will run, from a scenario: the chain and genesis, each node's validators,
//! free loopback ports, data dirs and settings files. Scenario keys that only the simulator
//! can honour are refused here, with the reason.

use crate::runtime::genesis_file::GenesisFile;
use crate::runtime::settings::NodeSettings;
use anyhow::{bail, Context, Result};
use networking::p2p::identity;
use networking::p2p::libp2p::identity::Keypair;
use shard::GenesisAccounts;
use simulator::scenario::{CryptoMode, NetworkSpec};
use simulator::Scenario;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Seconds between writing the genesis and the genesis time: every node has started by then.
const STARTUP_SECONDS: u64 = 5;

/// One node of the plan.
#[derive(Clone, Debug)]
pub struct PlannedNode {
    pub index: usize,
    pub dir: PathBuf,
    pub settings_path: PathBuf,
    pub log: PathBuf,
    pub p2p: String,
    pub api: SocketAddr,
    pub metrics: SocketAddr,
    pub validators: Range<u64>,
    pub peer_id: String,
}

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct Plan {
    pub out: PathBuf,
    pub genesis: GenesisFile,
    pub genesis_path: PathBuf,
    pub nodes: Vec<PlannedNode>,
}

/// The scenario keys a real network cannot honour, set away from their defaults
/// (partitions are honoured by a cluster in network namespaces, `netns`).
pub fn simulation_only(scenario: &Scenario, netns: bool) -> Vec<String> {
    let default = Scenario::default();
    let mut refused = Vec::new();
    let network = &scenario.network;
    let plain = NetworkSpec::default();
    if network.latency != plain.latency {
        refused.push("network.latency (a latency model)".to_string());
    }
    if network.jitter_ms != plain.jitter_ms {
        refused.push("network.jitter_ms".to_string());
    }
    if network.loss != plain.loss {
        refused.push("network.loss".to_string());
    }
    if !network.links.is_empty() {
        refused.push("[[network.links]]".to_string());
    }
    let mut spans: Vec<(u64, u64)> = network
        .partitions
        .iter()
        .map(|p| (p.start_slot, p.heal_slot))
        .collect();
    spans.sort_unstable();
    if netns && spans.windows(2).any(|w| w[1].0 < w[0].1) {
        refused.push(
            "overlapping [[network.partitions]] (a cluster cuts one partition at a time)"
                .to_string(),
        );
    }
    if !network.partitions.is_empty() && !netns {
        refused.push("[[network.partitions]] (a cluster makes them real with --netns)".to_string());
    }
    if !scenario.faults.is_empty() {
        refused.push("[[faults]] (use `--kill NODE@SLOT` for crashes)".to_string());
    }
    if scenario.crypto != CryptoMode::Real {
        refused.push("crypto = \"fake\" (a real network checks every signature)".to_string());
    }
    if scenario.threads != default.threads {
        refused.push("threads".to_string());
    }
    refused
}

/// Binds `count` distinct free ports on 127.0.0.1 (held together, then released).
pub(crate) fn free_ports(count: usize) -> Result<Vec<u16>> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .context("cannot find free loopback ports")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

/// Builds the plan and writes its files under `out`: `genesis.toml`, and per node
/// `node-<i>/node.toml` and `node-<i>/network.key`. With `netns`, each node listens on its
/// namespace's addresses (libp2p on its data link, the API and metrics on its control link);
/// otherwise on free loopback ports.
pub fn write_plan(
    scenario: &Scenario,
    out: &Path,
    now_s: u64,
    netns: Option<&super::netns::Netns>,
) -> Result<Plan> {
    let refused = simulation_only(scenario, netns.is_some());
    if !refused.is_empty() {
        bail!(
            "these scenario keys only a simulation can honour; a cluster refuses them: {}",
            refused.join(", ")
        );
    }
    let mut chain = scenario.chain_config();
    chain.genesis_time = now_s + STARTUP_SECONDS;
    chain.validate().context("chain configuration")?;
    let genesis = GenesisFile {
        chain,
        accounts: GenesisAccounts {
            accounts_per_shard: scenario.workload.accounts_per_shard,
            balance: scenario.workload.account_balance,
        },
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let genesis_path = out.join("genesis.toml");
    genesis.write(&genesis_path)?;
    let ranges = scenario.validator_ranges();
    // Node i's libp2p, API and metrics addresses.
    let addresses: Vec<(Ipv4Addr, u16, SocketAddr, SocketAddr)> = match netns {
        Some(ns) => (0..ranges.len())
            .map(|i| {
                let control = ns.control_ip(i);
                (
                    ns.data_ip(i),
                    9000,
                    SocketAddr::from((control, 5052)),
                    SocketAddr::from((control, 5054)),
                )
            })
            .collect(),
        None => {
            let ports = free_ports(3 * ranges.len())?;
            let loopback = Ipv4Addr::LOCALHOST;
            (0..ranges.len())
                .map(|i| {
                    (
                        loopback,
                        ports[3 * i],
                        SocketAddr::from((loopback, ports[3 * i + 1])),
                        SocketAddr::from((loopback, ports[3 * i + 2])),
                    )
                })
                .collect()
        }
    };
    let keys: Vec<Keypair> = ranges.iter().map(|_| Keypair::generate_ed25519()).collect();
    let p2p: Vec<String> = (0..ranges.len())
        .map(|i| {
            let (host, port, _, _) = addresses[i];
            format!(
                "/ip4/{host}/tcp/{port}/p2p/{}",
                keys[i].public().to_peer_id()
            )
        })
        .collect();
    let mut nodes = Vec::new();
    for (index, validators) in ranges.into_iter().enumerate() {
        let dir = out.join(format!("node-{index}"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        identity::write_key(&dir.join("network.key"), &keys[index])
            .with_context(|| format!("cannot write the key of node {index}"))?;
        let (host, port, api, metrics) = addresses[index];
        let settings = NodeSettings {
            data_dir: dir.clone(),
            genesis: genesis_path.clone(),
            listen: format!("/ip4/{host}/tcp/{port}"),
            bootnodes: p2p
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != index)
                .map(|(_, a)| a.clone())
                .collect(),
            validators: format!("{}..{}", validators.start, validators.end),
            api,
            metrics,
            log_level: "info".into(),
            journal_signatures: true,
        };
        let settings_path = dir.join("node.toml");
        std::fs::write(&settings_path, toml::to_string(&settings)?)
            .with_context(|| format!("cannot write {}", settings_path.display()))?;
        nodes.push(PlannedNode {
            index,
            log: dir.join("node.log"),
            dir,
            settings_path,
            p2p: p2p[index].clone(),
            api: settings.api,
            metrics: settings.metrics,
            validators,
            peer_id: keys[index].public().to_peer_id().to_string(),
        });
    }
    Ok(Plan {
        out: out.to_path_buf(),
        genesis,
        genesis_path,
        nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_only_keys_are_named() {
        assert!(simulation_only(&Scenario::default(), false).is_empty());
        let mut scenario = Scenario::default();
        scenario.set("loss", "0.1").unwrap();
        scenario.set("crypto", "fake").unwrap();
        let refused = simulation_only(&scenario, false);
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert!(refused[0].contains("network.loss"));
        assert!(refused[1].contains("crypto"));
    }
}
