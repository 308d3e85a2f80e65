//! EIP-3076 interchange: hand-built files covering the edge cases of that format's test suite
//! (genesis votes, double and surround votes, slashable data inside a file, source above
//! target, minified against complete, several imports, another chain, malformed fields), each
//! imported into a real redb store and then probed with what the node may still sign; and the
//! `shardnode slashing-protection` commands end to end.

use beacon::slashing_protection::{MergeOutcome, SlashingProtection, SlashingRecord};
use beacon::store::{SimDisk, Store};
use shardnode::interchange::{ChainKeys, Interchange, InterchangeError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ROOT: [u8; 32] = [0x42; 32];

fn chain() -> ChainKeys {
    ChainKeys::new(ROOT, (0..4u8).map(|i| [0xa0 + i; 48]).collect())
}

fn key(i: u8) -> String {
    format!("0x{}", hex::encode([0xa0 + i; 48]))
}

fn file(root: &str, data: &str) -> String {
    format!(
        r#"{{"metadata": {{"interchange_format_version": "5", "genesis_validators_root": "{root}"}},
            "data": [{data}]}}"#
    )
}

fn ours(data: &str) -> String {
    file(&format!("0x{}", hex::encode(ROOT)), data)
}

fn history(i: u8, blocks: &str, attestations: &str) -> String {
    format!(
        r#"{{"pubkey": "{}", "signed_blocks": [{blocks}], "signed_attestations": [{attestations}]}}"#,
        key(i)
    )
}

fn att(source: u64, target: u64) -> String {
    format!(r#"{{"source_epoch": "{source}", "target_epoch": "{target}"}}"#)
}

fn block(slot: u64, root: Option<u8>) -> String {
    match root {
        Some(r) => format!(
            r#"{{"slot": "{slot}", "signing_root": "0x{}"}}"#,
            hex::encode([r; 32])
        ),
        None => format!(r#"{{"slot": "{slot}"}}"#),
    }
}

/// A node's protection on a fresh store, with the files imported in order.
struct Db {
    _disk: SimDisk,
    store: Store,
    protection: SlashingProtection,
}

impl Db {
    fn new() -> Self {
        let disk = SimDisk::new();
        let store = Store::open_sim(&disk).expect("store");
        let protection = SlashingProtection::load(&store).expect("load");
        Self {
            _disk: disk,
            store,
            protection,
        }
    }

    fn import(&mut self, text: &str) -> Result<BTreeMap<u64, MergeOutcome>, InterchangeError> {
        let records = Interchange::parse(text)?.records(&chain())?;
        Ok(self
            .protection
            .import(&mut self.store, &records)
            .expect("durable write"))
    }

    /// Whether the validator may sign this attestation now (probed on a copy).
    fn may_attest(&self, validator: u64, source: u64, target: u64) -> bool {
        let (_disk, mut store, mut probe) = self.scratch();
        probe
            .approve_attestation(&mut store, validator, source, target)
            .is_ok()
    }

    fn may_propose(&self, validator: u64, slot: u64) -> bool {
        let (_disk, mut store, mut probe) = self.scratch();
        probe.approve_block(&mut store, validator, slot).is_ok()
    }

    fn scratch(&self) -> (SimDisk, Store, SlashingProtection) {
        let disk = SimDisk::new();
        let store = Store::open_sim(&disk).expect("scratch store");
        (disk, store, self.protection.clone())
    }
}

#[test]
fn a_genesis_vote_refuses_the_same_vote_again() {
    let mut db = Db::new();
    db.import(&ours(&history(0, "", &att(0, 0)))).unwrap();
    assert!(!db.may_attest(0, 0, 0));
    assert!(db.may_attest(0, 0, 1));
    assert!(db.may_attest(1, 0, 0), "another validator is untouched");
}

#[test]
fn double_and_surround_votes_against_imported_ones_are_refused() {
    let mut db = Db::new();
    db.import(&ours(&history(1, "", &att(5, 10)))).unwrap();
    assert!(!db.may_attest(1, 5, 10), "double vote");
    assert!(!db.may_attest(1, 6, 9), "surrounded by the imported vote");
    assert!(!db.may_attest(1, 4, 11), "surrounds the imported vote");
    assert!(!db.may_attest(1, 3, 7), "older");
    assert!(db.may_attest(1, 5, 11));
    assert!(db.may_attest(1, 10, 11));
}

#[test]
fn slashable_data_inside_a_file_is_imported_and_refuses_that_slot() {
    // Two different blocks at one slot, and a double vote: the file itself holds slashable
    // pairs (the validator was already slashable); import succeeds and refuses both again.
    let mut db = Db::new();
    let blocks = [block(10, Some(1)), block(10, Some(2)), block(3, None)].join(",");
    let votes = [att(1, 2), att(1, 2), att(0, 3)].join(",");
    db.import(&ours(&history(2, &blocks, &votes))).unwrap();
    assert!(!db.may_propose(2, 10));
    assert!(!db.may_propose(2, 9));
    assert!(db.may_propose(2, 11));
    assert!(!db.may_attest(2, 1, 3));
    assert!(db.may_attest(2, 1, 4));
}

#[test]
fn source_above_target_is_read_as_its_two_maxima() {
    // As the format's "sensible iff minified" case: (5, 2) and (6, 7) give source 6, target 7.
    let mut db = Db::new();
    db.import(&ours(&history(0, "", &[att(5, 2), att(6, 7)].join(","))))
        .unwrap();
    assert!(!db.may_attest(0, 5, 8));
    assert!(db.may_attest(0, 6, 8));
    // Alone, (8, 7) imports and leaves only votes from source 8 with target above 7.
    let mut db = Db::new();
    db.import(&ours(&history(0, "", &att(8, 7)))).unwrap();
    assert!(!db.may_attest(0, 7, 9));
    assert!(db.may_attest(0, 8, 9));
}

#[test]
fn a_complete_file_protects_exactly_as_its_minified_form() {
    let complete = ours(&history(
        3,
        &[block(7, Some(1)), block(2, None), block(19, Some(3))].join(","),
        &[att(0, 1), att(1, 2), att(2, 4), att(4, 5)].join(","),
    ));
    let mut full = Db::new();
    full.import(&complete).unwrap();
    let minified = Interchange::export(&chain(), full.protection.records()).unwrap();
    assert_eq!(minified.data.len(), 1);
    assert_eq!(minified.data[0].signed_blocks.len(), 1);
    assert_eq!(minified.data[0].signed_attestations.len(), 1);
    let mut small = Db::new();
    small.import(&minified.to_json()).unwrap();
    assert_eq!(small.protection, full.protection);
    for slot in 0..25 {
        assert_eq!(full.may_propose(3, slot), slot > 19, "slot {slot}");
    }
    for source in 0..7 {
        for target in source..8 {
            assert_eq!(
                small.may_attest(3, source, target),
                source >= 4 && target > 5,
                "({source}, {target})"
            );
        }
    }
}

#[test]
fn several_imports_merge_and_a_stale_one_never_weakens() {
    let mut db = Db::new();
    // The node has signed (4, 5) and a block at 30 itself.
    db.protection
        .approve_attestation(&mut db.store, 0, 4, 5)
        .unwrap();
    db.protection.approve_block(&mut db.store, 0, 30).unwrap();
    let before = db.protection.record(0).cloned();
    // A stale file (older messages) changes nothing and says so.
    let outcome = db
        .import(&ours(&history(0, &block(12, None), &att(1, 2))))
        .unwrap();
    assert_eq!(outcome[&0], MergeOutcome::Unchanged);
    assert_eq!(db.protection.record(0).cloned(), before);
    assert!(!db.may_attest(0, 4, 5) && !db.may_propose(0, 30));
    // A newer file raises; a gap between the two imports is refused (low watermarks).
    let outcome = db
        .import(&ours(&history(0, &block(40, None), &att(6, 9))))
        .unwrap();
    assert_eq!(outcome[&0], MergeOutcome::Raised);
    assert!(
        !db.may_attest(0, 5, 7),
        "inside the gap between the imports"
    );
    assert!(!db.may_propose(0, 35));
    assert!(db.may_attest(0, 6, 10));
    // Out of order: the older file afterwards is covered.
    let outcome = db.import(&ours(&history(0, "", &att(4, 5)))).unwrap();
    assert_eq!(outcome[&0], MergeOutcome::Unchanged);
}

#[test]
fn duplicate_keys_in_one_file_are_merged() {
    let mut db = Db::new();
    let data = [
        history(1, &block(5, None), &att(2, 3)),
        history(1, &block(4, None), &att(3, 4)),
    ]
    .join(",");
    db.import(&ours(&data)).unwrap();
    let record = db.protection.record(1).unwrap();
    assert_eq!(record.last_block_slot, Some(5));
    assert_eq!(
        (record.max_source_epoch, record.max_target_epoch),
        (Some(3), Some(4))
    );
}

#[test]
fn bad_files_are_refused_whole_with_the_reason() {
    let mut db = Db::new();
    let refuse = |db: &mut Db, text: &str, expect: &str| {
        let err = db.import(text).expect_err(text).to_string();
        assert!(err.contains(expect), "{err} should say {expect}");
        assert!(db.protection.records().is_empty(), "nothing written");
    };
    let other = format!("0x{}", hex::encode([7u8; 32]));
    refuse(
        &mut db,
        &file(&other, &history(0, "", &att(1, 2))),
        "another chain",
    );
    let v4 = ours(&history(0, "", "")).replace(r#""5""#, r#""4""#);
    refuse(&mut db, &v4, "interchange_format_version \"4\"");
    // The valid first entry must not be written when a later one is bad.
    let unknown = format!(
        "{},{}",
        history(0, "", &att(1, 2)),
        history(0, "", "").replace(&key(0), &format!("0x{}", hex::encode([1u8; 48])))
    );
    refuse(&mut db, &ours(&unknown), "is not a validator of this chain");
    refuse(
        &mut db,
        &ours(&history(0, r#"{"slot": 5}"#, "")),
        "invalid type: integer",
    );
    refuse(
        &mut db,
        &ours(&history(
            0,
            "",
            r#"{"source_epoch": null, "target_epoch": "3"}"#,
        )),
        "invalid type: null",
    );
    refuse(
        &mut db,
        &ours(&history(0, r#"{"slot": "-1"}"#, "")),
        "slot = \"-1\"",
    );
    refuse(
        &mut db,
        &ours(&history(0, r#"{"slot": "18446744073709551616"}"#, "")),
        "slot",
    );
    refuse(
        &mut db,
        &ours(&history(0, r#"{"slot": "1", "signing_root": "0x12"}"#, "")),
        "signing_root",
    );
    refuse(
        &mut db,
        &ours(&history(0, "", "").replace(&key(0), "0xa0a0")),
        "pubkey",
    );
    refuse(&mut db, "{\"metadata\": {}}", "missing field");
    refuse(
        &mut db,
        "\u{0}\u{1}garbage",
        "not an EIP-3076 interchange file",
    );
    let no_prefix = file(&hex::encode(ROOT), &history(0, "", ""));
    refuse(&mut db, &no_prefix, "genesis_validators_root");
}

#[test]
fn export_then_import_carries_shard_blocks_too() {
    let mut node = Db::new();
    node.protection
        .approve_block(&mut node.store, 2, 17)
        .unwrap();
    node.protection
        .approve_attestation(&mut node.store, 2, 1, 3)
        .unwrap();
    node.protection
        .approve_shard_block(&mut node.store, 2, 5, 16)
        .unwrap();
    node.protection
        .approve_shard_block(&mut node.store, 3, 0, 9)
        .unwrap();
    let text = Interchange::export(&chain(), node.protection.records())
        .unwrap()
        .to_json();
    assert!(text.contains("signed_shard_blocks"), "{text}");
    let mut moved = Db::new();
    moved.import(&text).unwrap();
    assert_eq!(moved.protection, node.protection);
    let expected = SlashingRecord {
        last_block_slot: None,
        max_source_epoch: None,
        max_target_epoch: None,
        shard_block_slots: BTreeMap::from([(0, 9)]),
    };
    assert_eq!(moved.protection.record(3), Some(&expected));
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("shardnode-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `shardnode slashing-protection export` of `data_dir` under `genesis` (to `out` if given).
fn export(data_dir: &Path, genesis: &Path, out: Option<&Path>) -> std::process::Output {
    let mut args = vec![
        "slashing-protection",
        "export",
        "--data-dir",
        data_dir.to_str().unwrap_or(""),
        "--genesis",
        genesis.to_str().unwrap_or(""),
    ];
    if let Some(out) = out {
        args.extend(["--out", out.to_str().unwrap_or("")]);
    }
    shardnode(&args)
}

fn shardnode(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_shardnode"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn the_commands_move_records_between_data_dirs_and_refuse_a_running_node() {
    let dir = TempDir::new("interchange-cli");
    let genesis = dir.0.join("genesis.toml");
    let genesis_file = shardnode::runtime::genesis_file::GenesisFile {
        chain: consensus::ChainConfig::default(),
        accounts: shard::GenesisAccounts {
            accounts_per_shard: 4,
            balance: 1_000,
        },
    };
    genesis_file.write(&genesis).unwrap();
    let g = genesis.to_str().unwrap();
    let a = dir.0.join("a");
    let b = dir.0.join("b");
    // A node's data dir with records for validators 0 and 5.
    {
        std::fs::create_dir_all(&a).unwrap();
        let mut store = Store::open_file(&a.join("chain.redb")).unwrap();
        let mut protection = SlashingProtection::load(&store).unwrap();
        protection.approve_attestation(&mut store, 0, 2, 3).unwrap();
        protection.approve_block(&mut store, 5, 40).unwrap();
    }
    let exported = dir.0.join("a.json");
    let out = export(&a, &genesis, Some(&exported));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&exported).unwrap();
    let parsed = Interchange::parse(&text).unwrap();
    assert_eq!(parsed.data.len(), 2);
    let import = |dir: &PathBuf| {
        shardnode(&[
            "slashing-protection",
            "import",
            "--data-dir",
            dir.to_str().unwrap(),
            "--genesis",
            g,
            exported.to_str().unwrap(),
        ])
    };
    let out = import(&b);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 records raised"));
    let again = import(&b);
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 already covered the file"));
    {
        let store = Store::open_file(&b.join("chain.redb")).unwrap();
        let moved = SlashingProtection::load(&store).unwrap();
        assert_eq!(moved.record(0).and_then(|r| r.max_target_epoch), Some(3));
        assert_eq!(moved.record(5).and_then(|r| r.last_block_slot), Some(40));
        // While the database is open (a running node), both commands refuse.
        let out = import(&b);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("in use by a running node"));
        let out = export(&b, &genesis, None);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("in use by a running node"));
    }
    // The data dir holds this chain: with another chain's genesis, export refuses and names
    // both chains.
    let other_genesis = dir.0.join("other.toml");
    shardnode::runtime::genesis_file::GenesisFile {
        chain: consensus::ChainConfig {
            validator_count: 128,
            ..consensus::ChainConfig::default()
        },
        accounts: genesis_file.accounts,
    }
    .write(&other_genesis)
    .unwrap();
    let out = export(&a, &other_genesis, None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another chain"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A file for another chain is refused and names both roots.
    let other = text.replace(
        &parsed.metadata.genesis_validators_root,
        &format!("0x{}", "11".repeat(32)),
    );
    std::fs::write(&exported, other).unwrap();
    let out = import(&b);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another chain") && err.contains("nothing was imported"),
        "{err}"
    );
}
