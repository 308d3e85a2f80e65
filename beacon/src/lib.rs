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
//! Today this crate holds no code yet: see `docs/architecture.md` for what exists.
