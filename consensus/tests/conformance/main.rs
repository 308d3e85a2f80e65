//! Conformance runner of the consensus crate: `bls`, `shuffling`, `ssz_generic`, `ssz_static`.
//!
//! `cargo test --release -p consensus --test conformance` reads the vectors folder (see
//! `support`), runs every case of these runners in every config folder, prints the counts per
//! handler, and fails on a wrong answer, on an unknown handler or runner folder, and on any
//! file under these runners that no case read. The state-transition runners' folders belong to
//! `beacon/tests/conformance.rs`.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

#[path = "../support/mod.rs"]
mod support;

mod bls;
mod shuffling;
mod ssz_generic;
mod ssz_static;

use support::{Report, Vectors, CONSENSUS_RUNNERS};

fn main() {
    let Some(vectors) = Vectors::open("consensus") else {
        return;
    };
    let mut report = Report::default();
    let mut covered = Vec::new();
    for (config, fork, runner, runner_dir) in vectors.runner_dirs(&mut report) {
        if !CONSENSUS_RUNNERS.contains(&runner.as_str()) {
            continue; // a state-transition runner: the beacon runner's
        }
        covered.push(runner_dir.clone());
        for handler in Vectors::subdirs(&runner_dir) {
            let handler_dir = runner_dir.join(&handler);
            let cases = vectors.cases(&config, &fork, &runner, &handler, &handler_dir);
            let known = match runner.as_str() {
                "bls" => bls::run(&vectors, &mut report, &handler, &cases),
                "shuffling" => shuffling::run(&vectors, &mut report, &handler, &cases),
                "ssz_generic" => ssz_generic::run(&vectors, &mut report, &handler, &cases),
                "ssz_static" => ssz_static::run(&vectors, &mut report, &handler, &cases),
                _ => false,
            };
            if !known {
                report.fail_folder(&handler_dir, "unknown handler folder");
            }
        }
    }
    for path in vectors.unread_files(&covered) {
        report.fail(format!("{}: case file never read", path.display()));
    }
    report.finish("consensus");
}
