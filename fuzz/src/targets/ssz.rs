//! SSZ containers read from a data dir (a store written by another version, a damaged file):
//! the anchor a restart resumes from, beacon and shard blocks, a beacon state, and the
//! slashing-protection record layout. A value that decodes must encode to the same bytes
//! (SSZ is canonical).

use crate::target::{refused, Encoding, Target, Verdict};
use beacon::node::anchor::Anchor;
use beacon::slashing_protection::SlashingRecord;
use consensus::sszx::{decode, encode};
use consensus::{BeaconBlock, BeaconState, Minimal};
use ssz_rs::SimpleSerialize;

fn canonical<T: SimpleSerialize>(name: &str, bytes: &[u8]) -> Verdict {
    match decode::<T>(bytes) {
        Ok(value) => match encode(&value) {
            Ok(again) if again == bytes => Verdict::Accepted,
            Ok(_) => Verdict::Wrong(format!("{name}: a decoded value encodes to other bytes")),
            Err(e) => Verdict::Wrong(format!("{name}: a decoded value does not encode: {e}")),
        },
        Err(e) => refused(e),
    }
}

fn record(bytes: &[u8]) -> Verdict {
    match SlashingRecord::from_bytes(bytes) {
        Ok(record) if record.to_bytes() == bytes => Verdict::Accepted,
        Ok(_) => Verdict::Wrong("slashing record: does not round-trip".into()),
        Err(e) => refused(e),
    }
}

pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "ssz_anchor",
            encoding: Encoding::Bytes,
            run: |b| canonical::<Anchor<Minimal>>("anchor", b),
        },
        Target {
            name: "ssz_beacon_state",
            encoding: Encoding::Bytes,
            run: |b| canonical::<BeaconState<Minimal>>("beacon_state", b),
        },
        Target {
            name: "ssz_beacon_block",
            encoding: Encoding::Bytes,
            run: |b| canonical::<BeaconBlock>("beacon_block", b),
        },
        Target {
            name: "ssz_shard_block",
            encoding: Encoding::Bytes,
            run: |b| canonical::<shard::ShardBlock>("shard_block", b),
        },
        Target {
            name: "slashing_record",
            encoding: Encoding::Bytes,
            run: record,
        },
    ]
}
