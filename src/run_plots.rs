//! The plots of one simulator run (`shardnode sim --plots`): finalized and justified epoch over
//! time, TPS per shard per epoch, and the CDFs of inclusion, crosslink and cross-shard latency.

use crate::plots::{write_chart, Chart, Series};
use anyhow::Result;
use simulator::histogram::Histogram;
use simulator::RunResult;
use std::path::{Path, PathBuf};

/// Finalized and justified epoch at the observer, against simulated time.
fn finality_chart(result: &RunResult) -> Chart {
    let series = |label: &str, pick: fn(&simulator::report::SlotRow) -> u64| Series {
        label: label.into(),
        points: result
            .slots
            .iter()
            .map(|r| (r.time_ms as f64 / 1000.0, pick(r) as f64))
            .collect(),
        ..Series::default()
    };
    Chart {
        title: "Justified and finalized epoch (observer)".into(),
        x_label: "simulated time (s)".into(),
        y_label: "epoch".into(),
        series: vec![
            series("justified", |r| r.justified_epoch),
            series("finalized", |r| r.finalized_epoch),
        ],
        steps: true,
        ..Chart::default()
    }
}

/// Transactions per second of each shard, per epoch (canonical blocks at the observer).
fn tps_chart(result: &RunResult) -> Chart {
    let scenario = &result.scenario;
    let spe = scenario.preset.slots_per_epoch();
    let epoch_seconds = (spe * scenario.slot_duration_ms()) as f64 / 1000.0;
    let shards = scenario.active_shards as usize;
    let epochs = scenario.epochs as usize;
    let mut per = vec![vec![0u64; epochs]; shards];
    for row in &result.shards {
        let epoch = (row.slot / spe) as usize;
        if let Some(cell) = per
            .get_mut(row.shard as usize)
            .and_then(|s| s.get_mut(epoch))
        {
            *cell += row.transactions;
        }
    }
    Chart {
        title: "TPS per shard, per epoch (observer's canonical chains)".into(),
        x_label: "end of epoch, simulated time (s)".into(),
        y_label: "transactions per second".into(),
        series: per
            .iter()
            .enumerate()
            .map(|(shard, counts)| Series {
                label: if shards <= 16 {
                    format!("shard {shard}")
                } else {
                    String::new()
                },
                points: counts
                    .iter()
                    .enumerate()
                    .map(|(e, c)| ((e + 1) as f64 * epoch_seconds, *c as f64 / epoch_seconds))
                    .collect(),
                ..Series::default()
            })
            .collect(),
        ..Chart::default()
    }
}

fn cdf_chart(title: &str, x_label: &str, histogram: &Histogram, scale: f64) -> Chart {
    Chart {
        title: format!("{title} ({} samples)", histogram.count()),
        x_label: x_label.into(),
        y_label: "fraction at or below".into(),
        series: vec![Series {
            label: String::new(),
            points: histogram
                .cdf()
                .into_iter()
                .map(|(v, f)| (v as f64 * scale, f))
                .collect(),
            ..Series::default()
        }],
        steps: true,
        ..Chart::default()
    }
}

/// Writes every chart of `result` into `dir`; a CDF with no sample is skipped (and named).
pub fn write_run_plots(dir: &Path, result: &RunResult) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let mut written = Vec::new();
    let mut skipped = Vec::new();
    written.extend(write_chart(dir, "finality", &finality_chart(result))?);
    written.extend(write_chart(dir, "tps-per-shard", &tps_chart(result))?);
    let l = &result.latencies;
    let cdfs = [
        (
            "cdf-inclusion",
            "Transaction inclusion latency",
            "seconds",
            &l.inclusion_ms,
            1e-3,
        ),
        (
            "cdf-crosslink",
            "Crosslink delay",
            "slots",
            &l.crosslink_delay_slots,
            1.0,
        ),
        (
            "cdf-cross-shard",
            "Cross-shard latency (send to credit)",
            "seconds",
            &l.cross_shard_ms,
            1e-3,
        ),
    ];
    for (stem, title, unit, histogram, scale) in cdfs {
        if histogram.count() == 0 {
            skipped.push(format!("{stem} (no samples)"));
            continue;
        }
        written.extend(write_chart(
            dir,
            stem,
            &cdf_chart(title, unit, histogram, scale),
        )?);
    }
    Ok((written, skipped))
}
