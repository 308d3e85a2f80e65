//! The signing journal: every slashable message a node's validators signed, one JSON line
//! each, appended before the message is published (`journal_signatures = true` in the node
//! settings; `shardnode cluster` turns it on), and the offline audit that looks for a
//! slashable pair in any number of journals (`shardnode slashing-protection audit`).
//!
//! The journal is a plain file written with one `write` per batch, outside the database:
//! a `kill -9` cannot lose a line the kernel has, so the audit sees what slashing protection
//! (durable in the database) was meant to prevent, whatever happened to that database.
//! **Must never** be read by the node: it is evidence, not state.

use anyhow::{Context, Result};
use beacon::node::SignedMessage;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::Path;

/// The journal's file name in a data dir.
pub const JOURNAL_FILE: &str = "signed.jsonl";

/// One line of a journal (also the `signed` event of `sim --trace-jsonl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JournalEntry {
    BeaconBlock {
        validator: u64,
        slot: u64,
        root: String,
    },
    Attestation {
        validator: u64,
        source: u64,
        target: u64,
        root: String,
    },
    ShardBlock {
        validator: u64,
        shard: u64,
        slot: u64,
        root: String,
    },
}

impl From<&SignedMessage> for JournalEntry {
    fn from(message: &SignedMessage) -> Self {
        match *message {
            SignedMessage::BeaconBlock {
                validator,
                slot,
                root,
            } => Self::BeaconBlock {
                validator,
                slot,
                root: root.to_hex(),
            },
            SignedMessage::Attestation {
                validator,
                source,
                target,
                root,
            } => Self::Attestation {
                validator,
                source,
                target,
                root: root.to_hex(),
            },
            SignedMessage::ShardBlock {
                validator,
                shard,
                slot,
                root,
            } => Self::ShardBlock {
                validator,
                shard,
                slot,
                root: root.to_hex(),
            },
        }
    }
}

/// Appends to a journal file (created if missing).
pub struct Journal {
    file: std::fs::File,
}

impl Journal {
    pub fn open(path: &Path) -> Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening the signing journal {}", path.display()))?;
        Ok(Self { file })
    }

    /// Appends `messages` in one write.
    pub fn append<'a>(
        &mut self,
        messages: impl Iterator<Item = &'a SignedMessage>,
    ) -> std::io::Result<()> {
        let mut text = String::new();
        for message in messages {
            if let Ok(line) = serde_json::to_string(&JournalEntry::from(message)) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        if text.is_empty() {
            return Ok(());
        }
        self.file.write_all(text.as_bytes())
    }
}

/// Reads a journal. A last line cut short (a crash mid-write) is skipped; any other line that
/// is not an entry is an error naming it.
pub fn read(path: &Path) -> Result<Vec<JournalEntry>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("opening the signing journal {}", path.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {}", path.display()))?;
    let mut entries = Vec::with_capacity(lines.len());
    for (number, line) in lines.iter().enumerate() {
        match serde_json::from_str::<JournalEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) if number + 1 == lines.len() => {}
            Err(e) => {
                return Err(e).with_context(|| format!("{}:{}", path.display(), number + 1));
            }
        }
    }
    Ok(entries)
}

/// What the audit found: every slashable pair, and how much it looked at.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Audit {
    pub beacon_blocks: usize,
    pub attestations: usize,
    pub shard_blocks: usize,
    pub validators: usize,
    pub slashable_pairs: Vec<String>,
}

/// Looks for slashable pairs among `entries` (from any number of journals): two beacon
/// blocks of one proposer at one slot, two shard blocks of one proposer at one (shard, slot),
/// two attestations of one validator with one target (double vote) or one surrounding the
/// other (surround vote), each with different roots. The same message signed twice is not an
/// offence.
pub fn audit(entries: &[JournalEntry]) -> Audit {
    let mut result = Audit::default();
    let mut blocks: BTreeMap<(u64, u64, Option<u64>), &str> = BTreeMap::new();
    let mut votes: BTreeMap<u64, BTreeSet<(u64, u64, &str)>> = BTreeMap::new();
    let mut validators = BTreeSet::new();
    for entry in entries {
        let (key, root, what) = match entry {
            JournalEntry::BeaconBlock {
                validator,
                slot,
                root,
            } => {
                result.beacon_blocks += 1;
                validators.insert(*validator);
                ((*validator, *slot, None), root, "beacon blocks")
            }
            JournalEntry::ShardBlock {
                validator,
                shard,
                slot,
                root,
            } => {
                result.shard_blocks += 1;
                validators.insert(*validator);
                ((*validator, *slot, Some(*shard)), root, "shard blocks")
            }
            JournalEntry::Attestation {
                validator,
                source,
                target,
                root,
            } => {
                result.attestations += 1;
                validators.insert(*validator);
                votes
                    .entry(*validator)
                    .or_default()
                    .insert((*target, *source, root.as_str()));
                continue;
            }
        };
        match blocks.get(&key) {
            Some(other) if *other != root.as_str() => {
                let (validator, slot, shard) = key;
                let at = shard.map_or(String::new(), |s| format!(" of shard {s}"));
                result.slashable_pairs.push(format!(
                    "validator {validator} signed two {what}{at} at slot {slot}: {other} and {root}"
                ));
            }
            Some(_) => {}
            None => {
                blocks.insert(key, root.as_str());
            }
        }
    }
    for (validator, signed) in &votes {
        let signed: Vec<&(u64, u64, &str)> = signed.iter().collect();
        for (i, a) in signed.iter().enumerate() {
            for b in &signed[i + 1..] {
                let (t1, s1, r1) = **a;
                let (t2, s2, r2) = **b;
                if r1 == r2 {
                    continue;
                }
                let offence = if t1 == t2 {
                    Some("a double vote")
                } else if (s1 < s2 && t2 < t1) || (s2 < s1 && t1 < t2) {
                    Some("a surround vote")
                } else {
                    None
                };
                if let Some(offence) = offence {
                    result.slashable_pairs.push(format!(
                        "validator {validator} signed {offence}: source {s1} target {t1} ({r1}) and source {s2} target {t2} ({r2})"
                    ));
                }
            }
        }
    }
    result.validators = validators.len();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::primitives::Root;

    fn vote(validator: u64, source: u64, target: u64, root: &str) -> JournalEntry {
        JournalEntry::Attestation {
            validator,
            source,
            target,
            root: root.to_string(),
        }
    }

    fn block(validator: u64, slot: u64, root: &str) -> JournalEntry {
        JournalEntry::BeaconBlock {
            validator,
            slot,
            root: root.to_string(),
        }
    }

    /// Honest histories (the same message twice included) have no slashable pair; each
    /// offence is found and named.
    #[test]
    fn audit_finds_each_offence_and_nothing_else() {
        let honest = vec![
            vote(1, 0, 1, "0xa"),
            vote(1, 1, 2, "0xb"),
            vote(1, 1, 2, "0xb"),
            vote(2, 0, 1, "0xa"),
            block(1, 5, "0xc"),
            block(1, 5, "0xc"),
            block(1, 6, "0xd"),
            JournalEntry::ShardBlock {
                validator: 3,
                shard: 0,
                slot: 5,
                root: "0xe".into(),
            },
            JournalEntry::ShardBlock {
                validator: 3,
                shard: 1,
                slot: 5,
                root: "0xf".into(),
            },
        ];
        let clean = audit(&honest);
        assert!(clean.slashable_pairs.is_empty(), "{clean:?}");
        assert_eq!(
            (clean.attestations, clean.beacon_blocks, clean.shard_blocks),
            (4, 3, 2)
        );
        assert_eq!(clean.validators, 3);

        let double = audit(&[vote(1, 0, 2, "0xa"), vote(1, 1, 2, "0xb")]);
        assert_eq!(double.slashable_pairs.len(), 1);
        assert!(double.slashable_pairs[0].contains("double vote"));

        let surround = audit(&[vote(4, 1, 2, "0xa"), vote(4, 0, 3, "0xb")]);
        assert_eq!(surround.slashable_pairs.len(), 1);
        assert!(surround.slashable_pairs[0].contains("surround vote"));

        let proposals = audit(&[block(7, 9, "0xa"), block(7, 9, "0xb")]);
        assert!(proposals.slashable_pairs[0].contains("two beacon blocks at slot 9"));

        let shard = audit(&[
            JournalEntry::ShardBlock {
                validator: 3,
                shard: 2,
                slot: 5,
                root: "0xe".into(),
            },
            JournalEntry::ShardBlock {
                validator: 3,
                shard: 2,
                slot: 5,
                root: "0xf".into(),
            },
        ]);
        assert!(shard.slashable_pairs[0].contains("of shard 2 at slot 5"));
    }

    /// A journal reads back what was appended; a torn last line is skipped, a bad line
    /// elsewhere is an error.
    #[test]
    fn journal_round_trip_and_torn_tail() {
        let dir = std::env::temp_dir().join(format!("journal-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(JOURNAL_FILE);
        let _ = std::fs::remove_file(&path);
        let messages = [
            SignedMessage::Attestation {
                validator: 3,
                source: 1,
                target: 2,
                root: Root::new([7; 32]),
            },
            SignedMessage::BeaconBlock {
                validator: 4,
                slot: 9,
                root: Root::new([8; 32]),
            },
        ];
        Journal::open(&path)
            .unwrap()
            .append(messages.iter())
            .unwrap();
        let read_back = read(&path).unwrap();
        assert_eq!(read_back.len(), 2);
        assert!(
            matches!(&read_back[0], JournalEntry::Attestation { root, target: 2, .. }
                if *root == Root::new([7; 32]).to_hex())
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"{\"kind\":\"attest").unwrap();
        assert_eq!(read(&path).unwrap().len(), 2, "a torn tail is skipped");
        file.write_all(b"\n{}\n").unwrap();
        assert!(
            read(&path).is_err(),
            "a bad line before the end is an error"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
