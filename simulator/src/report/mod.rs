//! # report: what a simulator run hands back, and the writers that put it on paper
//!
//! **Owns**: the report types ([`RunParams`], [`Summary`], [`SlotRow`], [`ShardSlotRow`]), the
//! data dictionary ([`PARAM_COLUMNS`], [`SLOT_COLUMNS`], [`SHARD_COLUMNS`], [`SUMMARY_FIELDS`]:
//! the docs are generated from and checked against them), and three writers: `summary.json`
//! ([`write_summary_json`]), the tidy per-slot and per-shard CSV time series
//! ([`write_slots_csv`], [`write_shards_csv`]) and the human summary table ([`render_table`]).
//!
//! **Must never**: open files (the writers take `&mut dyn std::io::Write`; the binary opens the
//! files), read the wall clock (the binary fills in the wall-clock figures of [`Summary`] after
//! the run), or panic on any input: the writers return `io::Result`.
//!
//! Undefined figures (a mean over nothing, a percentile of no samples) are `Option<f64>`: JSON
//! `null`, an empty CSV cell, `n/a` in the table.

mod csv;
#[cfg(test)]
pub(crate) mod fixtures;
mod json;
mod schema;
mod table;

pub use self::csv::{write_shards_csv, write_slots_csv};
pub use self::json::write_summary_json;
pub use self::schema::*;
pub use self::table::render_table;

#[cfg(test)]
mod tests {
    use super::schema::*;
    use serde::Serialize;
    use std::collections::BTreeSet;

    fn names(columns: &[(&str, &str)]) -> Vec<String> {
        columns.iter().map(|(n, _)| n.to_string()).collect()
    }

    fn json_keys<T: Serialize>(value: &T) -> BTreeSet<String> {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            other => panic!("not a JSON object: {other:?}"),
        }
    }

    #[test]
    fn dictionaries_name_exactly_the_fields() {
        type Dictionary = &'static [(&'static str, &'static str)];
        let cases: [(Dictionary, BTreeSet<String>); 4] = [
            (PARAM_COLUMNS, json_keys(&RunParams::default())),
            (SLOT_COLUMNS, json_keys(&SlotRow::default())),
            (SHARD_COLUMNS, json_keys(&ShardSlotRow::default())),
            (SUMMARY_FIELDS, json_keys(&Summary::default())),
        ];
        for (columns, keys) in cases {
            let listed: BTreeSet<String> = names(columns).into_iter().collect();
            assert_eq!(listed.len(), columns.len(), "duplicate name in {columns:?}");
            assert_eq!(listed, keys);
        }
    }

    #[test]
    fn dictionaries_are_plain_and_described() {
        for columns in [PARAM_COLUMNS, SLOT_COLUMNS, SHARD_COLUMNS, SUMMARY_FIELDS] {
            for (name, meaning) in columns {
                assert!(
                    name.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{name}"
                );
                assert!(
                    !meaning.is_empty() && meaning.is_ascii(),
                    "{name}: {meaning}"
                );
            }
        }
    }

    #[test]
    fn row_columns_do_not_clash_with_param_columns() {
        let params: BTreeSet<String> = names(PARAM_COLUMNS).into_iter().collect();
        for columns in [SLOT_COLUMNS, SHARD_COLUMNS] {
            for (name, _) in columns {
                assert!(!params.contains(*name), "{name} is also a parameter column");
            }
        }
    }
}
