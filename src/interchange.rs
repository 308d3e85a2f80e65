//! The EIP-3076 slashing-protection interchange (format version 5): how a validator's signing
//! history leaves one node and enters another (`shardnode slashing-protection export|import`,
//! `docs/reliability.md`).
//!
//! **Owns** the JSON form, its strict parsing (numbers are decimal strings, roots and keys
//! 0x-hex of their exact length, the chain named by `genesis_validators_root`), the mapping of
//! public keys to this chain's validator indices, and the minimal export.
//!
//! **Must never** accept a file of another chain or format version, or drop part of a file: a
//! file either converts entirely or is refused with the first error.
//!
//! shardnode keeps a *minimal* database (low watermarks, see `beacon::slashing_protection`), so
//! an export is one block (the last slot signed) and one attestation (the highest source and
//! target signed) per validator, without signing roots, which the format allows. Shard blocks,
//! which EIP-3076 does not know, travel in an extra per-validator field `signed_shard_blocks`
//! (`{"shard": "1", "slot": "9"}`); other clients ignore it. Signing roots in an imported file
//! are checked for form and otherwise unused: a minimal database never re-signs a slot.

use beacon::slashing_protection::SlashingRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The only format version read and written.
pub const FORMAT_VERSION: &str = "5";

/// An interchange file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interchange {
    pub metadata: Metadata,
    pub data: Vec<ValidatorHistory>,
}

/// Which format and which chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    pub interchange_format_version: String,
    pub genesis_validators_root: String,
}

/// One validator's signing history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorHistory {
    pub pubkey: String,
    pub signed_blocks: Vec<SignedBlock>,
    pub signed_attestations: Vec<SignedAttestation>,
    /// shardnode's extension: shard blocks signed, per shard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed_shard_blocks: Vec<SignedShardBlock>,
}

/// A beacon block signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedBlock {
    pub slot: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_root: Option<String>,
}

/// An attestation signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAttestation {
    pub source_epoch: String,
    pub target_epoch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_root: Option<String>,
}

/// A shard block signed (shardnode's extension).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedShardBlock {
    pub shard: String,
    pub slot: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_root: Option<String>,
}

/// Why a file is refused.
#[derive(Debug, thiserror::Error)]
pub enum InterchangeError {
    #[error("not an EIP-3076 interchange file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("interchange_format_version {found:?} is not supported (only \"5\")")]
    Version { found: String },
    #[error(
        "the file is for another chain: its genesis_validators_root is {file}, this chain's is {chain}"
    )]
    OtherChain { file: String, chain: String },
    #[error("{field} = {value:?} is not an unsigned 64-bit integer in a string")]
    Number { field: &'static str, value: String },
    #[error("{field} = {value:?} is not 0x-prefixed hex of {len} bytes")]
    Hex {
        field: &'static str,
        value: String,
        len: usize,
    },
    #[error("pubkey {pubkey} is not a validator of this chain")]
    UnknownPubkey { pubkey: String },
    #[error("validator {index} has a record but is not in this chain's registry")]
    UnknownValidator { index: u64 },
}

/// What a file is checked against: the chain's `genesis_validators_root` and its validators'
/// public keys, by index.
#[derive(Clone, Debug)]
pub struct ChainKeys {
    validators_root: [u8; 32],
    pubkeys: Vec<[u8; 48]>,
    index_of: BTreeMap<[u8; 48], u64>,
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn parse_hex<const N: usize>(
    field: &'static str,
    value: &str,
) -> Result<[u8; N], InterchangeError> {
    let bad = || InterchangeError::Hex {
        field,
        value: value.to_string(),
        len: N,
    };
    let digits = value.strip_prefix("0x").ok_or_else(bad)?;
    let bytes = hex::decode(digits).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

fn parse_u64(field: &'static str, value: &str) -> Result<u64, InterchangeError> {
    let bad = || InterchangeError::Number {
        field,
        value: value.to_string(),
    };
    // Plain decimal digits only: no sign, no spaces, no exponent.
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value.parse().map_err(|_| bad())
}

fn check_root(field: &'static str, root: &Option<String>) -> Result<(), InterchangeError> {
    match root {
        Some(root) => parse_hex::<32>(field, root).map(|_| ()),
        None => Ok(()),
    }
}

impl ChainKeys {
    /// The chain named by `validators_root` whose validator `i` has `pubkeys[i]`.
    pub fn new(validators_root: [u8; 32], pubkeys: Vec<[u8; 48]>) -> Self {
        let index_of = (0u64..).zip(pubkeys.iter()).map(|(i, k)| (*k, i)).collect();
        Self {
            validators_root,
            pubkeys,
            index_of,
        }
    }

    /// The chain's `genesis_validators_root` as the file writes it.
    pub fn root_hex(&self) -> String {
        hex0x(&self.validators_root)
    }
}

impl Interchange {
    /// Parses a file's text (strictly as to types; unknown fields are ignored, as EIP-3076
    /// files from other clients may carry some).
    pub fn parse(text: &str) -> Result<Self, InterchangeError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and vectors cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The file's histories as records by validator index, for `chain`: the version and the
    /// chain are checked first, then every entry; entries of the same key are merged (the
    /// maximum of each watermark). Any error refuses the whole file.
    pub fn records(
        &self,
        chain: &ChainKeys,
    ) -> Result<BTreeMap<u64, SlashingRecord>, InterchangeError> {
        if self.metadata.interchange_format_version != FORMAT_VERSION {
            return Err(InterchangeError::Version {
                found: self.metadata.interchange_format_version.clone(),
            });
        }
        let root = parse_hex::<32>(
            "genesis_validators_root",
            &self.metadata.genesis_validators_root,
        )?;
        if root != chain.validators_root {
            return Err(InterchangeError::OtherChain {
                file: self.metadata.genesis_validators_root.clone(),
                chain: chain.root_hex(),
            });
        }
        let mut records: BTreeMap<u64, SlashingRecord> = BTreeMap::new();
        for history in &self.data {
            let key = parse_hex::<48>("pubkey", &history.pubkey)?;
            let index =
                *chain
                    .index_of
                    .get(&key)
                    .ok_or_else(|| InterchangeError::UnknownPubkey {
                        pubkey: history.pubkey.clone(),
                    })?;
            let record = history.record()?;
            let merged = match records.get(&index) {
                Some(earlier) => earlier.merge(&record),
                None => record,
            };
            records.insert(index, merged);
        }
        Ok(records)
    }

    /// The minimal export of `records` for `chain` (see the module documentation).
    pub fn export(
        chain: &ChainKeys,
        records: &BTreeMap<u64, SlashingRecord>,
    ) -> Result<Self, InterchangeError> {
        let mut data = Vec::with_capacity(records.len());
        for (&index, record) in records {
            let pubkey = usize::try_from(index)
                .ok()
                .and_then(|i| chain.pubkeys.get(i))
                .ok_or(InterchangeError::UnknownValidator { index })?;
            data.push(ValidatorHistory::minimal(pubkey, record));
        }
        Ok(Self {
            metadata: Metadata {
                interchange_format_version: FORMAT_VERSION.to_string(),
                genesis_validators_root: chain.root_hex(),
            },
            data,
        })
    }
}

impl ValidatorHistory {
    /// The watermarks this history sets: the maximum slot and the maximum source and target
    /// epochs (taken separately), per shard the maximum slot.
    fn record(&self) -> Result<SlashingRecord, InterchangeError> {
        let mut record = SlashingRecord::default();
        for block in &self.signed_blocks {
            check_root("signing_root", &block.signing_root)?;
            let slot = parse_u64("slot", &block.slot)?;
            record = record.merge(&SlashingRecord {
                last_block_slot: Some(slot),
                ..SlashingRecord::default()
            });
        }
        for vote in &self.signed_attestations {
            check_root("signing_root", &vote.signing_root)?;
            let source = parse_u64("source_epoch", &vote.source_epoch)?;
            let target = parse_u64("target_epoch", &vote.target_epoch)?;
            record = record.merge(&SlashingRecord {
                max_source_epoch: Some(source),
                max_target_epoch: Some(target),
                ..SlashingRecord::default()
            });
        }
        for block in &self.signed_shard_blocks {
            check_root("signing_root", &block.signing_root)?;
            let shard = parse_u64("shard", &block.shard)?;
            let slot = parse_u64("slot", &block.slot)?;
            record = record.merge(&SlashingRecord {
                shard_block_slots: BTreeMap::from([(shard, slot)]),
                ..SlashingRecord::default()
            });
        }
        Ok(record)
    }

    fn minimal(pubkey: &[u8; 48], record: &SlashingRecord) -> Self {
        let signed_blocks = record
            .last_block_slot
            .map(|slot| SignedBlock {
                slot: slot.to_string(),
                signing_root: None,
            })
            .into_iter()
            .collect();
        let signed_attestations = match (record.max_source_epoch, record.max_target_epoch) {
            (Some(source), Some(target)) => vec![SignedAttestation {
                source_epoch: source.to_string(),
                target_epoch: target.to_string(),
                signing_root: None,
            }],
            _ => Vec::new(),
        };
        let signed_shard_blocks = record
            .shard_block_slots
            .iter()
            .map(|(shard, slot)| SignedShardBlock {
                shard: shard.to_string(),
                slot: slot.to_string(),
                signing_root: None,
            })
            .collect();
        Self {
            pubkey: hex0x(pubkey),
            signed_blocks,
            signed_attestations,
            signed_shard_blocks,
        }
    }
}
