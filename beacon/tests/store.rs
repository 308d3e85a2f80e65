//! The store on a crashable in-memory disk: what survives a crash (exactly the durable
//! commits), slashing protection across crashes, and corrupt bytes reported, never a panic.

use beacon::slashing_protection::{SlashingProtection, SlashingRefusal};
use beacon::store::{tables, SimDisk, Store, StoreError};
use consensus::primitives::Root;
use consensus::BeaconBlock;
use shard::ShardBlock;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn beacon_block(slot: u64, tag: u8) -> (Root, BeaconBlock) {
    let block = BeaconBlock {
        slot,
        parent_root: Root::new([tag; 32]),
        ..BeaconBlock::default()
    };
    let mut root = [tag; 32];
    root[..8].copy_from_slice(&slot.to_le_bytes());
    (Root::new(root), block)
}

fn shard_block(shard: u64, slot: u64, tag: u8) -> (Root, ShardBlock) {
    let block = ShardBlock {
        shard,
        slot,
        parent_root: Root::new([tag; 32]),
        ..ShardBlock::default()
    };
    let mut root = [tag; 32];
    root[..8].copy_from_slice(&slot.to_le_bytes());
    root[8..16].copy_from_slice(&shard.to_le_bytes());
    (Root::new(root), block)
}

fn slots(store: &Store) -> Result<Vec<u64>, StoreError> {
    Ok(store.beacon_blocks()?.iter().map(|b| b.slot).collect())
}

#[test]
fn blocks_and_meta_round_trip_in_order() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    assert!(!disk.is_empty());
    // Out of order, two blocks at slot 5 (ordered by root), and a shard block on each shard.
    let blocks = [
        beacon_block(300, 1),
        beacon_block(5, 9),
        beacon_block(5, 2),
        beacon_block(0, 1),
    ];
    for (root, block) in &blocks {
        store.put_beacon_block(root, block)?;
    }
    let got = store.beacon_blocks()?;
    let order: Vec<(u64, u8)> = got.iter().map(|b| (b.slot, b.parent_root.0[0])).collect();
    assert_eq!(order, vec![(0, 1), (5, 2), (5, 9), (300, 1)]);
    for (root, block) in &blocks {
        assert_eq!(store.beacon_block(root)?.as_ref(), Some(block));
    }
    assert_eq!(store.beacon_block(&Root::new([0xee; 32]))?, None);

    for (shard, slot, tag) in [(1, 7, 1), (0, 3, 1), (1, 2, 1), (1, 7, 0), (u64::MAX, 1, 1)] {
        let (root, block) = shard_block(shard, slot, tag);
        store.put_shard_block(&root, &block)?;
    }
    let shard_one: Vec<(u64, u8)> = store
        .shard_blocks(1)?
        .iter()
        .map(|b| (b.slot, b.parent_root.0[0]))
        .collect();
    assert_eq!(shard_one, vec![(2, 1), (7, 0), (7, 1)]);
    assert_eq!(store.shard_blocks(0)?.len(), 1);
    assert_eq!(store.shard_blocks(u64::MAX)?.len(), 1);
    assert!(store.shard_blocks(2)?.is_empty());

    store.put_meta("head", b"abc")?;
    store.put_meta("head", b"abcd")?;
    assert_eq!(store.meta("head")?, Some(b"abcd".to_vec()));
    assert_eq!(store.meta("nope")?, None);
    Ok(())
}

#[test]
fn flushed_writes_survive_a_crash_and_unflushed_ones_do_not() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    let (root_a, block_a) = beacon_block(1, 1);
    let (root_b, block_b) = beacon_block(2, 1);
    let (shard_root, shard_blk) = shard_block(0, 1, 1);
    store.put_beacon_block(&root_a, &block_a)?;
    store.put_shard_block(&shard_root, &shard_blk)?;
    store.put_meta("k", b"durable")?;
    assert!(store.has_unflushed_writes());
    store.flush()?;
    assert!(!store.has_unflushed_writes());
    store.put_beacon_block(&root_b, &block_b)?;
    store.put_meta("k", b"lost")?;
    assert_eq!(slots(&store)?, vec![1, 2]); // visible before the crash

    disk.crash();
    drop(store);
    let store = Store::open_sim(&disk)?;
    assert_eq!(slots(&store)?, vec![1]);
    assert_eq!(store.beacon_block(&root_a)?, Some(block_a));
    assert_eq!(store.beacon_block(&root_b)?, None);
    assert_eq!(store.shard_blocks(0)?, vec![shard_blk]);
    assert_eq!(store.meta("k")?, Some(b"durable".to_vec()));

    // A crash right after reopening loses nothing more.
    disk.crash();
    drop(store);
    let store = Store::open_sim(&disk)?;
    assert_eq!(slots(&store)?, vec![1]);
    Ok(())
}

#[test]
fn a_crash_between_writes_keeps_exactly_the_durable_prefix() -> TestResult {
    const N: u64 = 24;
    for crash_at in 0..=N {
        let disk = SimDisk::new();
        let mut store = Store::open_sim(&disk)?;
        let mut durable = Vec::new();
        for slot in 0..N {
            if slot == crash_at {
                break;
            }
            let (root, block) = beacon_block(slot, 3);
            store.put_beacon_block(&root, &block)?;
            if slot % 5 == 4 {
                store.flush()?;
                durable = (0..=slot).collect();
            }
        }
        disk.crash();
        drop(store);
        let mut store = Store::open_sim(&disk)?;
        assert_eq!(slots(&store)?, durable, "crash before slot {crash_at}");
        // The reopened store takes writes again.
        let (root, block) = beacon_block(N + 1, 3);
        store.put_beacon_block(&root, &block)?;
        store.flush()?;
        drop(store);
        let store = Store::open_sim(&disk)?;
        assert_eq!(slots(&store)?.last(), Some(&(N + 1)));
    }
    Ok(())
}

/// Crashes in the middle of a commit: at every mutating disk call of a run of writes and
/// flushes. The reopened database must hold the durable prefix as of the last flush that
/// completed, or that of the flush in progress when the crash hit.
#[test]
fn a_crash_inside_a_commit_keeps_a_durable_prefix() -> TestResult {
    const N: u64 = 12;
    let (mut fired, mut mid_flush, mut mid_flush_new) = (0, 0, 0);
    for crash_at in 0.. {
        let disk = SimDisk::new();
        let mut store = Store::open_sim(&disk)?;
        disk.crash_after(crash_at);
        let mut durable: Vec<u64> = Vec::new();
        let mut in_flight: Option<Vec<u64>> = None;
        for slot in 0..N {
            let (root, block) = beacon_block(slot, 4);
            let written = store.put_beacon_block(&root, &block);
            if disk.crash_count() > 0 {
                break;
            }
            written?;
            if slot % 3 == 2 {
                let flushed = store.flush();
                if disk.crash_count() > 0 {
                    in_flight = Some((0..=slot).collect());
                    break;
                }
                flushed?;
                durable = (0..=slot).collect();
            }
        }
        if disk.crash_count() == 0 {
            break; // the armed crash lies past the end of the run: every call has been tried
        }
        fired += 1;
        drop(store);
        let mut store = Store::open_sim(&disk)?;
        let got = slots(&store)?;
        assert!(
            got == durable || Some(&got) == in_flight.as_ref(),
            "crash at disk call {crash_at}: got {got:?}, durable {durable:?}, in flight {in_flight:?}"
        );
        if in_flight.is_some() {
            mid_flush += 1;
            mid_flush_new += usize::from(Some(&got) == in_flight.as_ref());
        }
        let (root, block) = beacon_block(N, 4);
        store.put_beacon_block(&root, &block)?;
        store.flush()?;
    }
    eprintln!("{fired} crash points, {mid_flush} inside a flush ({mid_flush_new} kept it)");
    assert!(fired > 2 * N, "only {fired} crash points fired");
    assert!(
        mid_flush >= N / 3,
        "only {mid_flush} crashes inside a flush"
    );
    Ok(())
}

#[test]
fn slashing_protection_refuses_double_and_surround_votes() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;

    sp.approve_block(&mut store, 7, 20)?;
    assert!(matches!(
        sp.approve_block(&mut store, 7, 20),
        Err(SlashingRefusal::BlockNotAfterLastSigned {
            validator: 7,
            slot: 20,
            last: 20
        })
    ));
    assert!(matches!(
        sp.approve_block(&mut store, 7, 19),
        Err(SlashingRefusal::BlockNotAfterLastSigned {
            slot: 19,
            last: 20,
            ..
        })
    ));
    sp.approve_shard_block(&mut store, 7, 2, 20)?;
    assert!(matches!(
        sp.approve_shard_block(&mut store, 7, 2, 20),
        Err(SlashingRefusal::ShardBlockNotAfterLastSigned {
            shard: 2,
            slot: 20,
            last: 20,
            ..
        })
    ));

    sp.approve_attestation(&mut store, 7, 2, 3)?;
    // Double vote: same target.
    assert!(matches!(
        sp.approve_attestation(&mut store, 7, 2, 3),
        Err(SlashingRefusal::TargetNotAfterLastSigned {
            target: 3,
            last_target: 3,
            ..
        })
    ));
    // Older target.
    assert!(matches!(
        sp.approve_attestation(&mut store, 7, 0, 2),
        Err(SlashingRefusal::TargetNotAfterLastSigned {
            target: 2,
            last_target: 3,
            ..
        })
    ));
    // New surrounds old: (1 -> 4) around (2 -> 3).
    assert!(matches!(
        sp.approve_attestation(&mut store, 7, 1, 4),
        Err(SlashingRefusal::SourceBeforeLastSigned {
            source_epoch: 1,
            last_source: 2,
            ..
        })
    ));
    // Old surrounds new: sign (2 -> 10), then (3 -> 9) lies inside it.
    sp.approve_attestation(&mut store, 7, 2, 10)?;
    assert!(matches!(
        sp.approve_attestation(&mut store, 7, 3, 9),
        Err(SlashingRefusal::TargetNotAfterLastSigned {
            target: 9,
            last_target: 10,
            ..
        })
    ));
    assert!(matches!(
        sp.approve_attestation(&mut store, 7, 12, 11),
        Err(SlashingRefusal::SourceAfterTarget { .. })
    ));
    sp.approve_attestation(&mut store, 7, 10, 11)?;
    Ok(())
}

#[test]
fn an_approved_record_survives_a_crash() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;
    sp.approve_block(&mut store, 1, 5)?;
    sp.approve_shard_block(&mut store, 1, 3, 5)?;
    sp.approve_attestation(&mut store, 1, 0, 1)?;
    let before = sp.clone();
    disk.crash();
    drop(store);

    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;
    assert_eq!(sp, before);
    assert!(matches!(
        sp.approve_block(&mut store, 1, 5),
        Err(SlashingRefusal::BlockNotAfterLastSigned { .. })
    ));
    assert!(matches!(
        sp.approve_shard_block(&mut store, 1, 3, 5),
        Err(SlashingRefusal::ShardBlockNotAfterLastSigned { .. })
    ));
    assert!(matches!(
        sp.approve_attestation(&mut store, 1, 0, 1),
        Err(SlashingRefusal::TargetNotAfterLastSigned { .. })
    ));
    Ok(())
}

#[test]
fn a_batch_of_attestations_is_one_durable_commit_that_survives_a_crash() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;

    // The cost of one durable commit, in syncs.
    let before = disk.sync_count();
    sp.approve_attestation(&mut store, 1000, 0, 1)?;
    let one_commit = disk.sync_count() - before;
    assert!(one_commit > 0);

    let mut votes: Vec<(u64, u64, u64)> = (0..200).map(|v| (v, 0, 1)).collect();
    votes.push((5, 0, 1)); // a double vote within the batch
    votes.push((1000, 0, 1)); // a double vote of an earlier commit
    votes.push((6, 0, 2)); // a later vote of a validator earlier in the batch: fine
    let before = disk.sync_count();
    let verdicts = sp.approve_attestations(&mut store, &votes)?;
    assert_eq!(disk.sync_count() - before, one_commit, "one durable commit");
    assert_eq!(verdicts.len(), votes.len());
    assert!(verdicts[..200].iter().all(Result::is_ok));
    assert!(matches!(
        verdicts[200],
        Err(SlashingRefusal::TargetNotAfterLastSigned { validator: 5, .. })
    ));
    assert!(matches!(
        verdicts[201],
        Err(SlashingRefusal::TargetNotAfterLastSigned {
            validator: 1000,
            ..
        })
    ));
    assert!(verdicts[202].is_ok());

    // A batch with nothing approved commits nothing.
    let before = disk.sync_count();
    let verdicts = sp.approve_attestations(&mut store, &[(1, 0, 1)])?;
    assert!(verdicts[0].is_err());
    assert_eq!(disk.sync_count(), before);

    let expected = sp.clone();
    disk.crash();
    drop(store);
    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;
    assert_eq!(sp, expected);
    assert_eq!(sp.record(6).and_then(|r| r.max_target_epoch), Some(2));
    let verdicts = sp.approve_attestations(&mut store, &[(0, 0, 1), (199, 1, 2)])?;
    assert!(verdicts[0].is_err());
    assert!(verdicts[1].is_ok());
    Ok(())
}

#[test]
fn a_failed_durable_write_approves_nothing_and_moves_nothing() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;
    sp.approve_block(&mut store, 1, 5)?;
    sp.approve_attestation(&mut store, 1, 1, 2)?;
    let before = sp.clone();

    disk.set_failing(true);
    assert!(matches!(
        sp.approve_block(&mut store, 1, 6),
        Err(SlashingRefusal::Store(_))
    ));
    assert!(matches!(
        sp.approve_attestation(&mut store, 1, 2, 3),
        Err(SlashingRefusal::Store(_))
    ));
    assert!(sp
        .approve_attestations(&mut store, &[(1, 2, 3), (2, 0, 1)])
        .is_err());
    assert_eq!(sp, before);
    disk.set_failing(false);

    // After a restart the disk and the memory agree: slot 6 was never signed.
    disk.crash();
    drop(store);
    let mut store = Store::open_sim(&disk)?;
    let mut sp = SlashingProtection::load(&store)?;
    assert_eq!(sp, before);
    sp.approve_block(&mut store, 1, 6)?;
    sp.approve_attestation(&mut store, 1, 2, 3)?;
    Ok(())
}

/// Writes `value` under `key` in `table` directly with redb, as a damaged disk might.
fn poke(
    disk: &SimDisk,
    table: redb::TableDefinition<&[u8], &[u8]>,
    key: &[u8],
    value: &[u8],
) -> TestResult {
    let db = redb::Builder::new().create_with_backend(disk.handle())?;
    let txn = db.begin_write()?;
    txn.open_table(table)?.insert(key, value)?;
    txn.commit()?;
    Ok(())
}

#[test]
fn corrupt_stored_bytes_are_reported_not_panicked_on() -> TestResult {
    let disk = SimDisk::new();
    let mut store = Store::open_sim(&disk)?;
    let (root, block) = beacon_block(9, 1);
    store.put_beacon_block(&root, &block)?;
    store.flush()?;
    drop(store);

    // Garbage where a block should be.
    let key = tables::beacon_block_key(9, &root);
    poke(&disk, tables::BEACON_BLOCKS, &key, &[0xde, 0xad])?;
    let store = Store::open_sim(&disk)?;
    for result in [
        store.beacon_blocks().map(|_| ()),
        store.beacon_block(&root).map(|_| ()),
    ] {
        match result {
            Err(StoreError::Corrupt { table, key, .. }) => {
                assert_eq!(table, "beacon_blocks");
                assert!(key.starts_with("0x0000000000000009"), "{key}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    drop(store);

    // A well-formed block stored under the wrong slot.
    let bytes = consensus::sszx::encode(&beacon_block(10, 1).1)?;
    poke(&disk, tables::BEACON_BLOCKS, &key, &bytes)?;
    let store = Store::open_sim(&disk)?;
    assert!(matches!(
        store.beacon_blocks(),
        Err(StoreError::Corrupt { .. })
    ));
    drop(store);

    // A malformed shard-block key and value.
    let shard_key = tables::shard_block_key(4, 1, &root);
    poke(&disk, tables::SHARD_BLOCKS, &shard_key, &[1, 2, 3])?;
    let store = Store::open_sim(&disk)?;
    assert!(matches!(
        store.shard_blocks(4),
        Err(StoreError::Corrupt {
            table: "shard_blocks",
            ..
        })
    ));
    assert!(store.shard_blocks(3)?.is_empty());
    drop(store);

    // A damaged slashing-protection record.
    {
        let db = redb::Builder::new().create_with_backend(disk.handle())?;
        let txn = db.begin_write()?;
        txn.open_table(tables::SLASHING_PROTECTION)?
            .insert(42, [9u8, 9, 9].as_slice())?;
        txn.commit()?;
    }
    let store = Store::open_sim(&disk)?;
    match SlashingProtection::load(&store) {
        Err(StoreError::Corrupt { table, key, .. }) => {
            assert_eq!(table, "slashing_protection");
            assert_eq!(key, "42");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    Ok(())
}

#[test]
fn an_unknown_schema_version_is_refused() -> TestResult {
    let disk = SimDisk::new();
    drop(Store::open_sim(&disk)?);
    {
        let db = redb::Builder::new().create_with_backend(disk.handle())?;
        let txn = db.begin_write()?;
        txn.open_table(tables::STORE_INFO)?
            .insert(tables::SCHEMA_VERSION_KEY, tables::SCHEMA_VERSION + 1)?;
        txn.commit()?;
    }
    assert!(matches!(
        Store::open_sim(&disk),
        Err(StoreError::Schema {
            supported: tables::SCHEMA_VERSION,
            ..
        })
    ));
    Ok(())
}

#[test]
fn a_file_store_reopens_with_its_data() -> TestResult {
    let dir = std::env::temp_dir().join(format!("shardnode-store-test-{}", std::process::id()));
    let path = dir.with_extension("redb");
    let _ = std::fs::remove_file(&path);
    {
        let mut store = Store::open_file(&path)?;
        let (root, block) = beacon_block(3, 1);
        store.put_beacon_block(&root, &block)?;
        let mut sp = SlashingProtection::load(&store)?;
        sp.approve_block(&mut store, 1, 3)?;
        store.flush()?;
    }
    {
        let mut store = Store::open_file(&path)?;
        assert_eq!(slots(&store)?, vec![3]);
        let mut sp = SlashingProtection::load(&store)?;
        assert!(sp.approve_block(&mut store, 1, 3).is_err());
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}
