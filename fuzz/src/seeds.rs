//! The first corpus: valid encodings of every input class, so the mutator starts from what a
//! node really exchanges. Wire bytes are captured from a short simulated run (4 nodes, fake
//! signatures, a double-voting and an equivocating node so slashings are gossiped, a crash and
//! restart so blocks are requested and served); files are the defaults and the repository's
//! scenarios; API requests are every documented path and a signed transaction. `shardnode-fuzz
//! seed` writes them under `fuzz/corpus/` (which is committed), beside what runs found.

use crate::targets::wire::{chain, topic_of};
use beacon::node::Output;
use beacon::slashing_protection::SlashingRecord;
use consensus::sszx::encode;
use networking::rpc::Protocol;
use networking::Topic;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Seeds by target name.
pub type Seeds = BTreeMap<&'static str, Vec<Vec<u8>>>;

const SCENARIO: &str = r#"
seed = 11
epochs = 6
crypto = "fake"

[[adversaries]]
kind = "double_vote"
nodes = [2]
from_epoch = 1

[[adversaries]]
kind = "equivocate"
nodes = [1]
from_epoch = 2

[[faults]]
kind = "crash"
node = 3
at_slot = 10
restart_slot = 20
"#;

/// What the run sent, by topic and by protocol.
#[derive(Default)]
struct Captured {
    gossip: BTreeMap<Topic, Vec<Vec<u8>>>,
    requests: BTreeMap<Protocol, Vec<Vec<u8>>>,
    responses: BTreeMap<Protocol, Vec<Vec<u8>>>,
    anchor: Option<Vec<u8>>,
}

fn capture() -> anyhow::Result<Captured> {
    let scenario = simulator::Scenario::from_toml_str(SCENARIO)?;
    let captured = Arc::new(Mutex::new(Captured::default()));
    let into = captured.clone();
    let tap: simulator::OutputTap = Box::new(move |_, _, output| {
        let Ok(mut c) = into.lock() else { return };
        match output {
            Output::Publish { topic, bytes } => {
                c.gossip.entry(*topic).or_default().push(bytes.to_vec())
            }
            Output::SendRequest {
                protocol, bytes, ..
            } => c
                .requests
                .entry(*protocol)
                .or_default()
                .push(bytes.to_vec()),
            Output::SendResponse {
                protocol, bytes, ..
            } => c
                .responses
                .entry(*protocol)
                .or_default()
                .push(bytes.to_vec()),
            _ => {}
        }
    });
    let anchor = Arc::new(Mutex::new(None));
    let anchor_into = anchor.clone();
    simulator::run_scenario_with(&scenario, &mut |_| {}, Some(tap), &mut |finished| {
        if let simulator::FinishedNodes::Minimal(sim) = finished {
            let bytes = sim.node(0).and_then(|n| n.store().anchor().ok().flatten());
            if let Ok(mut a) = anchor_into.lock() {
                *a = bytes;
            }
        }
    })?;
    let mut captured = std::mem::take(&mut *captured.lock().map_err(|_| anyhow::anyhow!("lock"))?);
    captured.anchor = anchor.lock().ok().and_then(|mut a| a.take());
    Ok(captured)
}

/// Up to `n` of `items`, spread over their sizes (the smallest, the largest and between), each
/// distinct.
fn spread(mut items: Vec<Vec<u8>>, n: usize) -> Vec<Vec<u8>> {
    items.sort_by_key(|i| i.len());
    items.dedup();
    if items.len() <= n {
        return items;
    }
    let last = items.len() - 1;
    (0..n)
        .map(|k| items[k * last / (n - 1).max(1)].clone())
        .collect()
}

fn snappy(bytes: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new()
        .compress_vec(bytes)
        .unwrap_or_default()
}

fn unsnappy(bytes: &[u8]) -> Option<Vec<u8>> {
    snap::raw::Decoder::new().decompress_vec(bytes).ok()
}

fn frame(protocol: Protocol, body: &[u8]) -> Vec<u8> {
    let mut out = vec![protocol.code()];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn wire_seeds(captured: &Captured, seeds: &mut Seeds) {
    for target in crate::targets::wire::targets() {
        let Some(topic) = topic_of(target.name) else {
            continue;
        };
        let mut found = captured.gossip.get(&topic).cloned().unwrap_or_default();
        if topic == Topic::VoluntaryExit && found.is_empty() {
            // No exit is valid before epoch 2048, so none is gossiped: a well-formed one.
            let exit = consensus::VoluntaryExit {
                epoch: 3,
                validator_index: 5,
                signature: Default::default(),
            };
            found.extend(encode(&exit).ok().map(|b| snappy(&b)));
        }
        seeds.insert(target.name, spread(found, 6));
    }
    for protocol in Protocol::ALL {
        let requests = captured
            .requests
            .get(&protocol)
            .cloned()
            .unwrap_or_default();
        let responses = captured
            .responses
            .get(&protocol)
            .cloned()
            .unwrap_or_default();
        let request_name: &'static str = match protocol {
            Protocol::Status => "request_status",
            Protocol::BeaconBlocksByRange => "request_beacon_blocks_by_range",
            Protocol::BeaconBlocksByRoot => "request_beacon_blocks_by_root",
            Protocol::ShardBlocksByRange => "request_shard_blocks_by_range",
        };
        let response_name: &'static str = match protocol {
            Protocol::Status => "response_status",
            Protocol::BeaconBlocksByRange => "response_beacon_blocks_by_range",
            Protocol::BeaconBlocksByRoot => "response_beacon_blocks_by_root",
            Protocol::ShardBlocksByRange => "response_shard_blocks_by_range",
        };
        let frames = seeds.entry("rpc_frame").or_default();
        frames.extend(requests.iter().take(2).map(|b| frame(protocol, b)));
        frames.extend(responses.iter().take(1).map(|b| frame(protocol, b)));
        seeds.insert(request_name, spread(requests, 4));
        seeds.insert(response_name, spread(responses, 4));
    }
    let mut ssz = |name: &'static str, topic: Topic| {
        let bodies = captured
            .gossip
            .get(&topic)
            .map(|all| all.iter().filter_map(|b| unsnappy(b)).collect())
            .unwrap_or_default();
        seeds.insert(name, spread(bodies, 4));
    };
    ssz("ssz_beacon_block", Topic::BeaconBlock);
    ssz("ssz_shard_block", Topic::ShardBlock(1));
    seeds.insert("ssz_anchor", captured.anchor.iter().cloned().collect());
}

fn state_seeds(seeds: &mut Seeds) -> anyhow::Result<()> {
    let small = consensus::ChainConfig {
        validator_count: 64,
        ..chain().clone()
    };
    let state = beacon::genesis::genesis_from_config::<consensus::Minimal>(&small)?;
    let state_bytes = encode(&state).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    seeds.insert("ssz_beacon_state", vec![state_bytes]);
    if seeds.get("ssz_anchor").is_none_or(|a| a.is_empty()) {
        // The run did not finalize far enough to write one: an anchor around the genesis
        // state, with shard and crosslink entries so its lists are not empty.
        let anchor = beacon::node::anchor::Anchor::<consensus::Minimal> {
            state,
            canonical_blocks: 3,
            shards: vec![Default::default(); 2].try_into().unwrap_or_default(),
            crosslinks: vec![Default::default(); 2].try_into().unwrap_or_default(),
            ..Default::default()
        };
        let bytes = encode(&anchor).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        seeds.insert("ssz_anchor", vec![bytes]);
    }
    let records = [
        SlashingRecord::default(),
        SlashingRecord {
            last_block_slot: Some(17),
            max_source_epoch: Some(2),
            max_target_epoch: Some(3),
            shard_block_slots: BTreeMap::from([(0, 9), (5, 16)]),
        },
    ];
    seeds.insert(
        "slashing_record",
        records.iter().map(SlashingRecord::to_bytes).collect(),
    );
    Ok(())
}

fn file_seeds(repo: &Path, seeds: &mut Seeds) -> anyhow::Result<()> {
    seeds.insert(
        "chain_config_toml",
        vec![toml_of(&consensus::ChainConfig::default())?],
    );
    seeds.insert(
        "node_settings_toml",
        vec![br#"data_dir = "/tmp/node0"
genesis = "/tmp/genesis.toml"
listen = "/ip4/127.0.0.1/tcp/9000"
bootnodes = ["/ip4/127.0.0.1/tcp/9001"]
validators = "0..64"
api = "127.0.0.1:5052"
metrics = "127.0.0.1:5054"
log_level = "info"
"#
        .to_vec()],
    );
    let genesis = shardnode::runtime::genesis_file::GenesisFile {
        chain: consensus::ChainConfig::default(),
        accounts: shard::GenesisAccounts {
            accounts_per_shard: 16,
            balance: 1_000_000,
        },
    };
    seeds.insert("genesis_toml", vec![toml_of(&genesis)?]);
    let mut scenarios = vec![
        simulator::Scenario::default()
            .to_toml_string()?
            .into_bytes(),
        SCENARIO.as_bytes().to_vec(),
    ];
    scenarios.extend(std::fs::read(repo.join("scenarios/heavy.toml")).ok());
    seeds.insert("scenario_toml", scenarios);
    let record = SlashingRecord {
        last_block_slot: Some(40),
        max_source_epoch: Some(3),
        max_target_epoch: Some(4),
        shard_block_slots: BTreeMap::from([(1, 39)]),
    };
    let keys = shardnode::interchange::ChainKeys::new(
        [0x42; 32],
        (0..4u8).map(|i| [0xa0 + i; 48]).collect(),
    );
    let file = shardnode::interchange::Interchange::export(&keys, &BTreeMap::from([(1, record)]))?;
    seeds.insert("interchange_json", vec![file.to_json().into_bytes()]);
    Ok(())
}

fn toml_of<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    Ok(toml::to_string(value)?.into_bytes())
}

fn api_seeds(repo: &Path, seeds: &mut Seeds) -> anyhow::Result<()> {
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("docs/openapi.json"))?)?;
    let mut requests = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) {
        for (path, methods) in paths {
            let concrete = path
                .replace("{block_id}", "head")
                .replace("{state_id}", "finalized")
                .replace("{validator_id}", "3")
                .replace("{address}", &format!("0x{}", "ab".repeat(32)))
                .replace("{hash}", &format!("0x{}", "cd".repeat(32)));
            let concrete = if concrete == "/eth/v1/events" {
                "/eth/v1/events?topics=head,finalized_checkpoint".to_string()
            } else {
                concrete
            };
            if methods.get("get").is_some() {
                requests.push(format!("GET {concrete}\n\n").into_bytes());
            }
        }
    }
    let keys = shard::genesis::genesis_keys(1, chain().active_shard_count, 2)?;
    if let [(_, from), (_, to)] = keys.as_slice() {
        let tx =
            shard::Transaction::signed_transfer(from, shard::transaction::address_of(to), 10, 1, 0);
        let json = serde_json::json!([{
            "from": format!("0x{}", hex::encode(tx.from.0)),
            "to": format!("0x{}", hex::encode(tx.to.0)),
            "amount": tx.amount.to_string(),
            "fee": tx.fee.to_string(),
            "nonce": tx.nonce.to_string(),
            "signature": format!("0x{}", hex::encode(tx.signature.0)),
        }]);
        requests.push(
            format!("POST /shardnode/v1/transactions\ncontent-type: application/json\n\n{json}")
                .into_bytes(),
        );
        let mut ssz =
            b"POST /shardnode/v1/transactions\ncontent-type: application/octet-stream\n\n".to_vec();
        ssz.extend(encode(&tx).map_err(|e| anyhow::anyhow!("{e:?}"))?);
        requests.push(ssz);
    }
    seeds.insert("api_request", requests);
    Ok(())
}

/// Every target's seeds; `repo` is the repository root (for the scenarios and the API spec).
pub fn generate(repo: &Path) -> anyhow::Result<Seeds> {
    let mut seeds = Seeds::new();
    let captured = capture()?;
    wire_seeds(&captured, &mut seeds);
    state_seeds(&mut seeds)?;
    file_seeds(repo, &mut seeds)?;
    api_seeds(repo, &mut seeds)?;
    Ok(seeds)
}
