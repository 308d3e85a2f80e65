//! `shardnode swarm`: runs `--seeds N` swarm seeds (`simulator::swarm`: random network
//! conditions and faults inside the safe envelope) on `--jobs J` threads; every run must keep
//! the safety invariants and pass the liveness check. Prints each failing seed with the
//! one-line command that replays it; `--replay SEED` runs one seed and prints its table;
//! `--recheck N` replays N of the seeds run and checks each gives the same trace hash;
//! `--out DIR` keeps a row per seed in `DIR/swarm.csv` as each finishes, and `--resume` runs
//! only the seeds of the range that file lacks.

use super::sim::{build_scenario, SimArgs};
use super::swarm_csv::{Ledger, Row};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use shardnode::parallel::run_all;
use simulator::report::render_table;
use simulator::swarm::{describe, generate};
use simulator::{run_scenario, Scenario};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct SwarmArgs {
    /// How many seeds to run.
    #[arg(long, default_value_t = 100)]
    pub seeds: u64,
    /// The first seed (seeds `start .. start + seeds`).
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Runs at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// The base scenario: preset, crypto, workload and slot duration come from it (default:
    /// the default scenario with fake BLS and 10 tx/s per shard).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Override a base value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Run one seed and print its summary table.
    #[arg(long, value_name = "SEED")]
    pub replay: Option<u64>,
    /// Write swarm.csv (one row per seed, appended as each seed finishes) into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Keep the rows already in `--out`'s swarm.csv and run only the seeds of the range it
    /// lacks; the summary, the exit status and `--recheck` cover every seed of the range.
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// After the run, replay this many of its seeds (spread evenly over the range) and check
    /// that each gives the same trace hash again.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub recheck: u64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The base of every swarm scenario: fake BLS and a light workload unless the file or
/// `--set` says otherwise.
fn base(args: &SwarmArgs) -> Result<Scenario> {
    let mut set = vec!["crypto=fake".to_string(), "tps_per_shard=10".to_string()];
    set.extend(args.set.iter().cloned());
    build_scenario(&SimArgs {
        scenario: args.scenario.clone(),
        set,
        out: None,
        quiet: true,
        plots: false,
        trace_jsonl: None,
    })
}

/// The command that replays `seed` with the same base.
fn replay_command(args: &SwarmArgs, seed: u64) -> String {
    let mut words = vec!["shardnode".to_string(), "swarm".into(), "--replay".into()];
    words.push(seed.to_string());
    if let Some(file) = &args.scenario {
        words.push("--scenario".into());
        words.push(file.display().to_string());
    }
    for s in &args.set {
        words.push("--set".into());
        words.push(s.clone());
    }
    words.join(" ")
}

pub fn run(args: SwarmArgs) -> Result<bool> {
    if args.jobs == 0 {
        bail!("`--jobs 0`: give at least one");
    }
    let base = base(&args)?;
    if let Some(seed) = args.replay {
        let scenario = generate(&base, seed);
        scenario
            .validate()
            .with_context(|| format!("swarm seed {seed}"))?;
        println!("swarm seed {seed}: {}", describe(&scenario));
        let started = Instant::now();
        let mut setup: Option<f64> = None;
        let mut result = run_scenario(&scenario, &mut |_| {
            setup.get_or_insert_with(|| started.elapsed().as_secs_f64());
        })?;
        result.set_wall_seconds(started.elapsed().as_secs_f64(), setup.unwrap_or(0.0));
        println!("{}", render_table(&result.summary));
        return Ok(result.safe() && result.live());
    }
    let range = args.start..args.start.saturating_add(args.seeds);
    let mut ledger = match &args.out {
        Some(dir) => Some(Ledger::open(dir, args.resume)?),
        None => None,
    };
    let carried: Vec<Row> = ledger
        .iter()
        .flat_map(|l| l.rows().range(range.clone()).map(|(_, row)| row.clone()))
        .collect();
    for row in &carried {
        let now = describe(&generate(&base, row.seed));
        if row.description != now {
            bail!(
                "swarm.csv's row for seed {} was drawn from another base scenario ({}; this \
                 base draws {now}): resume with the same --scenario and --set",
                row.seed,
                row.description
            );
        }
    }
    let recorded: std::collections::BTreeSet<u64> = carried.iter().map(|row| row.seed).collect();
    let seeds: Vec<u64> = range
        .clone()
        .filter(|seed| !recorded.contains(seed))
        .collect();
    let scenarios: Vec<Scenario> = seeds.iter().map(|&s| generate(&base, s)).collect();
    for (seed, s) in seeds.iter().zip(&scenarios) {
        s.validate().with_context(|| format!("swarm seed {seed}"))?;
    }
    if !carried.is_empty() {
        println!(
            "{} seeds of {}..{} already in swarm.csv ({} failed there); running the other {}",
            carried.len(),
            range.start,
            range.end,
            carried.iter().filter(|r| !r.passed()).count(),
            seeds.len()
        );
    }
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(seeds.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} seed {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut failed = 0u64;
    run_all(&scenarios, args.jobs, &mut |i, result, wall| {
        let result = result.with_context(|| format!("swarm seed {}", seeds[i]))?;
        let row = Row {
            seed: seeds[i],
            description: describe(&scenarios[i]),
            safe: result.safe(),
            live: result.live(),
            liveness: result.summary.liveness.clone(),
            finalized: result.summary.finalized_epoch,
            trace_hash: result.summary.trace_hash.clone(),
            wall,
        };
        if !row.passed() {
            failed += 1;
            let line = format!(
                "seed {} FAILED ({}): {}\n  replay: {}",
                row.seed,
                row.description,
                if row.safe {
                    row.liveness.clone()
                } else {
                    result.summary.safety_violations.join("; ")
                },
                replay_command(&args, row.seed)
            );
            // A hidden bar (`--quiet`) drops what it is asked to print.
            if args.quiet {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
        if let Some(ledger) = ledger.as_mut() {
            ledger.append(row.clone())?;
        }
        rows.push(row);
        bar.inc(1);
        bar.set_message(format!(
            "{} failed",
            rows.iter().filter(|r| !r.passed()).count()
        ));
        Ok(())
    })?;
    bar.finish_and_clear();
    rows.sort_by_key(|row| row.seed);
    println!(
        "{} seeds ({}..{}) in {:.1} s: {}",
        rows.len(),
        range.start,
        range.end,
        started.elapsed().as_secs_f64(),
        tally(&rows)
    );
    let mut all = [carried, rows].concat();
    all.sort_by_key(|row| row.seed);
    if all.len() > seeds.len() {
        println!("the whole range, {} seeds: {}", all.len(), tally(&all));
    }
    for row in all.iter().filter(|row| !row.passed()) {
        println!(
            "FAILED seed {}: {}",
            row.seed,
            replay_command(&args, row.seed)
        );
    }
    let differing = recheck(&args, &all, &base)?;
    if let Some(ledger) = ledger {
        println!("wrote {}", ledger.finish()?.display());
    }
    Ok(all.iter().all(Row::passed) && differing == 0)
}

/// "P passed, S safety violations, L liveness failures".
fn tally(rows: &[Row]) -> String {
    let unsafe_runs = rows.iter().filter(|r| !r.safe).count();
    let dead = rows.iter().filter(|r| r.safe && !r.live).count();
    format!(
        "{} passed, {unsafe_runs} safety violations, {dead} liveness failures",
        rows.len() - unsafe_runs - dead
    )
}

/// Replays `args.recheck` of the run's seeds (evenly spread) and compares their trace hashes
/// with the first run's; prints the figure and returns how many differed.
fn recheck(args: &SwarmArgs, outcomes: &[Row], base: &Scenario) -> Result<u64> {
    let count = (args.recheck as usize).min(outcomes.len());
    if count == 0 {
        return Ok(0);
    }
    let picked: Vec<usize> = (0..count).map(|i| i * outcomes.len() / count).collect();
    let again: Vec<Scenario> = picked
        .iter()
        .map(|&i| generate(base, outcomes[i].seed))
        .collect();
    let started = Instant::now();
    let mut differing = 0u64;
    run_all(&again, args.jobs, &mut |k, result, _| {
        let first = &outcomes[picked[k]];
        let result = result.with_context(|| format!("swarm seed {} (recheck)", first.seed))?;
        if result.summary.trace_hash != first.trace_hash {
            differing += 1;
            println!(
                "seed {} NOT DETERMINISTIC: trace {} then {}\n  replay: {}",
                first.seed,
                first.trace_hash,
                result.summary.trace_hash,
                replay_command(args, first.seed)
            );
        }
        Ok(())
    })?;
    println!(
        "determinism: {} of {count} seeds replayed gave the same trace hash ({:.1} s)",
        count as u64 - differing,
        started.elapsed().as_secs_f64()
    );
    Ok(differing)
}
