//! # shardnode: the runtime around the library crates
//!
//! **Owns** what touches the world: the memory allocator of every binary, the real node's
//! runtime ([`runtime`]: tokio, libp2p, a redb file, the wall clock), its HTTP API ([`api`]) and metrics ([`metrics`]),
//! and the local cluster launcher ([`cluster`]). The CLI (`src/main.rs`, `src/commands/`)
//! parses flags and files and calls into these.
//!
//! **Must never** hold a protocol rule: what is valid, what to send and when is
//! `beacon::Node`'s; this crate moves bytes and time.

pub mod allocator;
pub mod api;
pub mod calibrate;
pub mod cluster;
pub mod event_json;
pub mod interchange;
pub mod load;
pub mod metrics;
pub mod parallel;
pub mod plots;
pub mod run_plots;
pub mod runtime;
pub mod signing_journal;
pub mod sweep;
