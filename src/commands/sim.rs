//! `shardnode sim`: runs a scenario in the deterministic simulator, with a progress bar, a
//! summary table at the end, and (with `--out`) `summary.json`, `slots.csv`, `shards.csv`, the
//! exact `scenario.toml` that ran, and `metrics/node-N.prom`: each node's final metrics in the
//! Prometheus text format, from the definitions the real node serves (`src/metrics.rs`). A
//! broken safety invariant exits non-zero and prints the one-line command that replays the run.

use anyhow::{bail, Context, Result};
use beacon::node::{HeadGauges, NodeSummary, Output};
use indicatif::{ProgressBar, ProgressStyle};
use shardnode::event_json::output_json;
use shardnode::metrics::NodeMetrics;
use shardnode::run_plots::write_run_plots;
use simulator::report::{render_table, write_shards_csv, write_slots_csv, write_summary_json};
use simulator::{run_scenario_with, FinishedNodes, OutputTap, Scenario};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What `shardnode sim` was asked to do.
pub struct SimArgs {
    pub scenario: Option<PathBuf>,
    pub set: Vec<String>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
    pub plots: bool,
    pub trace_jsonl: Option<PathBuf>,
}

/// The scenario of the run: the file (or the default), then every `key=value` override.
pub fn build_scenario(args: &SimArgs) -> Result<Scenario> {
    let mut scenario = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the scenario {}", path.display()))?;
            Scenario::from_toml_str(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => Scenario::default(),
    };
    for assignment in &args.set {
        let Some((key, value)) = assignment.split_once('=') else {
            bail!("`--set {assignment}`: expected key=value");
        };
        scenario
            .set(key.trim(), value.trim())
            .with_context(|| format!("`--set {assignment}`"))?;
    }
    scenario.validate()?;
    Ok(scenario)
}

/// Feeds each node's events and gossip verdicts to its metrics, as the real node's driver does.
fn metrics_tap(metrics: Vec<NodeMetrics>) -> OutputTap {
    Box::new(move |_, node, output| {
        let Some(metrics) = metrics.get(node) else {
            return;
        };
        match output {
            Output::Event(event) => metrics.observe_event(event),
            Output::Verdict { topic, verdict, .. } => {
                metrics.observe_verdict(topic.kind(), verdict.kind(), verdict.label())
            }
            _ => {}
        }
    })
}

/// Each node's summary and head gauges at the end of the run (`None` for a node that is down).
fn final_gauges(nodes: FinishedNodes<'_>, count: usize) -> Vec<Option<(NodeSummary, HeadGauges)>> {
    fn read<P: consensus::Preset>(
        simulation: &simulator::Simulation<P>,
        count: usize,
    ) -> Vec<Option<(NodeSummary, HeadGauges)>> {
        (0..count)
            .map(|i| simulation.node(i).map(|n| (n.summary(), n.head_gauges())))
            .collect()
    }
    match nodes {
        FinishedNodes::Minimal(simulation) => read(simulation, count),
        FinishedNodes::Mainnet(simulation) => read(simulation, count),
    }
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,@".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

fn write_file(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    write(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn run(args: SimArgs) -> Result<()> {
    let scenario = build_scenario(&args)?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    }
    let slots_per_epoch = match scenario.preset {
        consensus::PresetName::Minimal => 8,
        consensus::PresetName::Mainnet => 64,
    };
    let total = scenario.total_slots(slots_per_epoch);
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} slot {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if scenario.crypto == simulator::scenario::CryptoMode::Fake {
        eprintln!("{}", consensus::bls::Crypto::fake_for_simulation().label());
    }
    let started = Instant::now();
    let mut setup = None;
    // With `--out`, every node's metrics, from the definitions the real node serves.
    let metrics = match &args.out {
        Some(_) => (0..scenario.nodes)
            .map(|_| NodeMetrics::new())
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let mut taps: Vec<OutputTap> = Vec::new();
    if !metrics.is_empty() {
        taps.push(metrics_tap(metrics.clone()));
    }
    let trace_error = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    if let Some(path) = &args.trace_jsonl {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = BufWriter::new(file);
        let error = trace_error.clone();
        let path = path.clone();
        taps.push(Box::new(move |t_ms, node, output| {
            if let Some(line) = output_json(t_ms, node, output) {
                if let Err(e) = writeln!(out, "{line}") {
                    if let Ok(mut slot) = error.lock() {
                        slot.get_or_insert_with(|| format!("cannot write {}: {e}", path.display()));
                    }
                }
            }
        }));
    }
    let tap: Option<OutputTap> = match taps.len() {
        0 => None,
        _ => Some(Box::new(move |t_ms, node, output| {
            for tap in taps.iter_mut() {
                tap(t_ms, node, output);
            }
        })),
    };
    let mut finals = Vec::new();
    let mut result = run_scenario_with(
        &scenario,
        &mut |p| {
            setup.get_or_insert_with(|| started.elapsed().as_secs_f64());
            bar.set_position(p.slot);
            bar.set_message(format!(
                "finalized epoch {} · {} events",
                p.finalized_epoch, p.events
            ));
        },
        tap,
        &mut |nodes| finals = final_gauges(nodes, metrics.len()),
    )?;
    result.set_wall_seconds(started.elapsed().as_secs_f64(), setup.unwrap_or(0.0));
    if let Some(error) = trace_error.lock().ok().and_then(|e| e.clone()) {
        bail!("{error}");
    }
    bar.finish_and_clear();
    println!("{}", render_table(&result.summary));
    if let Some(dir) = &args.out {
        let params = result.summary.params.clone();
        write_file(dir, "summary.json", |w| {
            write_summary_json(&result.summary, w)
        })?;
        write_file(dir, "slots.csv", |w| {
            write_slots_csv(&params, &result.slots, w)
        })?;
        write_file(dir, "shards.csv", |w| {
            write_shards_csv(&params, &result.shards, w)
        })?;
        write_file(dir, "slashings.csv", |w| {
            simulator::slashing::write_slashings_csv(&result.slashings, w)
        })?;
        let toml = scenario.to_toml_string()?;
        write_file(dir, "scenario.toml", |w| w.write_all(toml.as_bytes()))?;
        let metrics_dir = dir.join("metrics");
        std::fs::create_dir_all(&metrics_dir)
            .with_context(|| format!("cannot create {}", metrics_dir.display()))?;
        for (index, (metrics, last)) in metrics.iter().zip(&finals).enumerate() {
            if let Some((summary, gauges)) = last {
                metrics.observe_summary(summary, gauges);
            }
            let text = metrics.render();
            write_file(&metrics_dir, &format!("node-{index}.prom"), |w| {
                w.write_all(text.as_bytes())
            })?;
        }
        println!(
            "wrote {}/{{summary.json,slots.csv,shards.csv,slashings.csv,scenario.toml,metrics/node-N.prom}}",
            dir.display()
        );
        if args.plots {
            let (written, skipped) = write_run_plots(dir, &result)?;
            println!("wrote {} plot files into {}", written.len(), dir.display());
            for name in skipped {
                println!("skipped {name}");
            }
        }
    }
    let argv: Vec<String> = std::env::args().map(|a| shell_quote(&a)).collect();
    if !result.safe() {
        eprintln!(
            "SAFETY VIOLATION: {} invariant(s) broken. Replay with:\n{}",
            result.summary.safety_violations.len(),
            argv.join(" ")
        );
        bail!("safety invariants broken");
    }
    if !result.live() {
        eprintln!(
            "LIVENESS FAILURE: {}. Replay with:\n{}",
            result.summary.liveness,
            argv.join(" ")
        );
        bail!("liveness check failed");
    }
    Ok(())
}
