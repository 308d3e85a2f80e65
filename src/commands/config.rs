//! `shardnode config [FILE]`: validate a chain configuration and print it in full.

use anyhow::Context;
use consensus::ChainConfig;
use std::io::Write;
use std::path::Path;

pub fn run(file: Option<&Path>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let config = load(file)?;
    write!(out, "{}", config.to_toml_string())?;
    Ok(())
}

/// Reads and validates a configuration file, or gives the defaults without one.
pub fn load(file: Option<&Path>) -> anyhow::Result<ChainConfig> {
    Ok(match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            ChainConfig::from_toml_str(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => ChainConfig::default(),
    })
}
