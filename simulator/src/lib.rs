//! # simulator: the deterministic discrete-event simulator
//!
//! **Owns** (being built in the node-and-simulator issue): an event queue ordered by
//! (virtual time, sequence), the network model (latency, jitter, loss, partitions), faults,
//! adversaries, workloads, scenarios, invariant checks, research metrics and reports.
//!
//! **Must never**: read the wall clock, draw OS randomness, iterate a randomly seeded hash map,
//! or hold protocol logic: it drives `beacon::Node` and moves bytes and virtual time.
//!
//! Today this crate holds no code yet: see `docs/architecture.md` for what exists.
