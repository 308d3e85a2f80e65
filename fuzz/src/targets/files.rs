//! Files a user writes or hands over: the chain configuration, a node's settings, a network's
//! genesis file, a simulator scenario, and an EIP-3076 interchange file. Each is read as the
//! CLI reads it (UTF-8 first, then the parser, then the validation).

use crate::target::{refused, Encoding, Target, Verdict};
use shardnode::interchange::{ChainKeys, Interchange};
use std::sync::OnceLock;

fn text(bytes: &[u8]) -> Result<&str, Verdict> {
    std::str::from_utf8(bytes).map_err(|_| Verdict::Refused("not UTF-8".into()))
}

fn verdict<T, E: std::fmt::Display>(result: Result<T, E>) -> Verdict {
    match result {
        Ok(_) => Verdict::Accepted,
        Err(e) => refused(e),
    }
}

fn chain_config(bytes: &[u8]) -> Verdict {
    match text(bytes) {
        Ok(t) => verdict(consensus::ChainConfig::from_toml_str(t)),
        Err(v) => v,
    }
}

fn node_settings(bytes: &[u8]) -> Verdict {
    match text(bytes) {
        Ok(t) => verdict(
            shardnode::runtime::settings::NodeSettings::from_toml_str(t).and_then(|s| {
                s.validate()?;
                s.validator_range()?;
                s.listen_addr()?;
                s.bootnode_addrs()
            }),
        ),
        Err(v) => v,
    }
}

fn genesis(bytes: &[u8]) -> Verdict {
    match text(bytes) {
        Ok(t) => verdict(shardnode::runtime::genesis_file::GenesisFile::from_toml_str(t)),
        Err(v) => v,
    }
}

fn scenario(bytes: &[u8]) -> Verdict {
    match text(bytes) {
        Ok(t) => verdict(simulator::Scenario::from_toml_str(t)),
        Err(v) => v,
    }
}

/// A chain of 4 validators with made-up keys (the decoder only maps keys to indices).
fn keys() -> &'static ChainKeys {
    static KEYS: OnceLock<ChainKeys> = OnceLock::new();
    KEYS.get_or_init(|| ChainKeys::new([0x42; 32], (0..4u8).map(|i| [0xa0 + i; 48]).collect()))
}

fn interchange(bytes: &[u8]) -> Verdict {
    match text(bytes) {
        Ok(t) => verdict(Interchange::parse(t).and_then(|f| f.records(keys()))),
        Err(v) => v,
    }
}

pub fn targets() -> Vec<Target> {
    let file = |name, run| Target {
        name,
        encoding: Encoding::Text,
        run,
    };
    vec![
        file("chain_config_toml", chain_config),
        file("node_settings_toml", node_settings),
        file("genesis_toml", genesis),
        file("scenario_toml", scenario),
        file("interchange_json", interchange),
    ]
}
