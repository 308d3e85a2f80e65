//! # shard: the shard chains
//!
//! **Owns** (being built in the shard-chains issue): per-shard account state with an
//! incrementally maintained Merkle root, ed25519-signed transactions and their validity rules,
//! the per-shard mempool, shard block production and execution (shards in parallel on a thread
//! pool, with results that do not depend on the thread count), outgoing and incoming cross-shard
//! receipts with Merkle proofs up to a crosslink's data root, and `ShardCrosslinkData`.
//!
//! **Must never**: read the wall clock, draw OS randomness, iterate a randomly seeded hash map,
//! or do any I/O. It is driven by the beacon node, which hands it blocks, transactions and time.
//!
//! Today this crate holds no code yet: see `docs/architecture.md` for what exists.
