//! `shardnode swarm`: runs `--seeds N` swarm seeds (`simulator::swarm`: random network
//! conditions and faults inside the safe envelope) on `--jobs J` threads; every run must keep
//! the safety invariants and pass the liveness check. Prints each failing seed with the
//! one-line command that replays it; `--replay SEED` runs one seed and prints its table;
//! `--recheck N` replays N of the seeds run and checks each gives the same trace hash.

use super::sim::{build_scenario, SimArgs};
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use shardnode::parallel::run_all;
use simulator::report::render_table;
use simulator::swarm::{describe, generate};
use simulator::{run_scenario, Scenario};
use std::io::Write;
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
    /// Write swarm.csv (one row per seed) into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
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

struct Outcome {
    seed: u64,
    description: String,
    safe: bool,
    live: bool,
    liveness: String,
    violations: Vec<String>,
    finalized: u64,
    trace_hash: String,
    wall: f64,
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
    let seeds: Vec<u64> = (args.start..args.start.saturating_add(args.seeds)).collect();
    let scenarios: Vec<Scenario> = seeds.iter().map(|&s| generate(&base, s)).collect();
    for (seed, s) in seeds.iter().zip(&scenarios) {
        s.validate().with_context(|| format!("swarm seed {seed}"))?;
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
    let mut outcomes: Vec<Option<Outcome>> = (0..seeds.len()).map(|_| None).collect();
    let mut failed = 0u64;
    run_all(&scenarios, args.jobs, &mut |i, result, wall| {
        let result = result.with_context(|| format!("swarm seed {}", seeds[i]))?;
        let outcome = Outcome {
            seed: seeds[i],
            description: describe(&scenarios[i]),
            safe: result.safe(),
            live: result.live(),
            liveness: result.summary.liveness.clone(),
            violations: result.summary.safety_violations.clone(),
            finalized: result.summary.finalized_epoch,
            trace_hash: result.summary.trace_hash.clone(),
            wall,
        };
        if !(outcome.safe && outcome.live) {
            failed += 1;
            let line = format!(
                "seed {} FAILED ({}): {}\n  replay: {}",
                outcome.seed,
                outcome.description,
                if outcome.safe {
                    outcome.liveness.clone()
                } else {
                    outcome.violations.join("; ")
                },
                replay_command(&args, outcome.seed)
            );
            // A hidden bar (`--quiet`) drops what it is asked to print.
            if args.quiet {
                eprintln!("{line}");
            } else {
                bar.println(line);
            }
        }
        bar.inc(1);
        bar.set_message(format!("{failed} failed"));
        outcomes[i] = Some(outcome);
        Ok(())
    })?;
    bar.finish_and_clear();
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    let unsafe_runs = outcomes.iter().filter(|o| !o.safe).count();
    let dead = outcomes.iter().filter(|o| o.safe && !o.live).count();
    println!(
        "{} seeds ({}..{}) in {:.1} s: {} passed, {} safety violations, {} liveness failures",
        outcomes.len(),
        args.start,
        args.start.saturating_add(args.seeds),
        started.elapsed().as_secs_f64(),
        outcomes.len() - unsafe_runs - dead,
        unsafe_runs,
        dead
    );
    for o in outcomes.iter().filter(|o| !(o.safe && o.live)) {
        println!("FAILED seed {}: {}", o.seed, replay_command(&args, o.seed));
    }
    let differing = recheck(&args, &outcomes, &scenarios)?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("swarm.csv");
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        let write = |out: &mut dyn Write| -> std::io::Result<()> {
            writeln!(
                out,
                "seed,safe,live,finalized_epoch,trace_hash,wall_seconds,scenario,liveness"
            )?;
            for o in &outcomes {
                writeln!(
                    out,
                    "{},{},{},{},{},{:.3},\"{}\",\"{}\"",
                    o.seed,
                    o.safe,
                    o.live,
                    o.finalized,
                    o.trace_hash,
                    o.wall,
                    o.description.replace('"', "\"\""),
                    o.liveness.replace('"', "\"\"")
                )?;
            }
            out.flush()
        };
        write(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(failed == 0 && differing == 0)
}

/// Replays `args.recheck` of the run's seeds (evenly spread) and compares their trace hashes
/// with the first run's; prints the figure and returns how many differed.
fn recheck(args: &SwarmArgs, outcomes: &[Outcome], scenarios: &[Scenario]) -> Result<u64> {
    let count = (args.recheck as usize).min(outcomes.len());
    if count == 0 {
        return Ok(0);
    }
    let picked: Vec<usize> = (0..count).map(|i| i * outcomes.len() / count).collect();
    let again: Vec<Scenario> = picked.iter().map(|&i| scenarios[i].clone()).collect();
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
