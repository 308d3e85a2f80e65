//! # beacon: the beacon chain and the sans-I/O node
//!
//! **Owns** (being built in the beacon-chain and node issues): the v0.8.4 state transition
//! (slots, epochs, blocks, every operation), its caches (committees, incremental state root),
//! fork choice on a proto-array, and `beacon::Node`: the sans-I/O state machine that holds the
//! beacon chain, the shard chains it tracks, the validator duties, slashing protection and the
//! store interface.
//!
//! **Must never**: read the wall clock (time arrives as `Tick`), draw OS randomness (a seeded
//! RNG is handed in), iterate a randomly seeded hash map, or do I/O except through the store
//! interface.
//!
//! Today it holds the state transition (the node comes later):
//!
//! - [`slots`]: `process_slots`, `process_slot`; [`epoch`]: `process_epoch`, its six steps and
//!   their helpers; [`block`]: `process_block`, the header, RANDAO, eth1 and every operation;
//!   [`transition`]: `state_transition`; [`genesis`]: reference 5.1 and the interop genesis of
//!   design D3.
//! - Shared helpers of reference 4.4–4.5: [`balances`], [`attesting`], [`validator_exit`],
//!   [`slash_validator`], [`compact_committees`]; [`deposit_tree`] is the deposit contract's
//!   incremental tree.
//! - [`state_root`] hashes a state from scratch; [`state_root_cache`] keeps its Merkle trees
//!   across slots and rehashes only what changed (`process_slots` and `state_transition` use
//!   it; their `_cached` forms let a node keep it across calls).
//! - [`signatures`]: design D1 — every signature of a block collected and verified in one
//!   batch under `Crypto::Real`, nothing decoded or checked under `Crypto::Fake`.
//! - [`shuffling_cache`]: each epoch shuffled once per call; [`parallel`]: order-preserving
//!   scoped threads for the heavy, independent parts (shufflings, committee roots), with results
//!   that do not depend on the thread count; [`errors`]: typed errors naming each failed rule
//!   and the offending index or value.
//! - [`fork_choice`]: reference 7, v0.8.4's LMD-GHOST from the justified block on a
//!   proto-array, with the store's handlers (`on_tick`, `on_block`, `on_attestation`).
//!
//! Design D4 holds throughout: committee, shard and crosslink formulas use
//! `ChainConfig::active_shard_count`, never the preset's `SHARD_COUNT`. Design D2 drops the
//! phase-0 rule `attestation.data.crosslink.data_root == 0`.

pub mod attesting;
pub mod balances;
pub mod block;
pub mod compact_committees;
pub mod deposit_tree;
pub mod epoch;
pub mod errors;
pub mod fork_choice;
pub mod genesis;
pub mod node;
pub mod parallel;
pub mod shuffling_cache;
pub mod signatures;
pub mod signed_object;
pub mod slash_validator;
pub mod slashing_protection;
pub mod slots;
pub mod state_root;
pub mod state_root_cache;
pub mod store;
pub mod transition;
pub mod validator_exit;

mod util;
