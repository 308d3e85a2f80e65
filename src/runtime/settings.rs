//! What `shardnode node` runs with: from a TOML file (`--config`), each value overridable by
//! its flag. Every value is checked before the node starts, and a bad one is refused with its
//! name.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::ops::Range;
use std::path::PathBuf;

/// A node's settings. In TOML, every key is optional but `data_dir` and `genesis`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSettings {
    /// Where the node keeps its database (`chain.redb`), its network key (`network.key`).
    pub data_dir: PathBuf,
    /// The network's genesis file (written by `shardnode cluster`, or by hand).
    pub genesis: PathBuf,
    /// The libp2p listen address.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Peers to dial at start and whenever they are away (libp2p multiaddrs).
    #[serde(default)]
    pub bootnodes: Vec<String>,
    /// The validators this node signs for: `START..END` (interop keys; end excluded), or empty.
    #[serde(default)]
    pub validators: String,
    /// The HTTP API address.
    #[serde(default = "default_api")]
    pub api: SocketAddr,
    /// The Prometheus metrics address.
    #[serde(default = "default_metrics")]
    pub metrics: SocketAddr,
    /// `error`, `warn`, `info`, `debug` or `trace`, or a tracing filter such as
    /// `info,networking=debug`.
    #[serde(default = "default_log_level")]
    pub log_level: String,
    /// Append every slashable message the validators sign to `signed.jsonl` in the data dir,
    /// before it is published (for `shardnode slashing-protection audit`).
    #[serde(default)]
    pub journal_signatures: bool,
}

fn default_listen() -> String {
    "/ip4/127.0.0.1/tcp/9000".into()
}

fn default_api() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5052))
}

fn default_metrics() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5054))
}

fn default_log_level() -> String {
    "info".into()
}

impl NodeSettings {
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let settings: Self = toml::from_str(text).context("not a node settings file")?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every value that can be checked without the network.
    pub fn validate(&self) -> Result<()> {
        self.listen_addr()?;
        self.bootnode_addrs()?;
        self.validator_range()?;
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<networking::p2p::libp2p::Multiaddr> {
        self.listen
            .parse()
            .with_context(|| format!("`listen` = {:?} is not a multiaddr", self.listen))
    }

    pub fn bootnode_addrs(&self) -> Result<Vec<networking::p2p::libp2p::Multiaddr>> {
        self.bootnodes
            .iter()
            .enumerate()
            .map(|(i, text)| {
                text.parse()
                    .with_context(|| format!("`bootnodes[{i}]` = {text:?} is not a multiaddr"))
            })
            .collect()
    }

    /// The validator indices, from `validators`.
    pub fn validator_range(&self) -> Result<Range<u64>> {
        parse_range(&self.validators).with_context(|| {
            format!(
                "`validators` = {:?}: expected START..END (end excluded) or nothing",
                self.validators
            )
        })
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("chain.redb")
    }

    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("network.key")
    }

    pub fn journal_path(&self) -> PathBuf {
        self.data_dir.join(crate::signing_journal::JOURNAL_FILE)
    }
}

/// `START..END` (or empty: no validators).
pub fn parse_range(text: &str) -> Result<Range<u64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0..0);
    }
    let Some((start, end)) = text.split_once("..") else {
        bail!("no `..`");
    };
    let start: u64 = start.trim().parse().context("START is not a number")?;
    let end: u64 = end.trim().parse().context("END is not a number")?;
    if end < start {
        bail!("END {end} is before START {start}");
    }
    Ok(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_defaults_and_bad_values_are_named() {
        let settings = NodeSettings::from_toml_str(
            "data_dir = \"/tmp/n0\"\ngenesis = \"/tmp/genesis.toml\"\n",
        )
        .unwrap();
        assert_eq!(settings.listen, "/ip4/127.0.0.1/tcp/9000");
        assert_eq!(settings.validator_range().unwrap(), 0..0);
        let bad = "data_dir = \"d\"\ngenesis = \"g\"\nvalidators = \"9..3\"\n";
        let err = format!("{:#}", NodeSettings::from_toml_str(bad).unwrap_err());
        assert!(err.contains("`validators`"), "{err}");
        let bad = "data_dir = \"d\"\ngenesis = \"g\"\nlisten = \"nowhere\"\n";
        let err = format!("{:#}", NodeSettings::from_toml_str(bad).unwrap_err());
        assert!(err.contains("`listen`"), "{err}");
        assert!(NodeSettings::from_toml_str("data_dir = \"d\"\n").is_err());
        assert!(NodeSettings::from_toml_str("data_dir = \"d\"\ngenesis = \"g\"\nx = 1").is_err());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("0..64").unwrap(), 0..64);
        assert_eq!(parse_range(" 64 .. 128 ").unwrap(), 64..128);
        assert!(parse_range("64").is_err());
        assert!(parse_range("a..b").is_err());
    }
}
