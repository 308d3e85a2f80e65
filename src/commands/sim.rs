//! `shardnode sim`: runs a scenario in the deterministic simulator, with a progress bar, a
//! summary table at the end, and (with `--out`) `summary.json`, `slots.csv`, `shards.csv` and
//! the exact `scenario.toml` that ran. A broken safety invariant exits non-zero and prints the
//! one-line command that replays the run.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use simulator::report::{render_table, write_shards_csv, write_slots_csv, write_summary_json};
use simulator::{run_scenario, Scenario};
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
    let mut result = run_scenario(&scenario, &mut |p| {
        setup.get_or_insert_with(|| started.elapsed().as_secs_f64());
        bar.set_position(p.slot);
        bar.set_message(format!(
            "finalized epoch {} · {} events",
            p.finalized_epoch, p.events
        ));
    })?;
    result.set_wall_seconds(started.elapsed().as_secs_f64(), setup.unwrap_or(0.0));
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
        let toml = scenario.to_toml_string()?;
        write_file(dir, "scenario.toml", |w| w.write_all(toml.as_bytes()))?;
        println!(
            "wrote {}/{{summary.json,slots.csv,shards.csv,scenario.toml}}",
            dir.display()
        );
    }
    if !result.safe() {
        let argv: Vec<String> = std::env::args().map(|a| shell_quote(&a)).collect();
        eprintln!(
            "SAFETY VIOLATION: {} invariant(s) broken. Replay with:\n{}",
            result.summary.safety_violations.len(),
            argv.join(" ")
        );
        bail!("safety invariants broken");
    }
    Ok(())
}
