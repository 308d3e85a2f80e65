//! The genesis of a network as a file (`genesis.toml`): the chain configuration, genesis time
//! included, and the accounts every shard starts with. `shardnode cluster` writes it; every
//! `shardnode node` of the network reads the same file and builds the same genesis.

use anyhow::{Context, Result};
use consensus::ChainConfig;
use serde::{Deserialize, Serialize};
use shard::GenesisAccounts;
use std::path::Path;

/// See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisFile {
    pub chain: ChainConfig,
    pub accounts: GenesisAccounts,
}

impl GenesisFile {
    /// Parses and validates the file's text.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        let file: Self = toml::from_str(text).context("not a genesis file")?;
        file.chain.validate().context("[chain]")?;
        anyhow::ensure!(
            file.accounts.accounts_per_shard >= 1,
            "[accounts] accounts_per_shard = 0: every shard needs an account"
        );
        let most = simulator::scenario::MAX_ACCOUNTS_PER_SHARD;
        anyhow::ensure!(
            file.accounts.accounts_per_shard <= most,
            "[accounts] accounts_per_shard = {} is over {most} (each genesis account's key is \
             ground at start-up)",
            file.accounts.accounts_per_shard
        );
        Ok(file)
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the genesis {}", path.display()))?;
        Self::from_toml_str(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let text = toml::to_string(self).context("cannot write the genesis as TOML")?;
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_values() {
        let file = GenesisFile {
            chain: ChainConfig::default(),
            accounts: GenesisAccounts {
                accounts_per_shard: 16,
                balance: 1_000_000,
            },
        };
        let text = toml::to_string(&file).unwrap();
        assert_eq!(GenesisFile::from_toml_str(&text).unwrap(), file);
        for (count, says) in [(0, "accounts_per_shard = 0"), (1 << 30, "is over")] {
            let bad = text.replace(
                "accounts_per_shard = 16",
                &format!("accounts_per_shard = {count}"),
            );
            let err = format!("{:#}", GenesisFile::from_toml_str(&bad).unwrap_err());
            assert!(err.contains(says), "{err}");
        }
        let bad = text.replace("slot_duration_ms = 6000", "slot_duration_ms = 5");
        let err = format!("{:#}", GenesisFile::from_toml_str(&bad).unwrap_err());
        assert!(err.contains("slot_duration_ms"), "{err}");
        let unknown = format!("{text}\nsurprise = 1\n");
        assert!(GenesisFile::from_toml_str(&unknown).is_err());
    }
}
