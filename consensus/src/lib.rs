//! # consensus: the rules every shardnode agrees on
//!
//! **Owns**: the type-level presets (`minimal`, `mainnet`) and the runtime chain
//! configuration; every v0.8.4 SSZ container (on `ssz_rs`) with `hash_tree_root` and
//! `signing_root`; SHA-256 Merkle helpers; BLS on `blst` (IETF ciphersuite, design D1) with
//! batch verification, signing domains and the interop keys (D3); the swap-or-not shuffle; and
//! the committee machinery of reference section 4 with the active shard count of design D4.
//!
//! **Must never**: read the wall clock, draw OS randomness, iterate a randomly seeded hash
//! map, or do any I/O. Clippy enforces the first three (`consensus/clippy.toml`); the crate has
//! no file, socket or environment access at all.
//!
//! Functions are named as in the reference, so `get_crosslink_committee` is found by its name.

pub mod accessors;
pub mod bls;
pub mod chunked_roots;
pub mod committees;
pub mod config;
pub mod containers;
pub mod errors;
pub mod foreign;
pub mod hash;
pub mod math;
pub mod preset;
pub mod primitives;
pub mod shared;
pub mod shuffle;
pub mod sszx;

pub use config::{ChainConfig, ConfigError};
pub use containers::*;
pub use preset::{Mainnet, Minimal, Preset, PresetName};
pub use primitives::*;
