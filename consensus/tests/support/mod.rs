//! Shared machinery of the conformance runners (consensus and beacon).
//!
//! - [`Vectors::open`] finds the vectors folder: `SHARDNODE_VECTORS` if set (a relative path is
//!   taken from the workspace root), else `../shared/vectors` beside the workspace. A missing
//!   folder fails under `CI=true` and is skipped with a loud message otherwise.
//! - Every file a runner reads goes through [`Vectors::read`], which records it; at the end
//!   [`Vectors::unread_files`] lists the files under the covered runners that nobody read, and
//!   the runner fails on them.
//! - [`Vectors::cases`] walks `<config>/<fork>/<runner>/<handler>/<suite>/<case>/`.
//! - [`Report`] counts passed, failed and skipped cases per handler and prints them; each case
//!   runs under `catch_unwind`, so one broken case is reported and the rest still run.
//!
//! Both runners know the full set of runner folder names ([`ALL_RUNNERS`]); a folder outside it
//! fails, so nothing in the vectors goes unchecked.

#![allow(dead_code, clippy::disallowed_methods, clippy::disallowed_types)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Runner folders checked by `consensus/tests/conformance.rs`.
pub const CONSENSUS_RUNNERS: &[&str] = &["bls", "shuffling", "ssz_generic", "ssz_static"];
/// Runner folders checked by `beacon/tests/conformance.rs`.
pub const BEACON_RUNNERS: &[&str] = &[
    "genesis",
    "epoch_processing",
    "operations",
    "sanity",
    "finality",
];
/// Every runner folder some runner covers.
pub const ALL_RUNNERS: &[&[&str]] = &[CONSENSUS_RUNNERS, BEACON_RUNNERS];
/// Config folders and the forks inside them.
pub const CONFIGS: &[&str] = &["general", "minimal", "mainnet"];
pub const FORKS: &[&str] = &["phase0"];

/// One case folder.
#[derive(Clone, Debug)]
pub struct Case {
    pub config: String,
    pub fork: String,
    pub runner: String,
    pub handler: String,
    pub suite: String,
    pub name: String,
    pub dir: PathBuf,
}

impl Case {
    /// `runner/handler/suite/name` under its config.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}/{}/{}",
            self.config, self.runner, self.handler, self.suite, self.name
        )
    }

    pub fn path(&self, part: &str) -> PathBuf {
        self.dir.join(part)
    }

    pub fn has(&self, part: &str) -> bool {
        self.dir.join(part).exists()
    }
}

/// The vectors folder and the record of what was read from it.
pub struct Vectors {
    pub root: PathBuf,
    read: RefCell<BTreeSet<PathBuf>>,
}

fn workspace_root() -> PathBuf {
    // Both runners live one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

impl Vectors {
    /// Opens the vectors folder, or returns `None` after a loud skip message when it is missing
    /// outside CI. Under `CI=true` a missing folder is a failure (exit code 1).
    pub fn open(runner_name: &str) -> Option<Vectors> {
        let configured = std::env::var("SHARDNODE_VECTORS").ok();
        let root = match &configured {
            Some(path) if Path::new(path).is_absolute() => PathBuf::from(path),
            Some(path) => workspace_root().join(path),
            None => workspace_root().join("../shared/vectors"),
        };
        if root.is_dir() {
            return Some(Vectors {
                root,
                read: RefCell::new(BTreeSet::new()),
            });
        }
        let banner = "!".repeat(78);
        eprintln!("{banner}");
        eprintln!(
            "!! {runner_name} conformance: vectors folder {} not found",
            root.display()
        );
        eprintln!("!! set SHARDNODE_VECTORS to the folder (see ../shared/vectors/README.md)");
        if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
            eprintln!("!! CI=true: a missing vectors folder is a failure");
            eprintln!("{banner}");
            std::process::exit(1);
        }
        eprintln!("!! SKIPPING every conformance case: nothing was checked");
        eprintln!("{banner}");
        None
    }

    /// Reads a file and records that it was read.
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        self.read.borrow_mut().insert(path.to_path_buf());
        Ok(bytes)
    }

    /// Reads a UTF-8 file and records it.
    pub fn read_text(&self, path: &Path) -> Result<String, String> {
        String::from_utf8(self.read(path)?)
            .map_err(|e| format!("{} is not UTF-8: {e}", path.display()))
    }

    /// Reads and parses a YAML file into any serde type, recording it.
    pub fn read_yaml<T: serde::de::DeserializeOwned>(&self, path: &Path) -> Result<T, String> {
        let text = self.read_text(path)?;
        serde_yaml::from_str(&text).map_err(|e| format!("{}: bad YAML: {e}", path.display()))
    }

    /// Reads `meta.yaml` of a case if it exists (recording it); `Null` otherwise.
    pub fn read_meta(&self, case: &Case) -> Result<serde_yaml::Value, String> {
        let path = case.path("meta.yaml");
        if path.exists() {
            self.read_yaml(&path)
        } else {
            Ok(serde_yaml::Value::Null)
        }
    }

    /// Marks a file as read without parsing it (for parts whose content is implied, e.g. a
    /// `.yaml` twin whose `.ssz` was checked, when the runner compares through the `.ssz`).
    pub fn mark_read(&self, path: &Path) {
        self.read.borrow_mut().insert(path.to_path_buf());
    }

    /// Subfolder names of `dir`, sorted.
    pub fn subdirs(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Every `(config, fork, runner)` folder present, with unknown configs, forks and runner
    /// folders reported into `report` as failures.
    pub fn runner_dirs(&self, report: &mut Report) -> Vec<(String, String, String, PathBuf)> {
        let mut out = Vec::new();
        for config in Self::subdirs(&self.root) {
            if !CONFIGS.contains(&config.as_str()) {
                report.fail_folder(&self.root.join(&config), "unknown config folder");
                continue;
            }
            for fork in Self::subdirs(&self.root.join(&config)) {
                if !FORKS.contains(&fork.as_str()) {
                    report.fail_folder(&self.root.join(&config).join(&fork), "unknown fork folder");
                    continue;
                }
                let fork_dir = self.root.join(&config).join(&fork);
                for runner in Self::subdirs(&fork_dir) {
                    let known = ALL_RUNNERS.iter().any(|set| set.contains(&runner.as_str()));
                    if !known {
                        report.fail_folder(
                            &fork_dir.join(&runner),
                            "runner folder that no conformance runner covers",
                        );
                        continue;
                    }
                    out.push((
                        config.clone(),
                        fork.clone(),
                        runner.clone(),
                        fork_dir.join(&runner),
                    ));
                }
            }
        }
        out
    }

    /// Every case of one handler folder (`<handler>/<suite>/<case>`).
    pub fn cases(
        &self,
        config: &str,
        fork: &str,
        runner: &str,
        handler: &str,
        handler_dir: &Path,
    ) -> Vec<Case> {
        let mut cases = Vec::new();
        for suite in Self::subdirs(handler_dir) {
            for name in Self::subdirs(&handler_dir.join(&suite)) {
                cases.push(Case {
                    config: config.to_string(),
                    fork: fork.to_string(),
                    runner: runner.to_string(),
                    handler: handler.to_string(),
                    suite: suite.clone(),
                    name: name.clone(),
                    dir: handler_dir.join(&suite).join(&name),
                });
            }
        }
        cases
    }

    /// Files below `dirs` that no case read.
    pub fn unread_files(&self, dirs: &[PathBuf]) -> Vec<PathBuf> {
        let read = self.read.borrow();
        let mut unread = Vec::new();
        let mut stack: Vec<PathBuf> = dirs.to_vec();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if !read.contains(&path) {
                    unread.push(path);
                }
            }
        }
        unread.sort();
        unread
    }
}

/// What a case came to.
pub enum Outcome {
    Pass,
    /// Skipped, with the reason (counted and printed).
    Skip(String),
}

#[derive(Default)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
}

/// Per-handler counts and the list of failures.
#[derive(Default)]
pub struct Report {
    counts: BTreeMap<String, Counts>,
    failures: Vec<String>,
    skips: Vec<String>,
}

impl Report {
    /// Runs one case under `catch_unwind` and records its outcome under `config/runner/handler`.
    pub fn run(&mut self, case: &Case, check: impl FnOnce() -> Result<Outcome, String>) {
        let key = format!("{}/{}/{}", case.config, case.runner, case.handler);
        let result = catch_unwind(AssertUnwindSafe(check));
        let counts = self.counts.entry(key).or_default();
        match result {
            Ok(Ok(Outcome::Pass)) => counts.passed += 1,
            Ok(Ok(Outcome::Skip(why))) => {
                counts.skipped += 1;
                self.skips.push(format!("{}: {why}", case.id()));
            }
            Ok(Err(why)) => {
                counts.failed += 1;
                self.failures.push(format!("{}: {why}", case.id()));
            }
            Err(panic) => {
                counts.failed += 1;
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".to_string());
                self.failures.push(format!("{}: PANIC: {what}", case.id()));
            }
        }
    }

    /// A folder the runner does not know.
    pub fn fail_folder(&mut self, path: &Path, why: &str) {
        self.failures.push(format!("{}: {why}", path.display()));
    }

    pub fn fail(&mut self, message: String) {
        self.failures.push(message);
    }

    /// Prints the table and the failures; exits 1 if anything failed or nothing ran.
    pub fn finish(self, title: &str) -> ! {
        let (mut passed, mut failed, mut skipped) = (0, 0, 0);
        println!("{title} conformance, cases per handler:");
        println!(
            "  {:<58} {:>7} {:>7} {:>7}",
            "config/runner/handler", "passed", "failed", "skipped"
        );
        for (key, c) in &self.counts {
            println!(
                "  {key:<58} {:>7} {:>7} {:>7}",
                c.passed, c.failed, c.skipped
            );
            passed += c.passed;
            failed += c.failed;
            skipped += c.skipped;
        }
        for skip in &self.skips {
            println!("skipped: {skip}");
        }
        for failure in &self.failures {
            println!("FAILED: {failure}");
        }
        let extra = self.failures.len().saturating_sub(failed);
        let failed_total = failed + extra;
        println!("{title} conformance: {passed} passed, {failed_total} failed, {skipped} skipped");
        if failed_total > 0 || passed == 0 {
            if passed == 0 {
                println!("{title} conformance: no case ran");
            }
            std::process::exit(1);
        }
        std::process::exit(0);
    }
}

/// Parses `0x…` hex from a YAML string value.
pub fn hex_bytes(value: &serde_yaml::Value) -> Result<Vec<u8>, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("expected a hex string, got {value:?}"))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| format!("hex without 0x: {text}"))?;
    hex::decode(digits).map_err(|e| format!("bad hex {text}: {e}"))
}

/// Canonical form of a YAML value for comparisons: integers and decimal strings become the same
/// decimal string, hex is lower-cased, containers recurse.
pub fn normalize(value: &serde_yaml::Value) -> serde_yaml::Value {
    use serde_yaml::Value;
    match value {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) if s.starts_with("0x") => Value::String(s.to_lowercase()),
        Value::String(s) => Value::String(s.clone()),
        Value::Sequence(items) => Value::Sequence(items.iter().map(normalize).collect()),
        Value::Mapping(map) => {
            let mut out = serde_yaml::Mapping::new();
            for (k, v) in map {
                out.insert(normalize(k), normalize(v));
            }
            Value::Mapping(out)
        }
        Value::Tagged(tagged) => normalize(&tagged.value),
        other => other.clone(),
    }
}
