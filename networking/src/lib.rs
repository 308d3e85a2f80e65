//! # networking: the wire protocol
//!
//! **Owns** (being built in the node issue): gossip topics, message types, SSZ + snappy
//! encoding with a size limit per message type, request/response kinds (`status`,
//! `beacon_blocks_by_range`, `beacon_blocks_by_root`, `shard_blocks_by_range`) and validation
//! outcomes; later, behind the `p2p` cargo feature, the libp2p service.
//!
//! **Must never**: hold protocol rules (they live in `beacon`); the wire types are pure data.
//!
//! Today this crate holds no code yet: see `docs/architecture.md` for what exists.
