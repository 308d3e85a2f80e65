//! The human summary table printed on stdout at the end of a run: two aligned columns, figure
//! and value, plain ASCII.

use std::fmt::Write as _;

use super::schema::Summary;

/// Shards up to which the table lists every shard's throughput.
const LIST_SHARDS_UP_TO: usize = 16;

/// Safety violations listed one per line under their count; the rest are counted.
const LIST_VIOLATIONS_UP_TO: usize = 8;

/// Renders `summary` as a two-column table (figure, value), one figure per line, ending with a
/// newline. Missing figures read `n/a`.
pub fn render_table(summary: &Summary) -> String {
    let s = summary;
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut row = |figure: &str, value: String| rows.push((figure.to_string(), value));

    row(
        "slots run",
        format!(
            "{} ({} simulated s)",
            s.slots_run,
            float(s.simulated_seconds, 1)
        ),
    );
    row("first finalized epoch", opt_u64(s.first_finalized_epoch));
    row(
        "last finalized epoch",
        format!("{} (justified {})", s.finalized_epoch, s.justified_epoch),
    );
    row(
        "TPS total",
        format!(
            "{} ({} transactions)",
            float(s.tps_total, 2),
            s.transactions_included
        ),
    );
    row(
        "TPS per shard min / mean / max",
        min_mean_max(&s.tps_per_shard),
    );
    if !s.tps_per_shard.is_empty() && s.tps_per_shard.len() <= LIST_SHARDS_UP_TO {
        let list: Vec<String> = s.tps_per_shard.iter().map(|v| float(*v, 2)).collect();
        row("TPS by shard", list.join(" "));
    }
    row(
        "crosslinks per shard min / max",
        min_max(&s.crosslinks_per_shard),
    );
    row(
        "crosslink inclusion delay",
        with_unit(s.crosslink_inclusion_delay_slots_mean, 2, "slots (mean)"),
    );
    row(
        "finality latency",
        with_unit(s.finality_latency_slots_mean, 2, "slots (mean)"),
    );
    row(
        "cross-shard sent / credited",
        format!(
            "{} / {} ({} sent 3+ epochs before the end not credited)",
            s.cross_shard_sent, s.cross_shard_credited, s.cross_shard_uncredited_early
        ),
    );
    row(
        "cross-shard latency p50 / p99",
        format!(
            "{} / {}",
            with_unit(s.cross_shard_latency_ms_p50, 1, "ms"),
            with_unit(s.cross_shard_latency_ms_p99, 1, "ms")
        ),
    );
    row(
        "inclusion latency p50 / p99",
        format!(
            "{} / {}",
            with_unit(s.inclusion_latency_ms_p50, 1, "ms"),
            with_unit(s.inclusion_latency_ms_p99, 1, "ms")
        ),
    );
    row(
        "CPU busy, mean / max node",
        match (s.cpu_utilization_mean, s.cpu_utilization_max) {
            (Some(mean), Some(max)) => format!("{:.1} % / {:.1} %", mean * 100.0, max * 100.0),
            _ => "n/a (CPU model off)".to_string(),
        },
    );
    row("missed beacon slots", s.missed_beacon_slots.to_string());
    row("missed shard slots", s.missed_shard_slots.to_string());
    if s.safety_violations.is_empty() {
        row("safety violations", "none".to_string());
    } else {
        row("safety violations", s.safety_violations.len().to_string());
        for violation in s.safety_violations.iter().take(LIST_VIOLATIONS_UP_TO) {
            row("  -", one_line(violation));
        }
        let more = s
            .safety_violations
            .len()
            .saturating_sub(LIST_VIOLATIONS_UP_TO);
        if more > 0 {
            row("  -", format!("... and {more} more"));
        }
    }
    if !s.liveness.is_empty() {
        row("liveness", s.liveness.clone());
    }
    row("trace hash", one_line(&s.trace_hash));
    if s.offenders > 0 || s.slashed > 0 {
        row(
            "slashings",
            format!(
                "{} offenders, {} slashed{} (who and when: slashings.csv with --out)",
                s.offenders,
                s.slashed,
                s.slashing_delay_slots_max
                    .map_or(String::new(), |d| format!(
                        ", at most {d} slots after the offence"
                    )),
            ),
        );
    }
    row(
        "events processed",
        if s.duplicates_suppressed > 0 {
            format!(
                "{} ({} delivered, {} dropped messages, {} duplicates suppressed)",
                s.events_processed,
                s.messages_delivered,
                s.messages_dropped,
                s.duplicates_suppressed
            )
        } else {
            format!(
                "{} ({} delivered, {} dropped messages)",
                s.events_processed, s.messages_delivered, s.messages_dropped
            )
        },
    );
    row(
        "wall time",
        format!(
            "{} (setup {})",
            with_unit(Some(s.wall_seconds), 3, "s"),
            with_unit(Some(s.setup_seconds), 3, "s")
        ),
    );
    row(
        "simulated s per wall s",
        format!(
            "{} ({} after setup)",
            float(s.sim_seconds_per_wall_second, 1),
            float(s.sim_seconds_per_run_second, 1)
        ),
    );

    let width = rows
        .iter()
        .map(|(figure, _)| figure.chars().count())
        .max()
        .unwrap_or(0);
    let mut table = String::new();
    for (figure, value) in &rows {
        let _ = writeln!(table, "{figure:<width$}  {value}");
    }
    table
}

/// `value` with `decimals` decimals, or `n/a` when it is not finite.
fn float(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "n/a".to_string()
    }
}

/// `value` with `decimals` decimals and `unit`, or `n/a`.
fn with_unit(value: Option<f64>, decimals: usize, unit: &str) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{} {unit}", float(v, decimals)),
        _ => "n/a".to_string(),
    }
}

/// The number, or `n/a`.
fn opt_u64(value: Option<u64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| v.to_string())
}

/// `min / mean / max` of the finite values, two decimals, or `n/a` when there are none.
fn min_mean_max(values: &[f64]) -> String {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return "n/a".to_string();
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    format!("{} / {} / {}", float(min, 2), float(mean, 2), float(max, 2))
}

/// `min / max`, or `n/a` when there are no values.
fn min_max(values: &[u64]) -> String {
    match (values.iter().min(), values.iter().max()) {
        (Some(min), Some(max)) => format!("{min} / {max}"),
        _ => "n/a".to_string(),
    }
}

/// `text` on one line: line breaks and other control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn value_of<'a>(table: &'a str, figure: &str) -> &'a str {
        table
            .lines()
            .find(|line| line.starts_with(figure))
            .map(|line| line[figure.len()..].trim())
            .unwrap_or_else(|| panic!("no row {figure:?} in\n{table}"))
    }

    #[test]
    fn shows_trace_hash_and_na_for_missing_values() {
        let summary = fixtures::summary();
        let table = render_table(&summary);
        assert!(table.contains(&summary.trace_hash));
        assert_eq!(value_of(&table, "first finalized epoch"), "n/a");
        assert_eq!(value_of(&table, "crosslink inclusion delay"), "n/a");
        assert_eq!(value_of(&table, "finality latency"), "n/a");
        assert_eq!(
            value_of(&table, "cross-shard latency p50 / p99"),
            "n/a / n/a"
        );
        assert_eq!(value_of(&table, "safety violations"), "none");
        assert!(table.is_ascii());
    }

    #[test]
    fn rows_in_order_and_aligned() {
        let table = render_table(&fixtures::summary());
        let figures = [
            "slots run",
            "first finalized epoch",
            "last finalized epoch",
            "TPS total",
            "TPS per shard min / mean / max",
            "TPS by shard",
            "crosslinks per shard min / max",
            "crosslink inclusion delay",
            "finality latency",
            "cross-shard sent / credited",
            "cross-shard latency p50 / p99",
            "inclusion latency p50 / p99",
            "CPU busy, mean / max node",
            "missed beacon slots",
            "missed shard slots",
            "safety violations",
            "liveness",
            "trace hash",
            "events processed",
            "wall time",
            "simulated s per wall s",
        ];
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), figures.len());
        for (line, figure) in lines.iter().zip(figures) {
            assert!(
                line.starts_with(figure),
                "{line:?} should start with {figure:?}"
            );
        }
        let width = figures.iter().map(|f| f.len()).max().unwrap();
        for line in &lines {
            assert_eq!(&line[width..width + 2], "  ", "{line:?}");
            assert_ne!(&line[width + 2..width + 3], " ", "{line:?}");
        }
        assert_eq!(value_of(&table, "last finalized epoch"), "0 (justified 1)");
        assert_eq!(
            value_of(&table, "TPS per shard min / mean / max"),
            "12.00 / 12.44 / 13.00"
        );
        assert_eq!(value_of(&table, "TPS by shard"), "12.00 12.50 12.25 13.00");
        assert_eq!(value_of(&table, "crosslinks per shard min / max"), "6 / 8");
        assert_eq!(
            value_of(&table, "cross-shard sent / credited"),
            "1900 / 1870 (0 sent 3+ epochs before the end not credited)"
        );
        assert_eq!(value_of(&table, "wall time"), "2.500 s (setup 0.500 s)");
        assert_eq!(
            value_of(&table, "simulated s per wall s"),
            "153.6 (192.0 after setup)"
        );
    }

    #[test]
    fn present_values_violations_and_many_shards() {
        let mut summary = fixtures::summary();
        summary.first_finalized_epoch = Some(2);
        summary.finality_latency_slots_mean = Some(17.25);
        summary.cross_shard_latency_ms_p50 = Some(812.5);
        summary.cross_shard_latency_ms_p99 = Some(2400.0);
        summary.tps_per_shard = vec![1.0; 64];
        summary.crosslinks_per_shard = vec![];
        summary.sim_seconds_per_wall_second = f64::INFINITY;
        summary.safety_violations = (0..10)
            .map(|i| format!("violation {i}\nsecond line"))
            .collect();
        let table = render_table(&summary);
        assert_eq!(value_of(&table, "first finalized epoch"), "2");
        assert_eq!(value_of(&table, "finality latency"), "17.25 slots (mean)");
        assert_eq!(
            value_of(&table, "cross-shard latency p50 / p99"),
            "812.5 ms / 2400.0 ms"
        );
        assert!(!table.contains("TPS by shard"));
        assert_eq!(value_of(&table, "crosslinks per shard min / max"), "n/a");
        assert_eq!(
            value_of(&table, "simulated s per wall s"),
            "n/a (192.0 after setup)"
        );
        assert_eq!(value_of(&table, "safety violations"), "10");
        assert!(table.contains("violation 7 second line"));
        assert!(!table.contains("violation 8"));
        assert!(table.contains("... and 2 more"));
    }

    #[test]
    fn empty_summary_does_not_panic() {
        let summary = Summary {
            tps_per_shard: vec![f64::NAN],
            ..Summary::default()
        };
        let table = render_table(&summary);
        assert_eq!(value_of(&table, "TPS per shard min / mean / max"), "n/a");
        assert_eq!(value_of(&table, "TPS by shard"), "n/a");
    }
}
