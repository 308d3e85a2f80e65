//! # networking: the wire protocol
//!
//! **Owns**: what crosses the network between nodes, and nothing else.
//! - [`topic`]: the gossip topics of design 5 (`beacon_block`, `beacon_attestation_{shard}`,
//!   `beacon_aggregate`, `shard_block_{shard}`, `shard_transaction_{shard}`, `voluntary_exit`,
//!   `proposer_slashing`, `attester_slashing`), their names and parsing.
//! - [`gossip`]: one message type per topic, encoded and decoded by topic; `shard_transaction_{shard}`
//!   carries a batch of 1 to 1,024 transactions of that shard.
//! - [`rpc`]: the request/response kinds (`status`, `beacon_blocks_by_range`,
//!   `beacon_blocks_by_root`, `shard_blocks_by_range`) and their bounds.
//! - [`codec`]: SSZ then snappy (raw block format), with a size limit per message type checked
//!   **before** decompressing (from the snappy length header), so an oversized or malformed
//!   message costs nothing and is refused with a typed error.
//! - [`limits`]: the size limit of each message type, from the SSZ bounds and the chain
//!   configuration.
//!
//! **Must never**: hold protocol rules (validity lives in `beacon` and `shard`, so the simulator
//! and libp2p apply the same ones), read the clock, draw OS randomness or do I/O. The crate
//! carries the core crates' `clippy.toml`, so the bans are enforced; only the libp2p service
//! behind the `p2p` cargo feature (a runtime part) opts out, in its own module.

pub mod codec;
pub mod gossip;
pub mod limits;
#[cfg(feature = "p2p")]
pub mod p2p;
pub mod rpc;
pub mod topic;

pub use codec::WireError;
pub use gossip::{GossipMessage, TransactionBatch};
pub use limits::{Limits, MAX_TRANSACTIONS_PER_MESSAGE};
pub use rpc::{Request, Response, Status};
pub use topic::Topic;
