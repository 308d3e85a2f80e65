//! `shardnode sweep`: runs the product of `--vary` values, `--replicates` times each, on
//! `--jobs` worker threads, and writes `sweep.csv`, each run's `runs/run-N.toml` (to replay it
//! with `shardnode sim --scenario`), and `plots/` (`shardnode::sweep`).

use super::sim::{build_scenario, SimArgs};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use shardnode::parallel::run_all;
use shardnode::sweep::{describe, figures, plan, write_csv, write_plots, RunRow, Vary};
use simulator::Scenario;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// The base scenario (TOML); without it, the default scenario.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// A value for every run, applied before the varied ones (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A key and its values, `key=v1,v2,...` (repeatable; any `--set` key). Runs take the
    /// product; the first key is the plots' x axis.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...", required = true)]
    pub vary: Vec<String>,
    /// Runs per point; replicate r runs with seed `seed + r`.
    #[arg(long, default_value_t = 1)]
    pub replicates: u64,
    /// Runs at once (each run also uses the shared thread pool inside).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Output directory: sweep.csv, runs/run-N.toml, plots/sweep-<figure>.{svg,png}.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Do not draw the plots.
    #[arg(long)]
    pub no_plots: bool,
}

pub fn run(args: SweepArgs) -> Result<()> {
    if args.jobs == 0 {
        bail!("`--jobs 0`: give at least one");
    }
    let base = build_scenario(&SimArgs {
        scenario: args.scenario.clone(),
        set: args.set.clone(),
        out: None,
        quiet: true,
        plots: false,
        trace_jsonl: None,
    })?;
    let vary: Vec<Vary> = args
        .vary
        .iter()
        .map(|v| Vary::parse(v))
        .collect::<Result<_>>()?;
    let runs = plan(&base, &vary, args.replicates)?;
    let runs_dir = args.out.join("runs");
    std::fs::create_dir_all(&runs_dir)
        .with_context(|| format!("cannot create {}", runs_dir.display()))?;
    for run in &runs {
        let path = runs_dir.join(format!("run-{}.toml", run.index));
        std::fs::write(&path, run.scenario.to_toml_string()?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(runs.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} run {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut rows: Vec<Option<RunRow>> = vec![None; runs.len()];
    let mut failures = Vec::new();
    let scenarios: Vec<Scenario> = runs.iter().map(|r| r.scenario.clone()).collect();
    run_all(&scenarios, args.jobs, &mut |i, result, wall| {
        let run = &runs[i];
        let mut result = result.with_context(|| format!("run {i} ({})", describe(&run.point)))?;
        result.set_wall_seconds(wall, 0.0);
        if !result.safe() || !result.live() {
            failures.push(i);
        }
        bar.inc(1);
        bar.set_message(format!("last: {}", describe(&run.point)));
        rows[i] = Some(RunRow {
            index: i,
            point: run.point.clone(),
            replicate: run.replicate,
            seed: run.scenario.seed,
            figures: figures(&result.summary)?,
        });
        Ok(())
    })?;
    bar.finish_and_clear();
    let rows: Vec<RunRow> = rows.into_iter().flatten().collect();
    let csv = args.out.join("sweep.csv");
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&csv).with_context(|| format!("cannot create {}", csv.display()))?,
    );
    write_csv(&vary, &rows, &mut file)
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {}", csv.display()))?;
    println!(
        "{} runs in {:.1} s; wrote {} and {}/run-N.toml",
        rows.len(),
        started.elapsed().as_secs_f64(),
        csv.display(),
        runs_dir.display()
    );
    if !args.no_plots {
        let plots = args.out.join("plots");
        let written = std::fs::create_dir_all(&plots)
            .with_context(|| format!("cannot create {}", plots.display()))
            .and_then(|()| write_plots(&plots, &vary, &rows));
        match written {
            Ok(files) => println!("wrote {} plot files into {}", files.len(), plots.display()),
            Err(e) => eprintln!("plots not written (sweep.csv is complete): {e:#}"),
        }
    }
    if !failures.is_empty() {
        for i in &failures {
            eprintln!(
                "SAFETY OR LIVENESS FAILURE in run {i} ({}). Replay with:\nshardnode sim --scenario {}",
                describe(&runs[*i].point),
                runs_dir.join(format!("run-{i}.toml")).display()
            );
        }
        bail!(
            "{} run(s) broke safety invariants or failed the liveness check",
            failures.len()
        );
    }
    Ok(())
}
