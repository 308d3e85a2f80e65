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
//! ## Decisions
//!
//! - **State root** (`state.rs`): accounts are an indexed list in creation order (never
//!   removed), found through an address -> index map; the accounts root is
//!   `hash_tree_root(List[AccountLeaf, 2^32])` with `AccountLeaf` = `H(address ‖ le64(balance)
//!   ‖ le64(nonce) ‖ 0^16)`, kept in an incremental tree (`merkle_tree.rs`) so a block hashes
//!   each touched leaf once plus the changed paths. Credited receipts are an append-only log in
//!   the same kind of tree. `ShardState::recompute_root` rebuilds everything for tests.
//! - **Genesis keys** (`genesis.rs`): the `j`-th account of shard `s` is the `j`-th counter `i`
//!   whose secret key `sha256("shardnode-account" ‖ le64(s) ‖ le64(i))` has an address on `s`.
//! - **Signatures**: ed25519 over the transaction's signing root; a block's signatures are one
//!   `ed25519_dalek::verify_batch`, whose weights come from a Merlin transcript of the batch (no
//!   RNG, deterministic). Decompressed sender keys are cached beside the accounts.
//! - **Receipt proofs** (`receipt_proof.rs`): receipt -> outgoing receipts root (17 nodes) ->
//!   source block header (its signing root is the block root) -> `ShardCrosslinkData` root (16
//!   nodes), which must be a crosslink data root the beacon chain recorded.
//! - **Supply**: fees are burned; per shard, `total_balance + burned_fees + receipts_sent_amount
//!   - receipts_credited_amount` summed over shards equals the genesis supply.
//!
//! Today the crate holds the state and its root, transactions and their rules, the mempool,
//! block production, execution (alone and in parallel), receipts and their proofs,
//! `ShardCrosslinkData`, shard committees and proposers, and workload helpers for benchmarks.

pub mod account;
pub mod block;
pub mod committee;
pub mod crosslink_data;
pub mod execute;
pub mod genesis;
pub mod header;
pub mod mempool;
pub mod merkle_tree;
pub mod parallel;
pub mod process;
pub mod produce;
pub mod receipt;
pub mod receipt_proof;
pub mod signatures;
pub mod snapshot;
pub mod state;
pub mod transaction;
pub mod types;
pub mod validity;
pub mod workload;

pub use account::Account;
pub use block::{ShardBlock, ShardBlockBody};
pub use crosslink_data::ShardCrosslinkData;
pub use execute::{
    execute_block, execute_block_with, BlockError, BlockLimits, ExecutionContext, ExecutionOutcome,
};
pub use genesis::{genesis_state, genesis_states, GenesisAccounts};
pub use header::ShardBlockHeader;
pub use mempool::{Mempool, MempoolError, MempoolLimits};
pub use parallel::{build_thread_pool, execute_chains_parallel, execute_shards_parallel};
pub use produce::{produce_block, produce_block_from, BlockTemplate, ProducedBlock};
pub use receipt::Receipt;
pub use receipt_proof::{CrosslinkOracle, IncomingReceipt, NoCrosslinks, ReceiptProof};
pub use state::ShardState;
pub use transaction::Transaction;
pub use types::{compute_home_shard, Address, Bytes64};
