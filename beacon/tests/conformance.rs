//! Conformance runner of the beacon crate: the v0.8.4 state-transition vectors.
//!
//! `cargo test --release -p beacon --test conformance` reads the vectors folder (see
//! `support`: `SHARDNODE_VECTORS`, default `../shared/vectors`), and runs, for every config
//! folder present (`minimal` → `Minimal`, `mainnet` → `Mainnet`): `genesis` (initialization,
//! validity), `epoch_processing` (every step), `operations` (every operation), `sanity` (slots,
//! blocks) and `finality`. It prints the counts per handler and fails on a wrong answer, an
//! unknown handler or runner folder, and any file under these runners that no case read.
//!
//! Cases with `bls_setting: 1` need v0.8.4's pre-standard BLS (design D1) and are skipped and
//! counted as skipped; every other case runs with `Crypto::fake_for_simulation()`, as the
//! vector format allows. Post-states are compared by SSZ bytes; a mismatch names the first
//! differing field. The cases in [`D2_ACCEPTED`] test only a rule design D2 drops: the runner
//! asserts this project's behaviour for them (accepted). Nothing else is skipped.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "../../consensus/tests/support/mod.rs"]
mod support;

#[path = "conformance/common.rs"]
mod common;
#[path = "conformance/epoch_processing.rs"]
mod epoch_processing;
#[path = "conformance/genesis.rs"]
mod genesis;
#[path = "conformance/operations.rs"]
mod operations;
#[path = "conformance/sanity.rs"]
mod sanity;

use support::{Report, Vectors, BEACON_RUNNERS};

/// Design D2 drops the phase-0 rule `attestation.data.crosslink.data_root == Bytes32()` (the
/// data root commits to shard data). The reference rejects these cases for that rule alone;
/// this project accepts them, and the runner asserts that it does.
/// Entries are `(runner/handler, case name)`, for every config.
pub const D2_ACCEPTED: &[(&str, &str)] =
    &[("operations/attestation", "non_zero_crosslink_data_root")];

fn main() {
    let Some(vectors) = Vectors::open("beacon") else {
        return;
    };
    let mut report = Report::default();
    let mut covered = Vec::new();
    for (config, fork, runner, runner_dir) in vectors.runner_dirs(&mut report) {
        if !BEACON_RUNNERS.contains(&runner.as_str()) {
            continue; // a consensus runner: the consensus crate's
        }
        covered.push(runner_dir.clone());
        for handler in Vectors::subdirs(&runner_dir) {
            let handler_dir = runner_dir.join(&handler);
            let cases = vectors.cases(&config, &fork, &runner, &handler, &handler_dir);
            let known = match config.as_str() {
                "minimal" => common::run_handler::<consensus::Minimal>(
                    &vectors,
                    &mut report,
                    &runner,
                    &handler,
                    &cases,
                ),
                "mainnet" => common::run_handler::<consensus::Mainnet>(
                    &vectors,
                    &mut report,
                    &runner,
                    &handler,
                    &cases,
                ),
                _ => false,
            };
            if !known {
                report.fail_folder(&handler_dir, "unknown handler folder (or config)");
            }
        }
    }
    for path in vectors.unread_files(&covered) {
        report.fail(format!("{}: case file never read", path.display()));
    }
    report.finish("beacon");
}
