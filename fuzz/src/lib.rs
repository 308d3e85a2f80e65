//! # shardnode-fuzz: every decoder a peer, a user or a file reaches, fuzzed
//!
//! **Owns** the fuzz targets ([`targets`]: each gossip message type, each request and
//! response, the request/response frame codec, SSZ containers, slashing-protection records,
//! HTTP API requests through the real router, chain config, node settings, genesis and scenario
//! TOML, EIP-3076 JSON), the structured mutator ([`mutate`]: it decompresses snappy, mutates the
//! SSZ inside, SSZ offsets and lengths, numbers in text, and splices valid encodings), the
//! runner ([`runner`]: panics caught and saved, hangs caught by a watchdog, the largest single
//! allocation and peak memory measured per target), and the corpus under `fuzz/corpus/`.
//!
//! **Must never** be a dependency of a node: it exists to break the other crates. A target
//! returns the input's verdict; a panic, an abort, an allocation over
//! [`runner::ALLOCATION_LIMIT`] or an input running past [`runner::HANG_SECONDS`] is a finding.

pub mod alloc;
pub mod corpus;
pub mod mutate;
pub mod rng;
pub mod runner;
pub mod seeds;
pub mod target;
pub mod targets;
