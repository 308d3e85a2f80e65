//! Runtime chain configuration: what may change between runs without recompiling.
//!
//! Loaded from TOML (`ChainConfig::from_toml_str`); unknown keys are refused, and every value
//! is checked against its allowed range, with an error that names the field and the range.
//! There is deliberately no way to switch off signature checks or choose fake cryptography
//! here: a real node's configuration cannot reach them (see [`crate::bls::Crypto`]).

use crate::preset::{Preset, PresetName};
use serde::{Deserialize, Serialize};

/// The chain's runtime parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChainConfig {
    /// The type-level preset this configuration runs on.
    pub preset: PresetName,
    /// Shards that exist at run time (design D4): replaces `SHARD_COUNT` in the committee and
    /// shard formulas. Allowed: `SLOTS_PER_EPOCH ..= SHARD_COUNT` of the preset.
    pub active_shard_count: u64,
    /// Validators in the genesis registry (design D3, interop keys `0..validator_count`).
    pub validator_count: u64,
    /// Slot duration in milliseconds (the reference's `SECONDS_PER_SLOT` is 6 s).
    pub slot_duration_ms: u64,
    /// Genesis time, in seconds of the (real or virtual) clock.
    pub genesis_time: u64,
    /// Most transactions one shard block may carry.
    pub shard_block_max_transactions: u64,
    /// Most bytes one encoded shard block may take.
    pub shard_block_max_bytes: u64,
}

/// Largest genesis registry the configuration accepts (2^22 validators).
pub const MAX_VALIDATOR_COUNT: u64 = 1 << 22;

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            preset: PresetName::Minimal,
            active_shard_count: 8,
            validator_count: 256,
            slot_duration_ms: 6_000,
            genesis_time: 0,
            shard_block_max_transactions: 4_096,
            shard_block_max_bytes: 1 << 20,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("`{field}` = {value} is out of range: allowed {min} ..= {max}{context}")]
    OutOfRange {
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
        context: String,
    },
    #[error("configuration names preset `{configured}` but this code runs preset `{expected}`")]
    PresetMismatch {
        configured: PresetName,
        expected: &'static str,
    },
}

fn check(
    field: &'static str,
    value: u64,
    min: u64,
    max: u64,
    context: String,
) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::OutOfRange {
            field,
            value,
            min,
            max,
            context,
        })
    }
}

impl ChainConfig {
    /// The configuration under which every formula is exactly v0.8.4: all shards active.
    pub fn reference<P: Preset>() -> Self {
        Self {
            preset: if P::NAME == PresetName::Mainnet.as_str() {
                PresetName::Mainnet
            } else {
                PresetName::Minimal
            },
            active_shard_count: P::SHARD_COUNT,
            validator_count: P::SLOTS_PER_EPOCH * P::TARGET_COMMITTEE_SIZE,
            ..Self::default()
        }
    }

    /// Parses and validates a TOML document.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every field against its allowed range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let preset = self.preset;
        let spe = preset.slots_per_epoch();
        check(
            "active_shard_count",
            self.active_shard_count,
            1,
            preset.shard_count(),
            format!(" for the {preset} preset (at most SHARD_COUNT)"),
        )?;
        check(
            "validator_count",
            self.validator_count,
            spe,
            MAX_VALIDATOR_COUNT,
            format!(" for the {preset} preset (every slot's committee needs a member)"),
        )?;
        check(
            "slot_duration_ms",
            self.slot_duration_ms,
            100,
            600_000,
            String::new(),
        )?;
        check(
            "shard_block_max_transactions",
            self.shard_block_max_transactions,
            1,
            1 << 16,
            String::new(),
        )?;
        check(
            "shard_block_max_bytes",
            self.shard_block_max_bytes,
            1 << 10,
            1 << 24,
            String::new(),
        )?;
        Ok(())
    }

    /// Refuses a configuration written for another preset than the one `P` names.
    pub fn check_preset<P: Preset>(&self) -> Result<(), ConfigError> {
        if self.preset.as_str() == P::NAME {
            Ok(())
        } else {
            Err(ConfigError::PresetMismatch {
                configured: self.preset,
                expected: P::NAME,
            })
        }
    }

    /// Renders the configuration as TOML (every field, defaults included).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset::{Mainnet, Minimal};

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let config = ChainConfig::default();
        config.validate().unwrap();
        let text = config.to_toml_string();
        assert_eq!(ChainConfig::from_toml_str(&text).unwrap(), config);
        ChainConfig::reference::<Minimal>().validate().unwrap();
        let mainnet = ChainConfig::reference::<Mainnet>();
        mainnet.validate().unwrap();
        mainnet.check_preset::<Mainnet>().unwrap();
        assert!(mainnet.check_preset::<Minimal>().is_err());
    }

    #[test]
    fn out_of_range_names_field_and_range() {
        let err = ChainConfig::from_toml_str("active_shard_count = 9").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`active_shard_count` = 9"), "{text}");
        assert!(text.contains("1 ..= 8"), "{text}");
        let err = ChainConfig::from_toml_str("active_shard_count = 0").unwrap_err();
        assert!(
            err.to_string().contains("`active_shard_count` = 0"),
            "{err}"
        );
        ChainConfig::from_toml_str("active_shard_count = 1").expect("one shard is allowed");
        let err = ChainConfig::from_toml_str("preset = \"mainnet\"\nactive_shard_count = 2048")
            .unwrap_err()
            .to_string();
        assert!(err.contains("1 ..= 1024"), "{err}");
        let err = ChainConfig::from_toml_str("slot_duration_ms = 5")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`slot_duration_ms` = 5") && err.contains("100 ..= 600000"),
            "{err}"
        );
        let err = ChainConfig::from_toml_str("validator_count = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`validator_count` = 0"), "{err}");
    }

    #[test]
    fn unknown_or_mistyped_fields_are_refused() {
        let err = ChainConfig::from_toml_str("active_shards = 8")
            .unwrap_err()
            .to_string();
        assert!(err.contains("active_shards"), "{err}");
        let err = ChainConfig::from_toml_str("validator_count = \"many\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("validator_count"), "{err}");
        let err = ChainConfig::from_toml_str("preset = \"testnet\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("preset") || err.contains("testnet"), "{err}");
    }
}
