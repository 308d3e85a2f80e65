//! `summary.json`: the [`Summary`] as pretty-printed JSON.

use std::io::{self, Write};

use super::schema::Summary;

/// Writes `summary` as pretty-printed JSON followed by a newline.
///
/// Keys are the field names of [`Summary`] (described in [`super::SUMMARY_FIELDS`]), the
/// scenario's parameters nested under `params`. Missing figures (`None`) and non-finite floats
/// are written as `null`.
pub fn write_summary_json(summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, summary).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{fixtures, PARAM_COLUMNS, SUMMARY_FIELDS};
    use serde_json::Value;

    fn to_json(summary: &Summary) -> Value {
        let mut out = Vec::new();
        write_summary_json(summary, &mut out).unwrap();
        assert!(out.ends_with(b"}\n"));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn has_the_required_keys_all_in_the_dictionary() {
        let json = to_json(&fixtures::summary());
        let object = json.as_object().unwrap();
        for key in [
            "seed",
            "trace_hash",
            "first_finalized_epoch",
            "finalized_epoch",
            "tps_total",
            "tps_per_shard",
            "crosslinks_per_shard",
            "cross_shard_sent",
            "cross_shard_credited",
            "safety_violations",
            "wall_seconds",
            "sim_seconds_per_wall_second",
        ] {
            assert!(object.contains_key(key), "missing key {key}");
        }
        for key in object.keys() {
            assert!(
                SUMMARY_FIELDS.iter().any(|(name, _)| name == key),
                "{key} not in SUMMARY_FIELDS"
            );
        }
        let params = object["params"].as_object().unwrap();
        for key in params.keys() {
            assert!(
                PARAM_COLUMNS.iter().any(|(name, _)| name == key),
                "{key} not in PARAM_COLUMNS"
            );
        }
    }

    #[test]
    fn missing_and_non_finite_figures_are_null() {
        let mut summary = fixtures::summary();
        summary.sim_seconds_per_wall_second = f64::INFINITY;
        summary.events_per_wall_second = f64::NAN;
        let json = to_json(&summary);
        assert_eq!(json["first_finalized_epoch"], Value::Null);
        assert_eq!(json["cross_shard_latency_ms_p99"], Value::Null);
        assert_eq!(json["sim_seconds_per_wall_second"], Value::Null);
        assert_eq!(json["events_per_wall_second"], Value::Null);
        assert_eq!(json["safety_violations"], Value::Array(vec![]));
        assert_eq!(json["tps_total"], serde_json::json!(49.75));
        assert_eq!(
            json["params"]["faults"],
            Value::String(summary.params.faults.clone())
        );
    }

    #[test]
    fn round_trips() {
        let mut summary = fixtures::summary();
        summary.first_finalized_epoch = Some(2);
        summary.cross_shard_latency_ms_p50 = Some(812.5);
        summary.safety_violations = vec!["two finalized checkpoints at epoch 3".into()];
        let mut out = Vec::new();
        write_summary_json(&summary, &mut out).unwrap();
        let back: Summary = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, summary);
    }

    #[test]
    fn reports_write_errors() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        assert!(write_summary_json(&fixtures::summary(), &mut Broken).is_err());
    }
}
