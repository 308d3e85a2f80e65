//! Parameter sweeps (`shardnode sweep`): the product of every `--vary key=v1,v2,...` list,
//! each point run `replicates` times (replicate `r` runs with seed `seed + r`), as one tidy
//! `sweep.csv` (one row per run: its index, every varied key, the replicate, the seed, and every
//! summary figure) and one plot per figure against the first varied key (the replicates'
//! mean as a line, their min..max as a band, one line per value of the other varied keys).
//!
//! This module plans runs and writes their results; `src/commands/sweep.rs` runs them.

use crate::plots::{mean_and_spread, write_chart, Chart, Series};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use simulator::report::{Summary, SUMMARY_FIELDS};
use simulator::Scenario;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One `--vary key=v1,v2,...`.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub key: String,
    pub values: Vec<String>,
}

impl Vary {
    /// Parses `key=v1,v2,...` (at least one value, no empty value).
    pub fn parse(text: &str) -> Result<Self> {
        let Some((key, values)) = text.split_once('=') else {
            bail!("`--vary {text}`: expected key=v1,v2,...");
        };
        let key = key.trim();
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if key.is_empty() || values.iter().any(String::is_empty) {
            bail!("`--vary {text}`: expected key=v1,v2,... with no empty key or value");
        }
        Ok(Self {
            key: key.to_string(),
            values,
        })
    }
}

/// One run of the sweep.
#[derive(Clone, Debug)]
pub struct PlannedRun {
    pub index: usize,
    /// `(key, value)` for each varied key, in `--vary` order.
    pub point: Vec<(String, String)>,
    pub replicate: u64,
    pub scenario: Scenario,
}

/// Every run: the product of the varied values (the first key varies slowest), each
/// `replicates` times. Each scenario is `base` with the point's values set, then its seed
/// advanced by the replicate number, then validated: a bad key or value fails here, before
/// anything runs.
pub fn plan(base: &Scenario, vary: &[Vary], replicates: u64) -> Result<Vec<PlannedRun>> {
    if vary.is_empty() {
        bail!("give at least one `--vary key=v1,v2,...`");
    }
    if replicates == 0 {
        bail!("`--replicates 0`: give at least one");
    }
    for (i, v) in vary.iter().enumerate() {
        if vary[..i].iter().any(|w| w.key == v.key) {
            bail!("`--vary {}` is given twice", v.key);
        }
    }
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for v in vary {
        points = points
            .into_iter()
            .flat_map(|prefix| {
                v.values.iter().map(move |value| {
                    let mut point = prefix.clone();
                    point.push((v.key.clone(), value.clone()));
                    point
                })
            })
            .collect();
    }
    let mut runs = Vec::new();
    for point in points {
        for replicate in 0..replicates {
            let mut scenario = base.clone();
            for (key, value) in &point {
                scenario
                    .set(key, value)
                    .with_context(|| format!("`--vary {key}={value}`"))?;
            }
            scenario.seed = scenario
                .seed
                .checked_add(replicate)
                .context("seed overflow")?;
            scenario
                .validate()
                .with_context(|| format!("the sweep point {}", describe(&point)))?;
            runs.push(PlannedRun {
                index: runs.len(),
                point: point.clone(),
                replicate,
                scenario,
            });
        }
    }
    Ok(runs)
}

/// `key=value key=value`.
pub fn describe(point: &[(String, String)]) -> String {
    point
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The summary's figures as `(column, value)`, in `SUMMARY_FIELDS` order: numbers as they are,
/// a list of numbers as `_min`, `_mean` and `_max` columns, the safety violations as their
/// count, the parameters left out (the varied ones have their own columns). `None` is an
/// undefined figure (an empty cell).
pub fn figures(summary: &Summary) -> Result<Vec<(String, Option<String>)>> {
    let value = serde_json::to_value(summary).context("summary to JSON")?;
    let mut out = Vec::new();
    for (name, _) in SUMMARY_FIELDS {
        let field = value.get(*name).cloned().unwrap_or(Value::Null);
        match (*name, field) {
            ("params" | "seed", _) => {}
            ("safety_violations", Value::Array(list)) => {
                out.push((name.to_string(), Some(list.len().to_string())));
            }
            (_, Value::Array(list)) => {
                let numbers: Vec<f64> = list.iter().filter_map(Value::as_f64).collect();
                let stat = |f: &dyn Fn(&[f64]) -> f64| {
                    (!numbers.is_empty()).then(|| f(&numbers).to_string())
                };
                out.push((
                    format!("{name}_min"),
                    stat(&|v| v.iter().copied().fold(f64::INFINITY, f64::min)),
                ));
                out.push((
                    format!("{name}_mean"),
                    stat(&|v| v.iter().sum::<f64>() / v.len() as f64),
                ));
                out.push((
                    format!("{name}_max"),
                    stat(&|v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                ));
            }
            (_, Value::Null) => out.push((name.to_string(), None)),
            (_, Value::String(s)) => out.push((name.to_string(), Some(s))),
            (_, other) => out.push((name.to_string(), Some(other.to_string()))),
        }
    }
    Ok(out)
}

/// A finished run's row.
#[derive(Clone, Debug)]
pub struct RunRow {
    pub index: usize,
    pub point: Vec<(String, String)>,
    pub replicate: u64,
    pub seed: u64,
    pub figures: Vec<(String, Option<String>)>,
}

/// A cell of CSV (RFC 4180): quoted when it holds a comma, a quote or a line break.
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes `sweep.csv`: `run`, the varied keys, `replicate`, `seed`, then every figure.
pub fn write_csv(vary: &[Vary], rows: &[RunRow], out: &mut dyn Write) -> std::io::Result<()> {
    let mut header = vec!["run".to_string()];
    header.extend(vary.iter().map(|v| cell(&v.key)));
    header.push("replicate".into());
    header.push("seed".into());
    if let Some(first) = rows.first() {
        header.extend(first.figures.iter().map(|(name, _)| cell(name)));
    }
    writeln!(out, "{}", header.join(","))?;
    for row in rows {
        let mut cells = vec![row.index.to_string()];
        cells.extend(row.point.iter().map(|(_, v)| cell(v)));
        cells.push(row.replicate.to_string());
        cells.push(row.seed.to_string());
        cells.extend(
            row.figures
                .iter()
                .map(|(_, v)| v.as_deref().map(cell).unwrap_or_default()),
        );
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

/// The x of a value of the first varied key: the number itself, or (if any value of the key
/// is not a number) its position in the list.
fn x_positions(first: &Vary) -> Vec<f64> {
    let numbers: Option<Vec<f64>> = first.values.iter().map(|v| v.parse().ok()).collect();
    numbers.unwrap_or_else(|| (0..first.values.len()).map(|i| i as f64).collect())
}

/// One chart per numeric figure against the first varied key; returns the files written.
pub fn write_plots(dir: &Path, vary: &[Vary], rows: &[RunRow]) -> Result<Vec<PathBuf>> {
    let Some(first) = vary.first() else {
        return Ok(Vec::new());
    };
    let xs = x_positions(first);
    let numeric_x = first.values.iter().all(|v| v.parse::<f64>().is_ok());
    let x_label = if numeric_x {
        first.key.clone()
    } else {
        let names: Vec<String> = first
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{i}={v}"))
            .collect();
        format!("{} ({})", first.key, names.join(", "))
    };
    let Some(names) = rows
        .first()
        .map(|r| r.figures.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>())
    else {
        return Ok(Vec::new());
    };
    let mut written = Vec::new();
    for (column, name) in names.iter().enumerate() {
        // series label (the other varied keys) -> x -> replicate values
        let mut groups: BTreeMap<String, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
        for row in rows {
            let Some(value) = row
                .figures
                .get(column)
                .and_then(|(_, v)| v.as_deref())
                .and_then(|v| v.parse::<f64>().ok())
            else {
                continue;
            };
            let Some(position) = first.values.iter().position(|v| *v == row.point[0].1) else {
                continue;
            };
            let label = describe(&row.point[1..]);
            groups
                .entry(label)
                .or_default()
                .entry(position)
                .or_default()
                .push(value);
        }
        if groups.is_empty() {
            continue;
        }
        let series: Vec<Series> = groups
            .iter()
            .map(|(label, by_x)| {
                let points: Vec<(f64, Vec<f64>)> =
                    by_x.iter().map(|(p, v)| (xs[*p], v.clone())).collect();
                mean_and_spread(label, &points)
            })
            .collect();
        let chart = Chart {
            title: format!(
                "{name} against {} (mean, min..max of replicates)",
                first.key
            ),
            x_label: x_label.clone(),
            y_label: name.clone(),
            series,
            ..Chart::default()
        };
        written.extend(write_chart(dir, &format!("sweep-{name}"), &chart)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_parses_and_refuses_empty_parts() {
        let v = Vary::parse("nodes=4, 8,16").unwrap();
        assert_eq!(v.key, "nodes");
        assert_eq!(v.values, ["4", "8", "16"]);
        assert!(Vary::parse("nodes").is_err());
        assert!(Vary::parse("nodes=4,,8").is_err());
        assert!(Vary::parse("=4").is_err());
    }

    #[test]
    fn plan_is_the_product_with_replicate_seeds() {
        let base = Scenario::default();
        let vary = [
            Vary::parse("nodes=4,8").unwrap(),
            Vary::parse("loss=0,0.1,0.2").unwrap(),
        ];
        let runs = plan(&base, &vary, 2).unwrap();
        assert_eq!(runs.len(), 12);
        assert_eq!(runs[0].scenario.nodes, 4);
        assert_eq!(runs[11].scenario.nodes, 8);
        assert_eq!(runs[1].scenario.seed, base.seed + 1);
        assert_eq!(describe(&runs[2].point), "nodes=4 loss=0.1");
        assert!(plan(&base, &[Vary::parse("nodez=1").unwrap()], 1).is_err());
        assert!(plan(&base, &[Vary::parse("nodes=0").unwrap()], 1).is_err());
        assert!(plan(&base, &vary, 0).is_err());
        assert!(plan(&base, &[vary[0].clone(), vary[0].clone()], 1).is_err());
    }

    #[test]
    fn csv_has_one_row_per_run_and_quotes_cells() {
        let vary = [Vary::parse("latency=uniform:1:2,constant:5").unwrap()];
        let rows = vec![RunRow {
            index: 0,
            point: vec![("latency".into(), "a,b".into())],
            replicate: 0,
            seed: 1,
            figures: vec![("tps_total".into(), Some("3.5".into())), ("x".into(), None)],
        }];
        let mut out = Vec::new();
        write_csv(&vary, &rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "run,latency,replicate,seed,tps_total,x\n0,\"a,b\",0,1,3.5,\n"
        );
    }

    #[test]
    fn figures_flatten_lists_and_count_violations() {
        let summary = Summary {
            tps_per_shard: vec![1.0, 3.0],
            safety_violations: vec!["a".into()],
            ..Summary::default()
        };
        let figures = figures(&summary).unwrap();
        let get = |n: &str| figures.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(get("tps_per_shard_mean").as_deref(), Some("2"));
        assert_eq!(get("tps_per_shard_max").as_deref(), Some("3"));
        assert_eq!(get("safety_violations").as_deref(), Some("1"));
        assert_eq!(get("first_finalized_epoch"), None);
        assert!(figures.iter().all(|(k, _)| k != "params" && k != "seed"));
    }
}
