//! `shardnode-fuzz`: runs the fuzz targets (see the crate documentation and
//! `docs/reliability.md`). `scripts/fuzz.sh` wraps it.

#[global_allocator]
static ALLOCATOR: shardnode_fuzz::alloc::Tracking = shardnode_fuzz::alloc::Tracking;

use clap::{Parser, Subcommand};
use shardnode_fuzz::runner::{self, Budget, Report};
use shardnode_fuzz::{corpus, targets};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "shardnode-fuzz", about = "Fuzz every decoder of shardnode")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the targets.
    List,
    /// Write the seed corpus (valid encodings) into the corpus folder.
    Seed {
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Run targets: the corpus first, then mutations, until the budget is spent.
    Run {
        /// A target name, or `all` (repeatable).
        #[arg(long = "target", default_value = "all")]
        targets: Vec<String>,
        /// Inputs per target.
        #[arg(long, conflicts_with = "seconds")]
        inputs: Option<u64>,
        /// Seconds per target [default: 10].
        #[arg(long)]
        seconds: Option<f64>,
        /// Seed of the mutator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Save inputs with a new verdict class into the corpus.
        #[arg(long)]
        save: bool,
        /// Where crashing and hanging inputs are saved [default: fuzz/findings].
        #[arg(long)]
        findings: Option<PathBuf>,
    },
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn print_row(r: &Report) {
    println!(
        "| {} | {} | {:.0} | {} | {} | {} | {:.1} | {:.1} | {:.1} |",
        r.target,
        r.inputs,
        r.inputs as f64 / r.seconds.max(1e-9),
        r.accepted,
        r.refusals.len(),
        r.finding_count,
        r.slowest.as_secs_f64() * 1000.0,
        mib(r.largest_allocation),
        mib(r.peak_heap),
    );
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<bool> {
    let cli = Cli::parse();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match cli.command {
        Command::List => {
            for t in targets::all() {
                println!("{}", t.name);
            }
            Ok(true)
        }
        Command::Seed { corpus: dir } => {
            let dir = dir.unwrap_or_else(corpus::default_dir);
            for (name, inputs) in shardnode_fuzz::seeds::generate(&repo)? {
                for input in &inputs {
                    corpus::save(&dir, name, input)?;
                }
                println!("{name}: {} seeds", inputs.len());
            }
            Ok(true)
        }
        Command::Run {
            targets: names,
            inputs,
            seconds,
            seed,
            corpus: dir,
            save,
            findings,
        } => {
            let dir = dir.unwrap_or_else(corpus::default_dir);
            let findings = findings.unwrap_or_else(|| repo.join("fuzz/findings"));
            let budget = match inputs {
                Some(n) => Budget::Inputs(n),
                None => Budget::Seconds(seconds.unwrap_or(10.0)),
            };
            let chosen: Vec<_> = if names.iter().any(|n| n == "all") {
                targets::all()
            } else {
                names
                    .iter()
                    .map(|n| {
                        targets::by_name(n)
                            .ok_or_else(|| anyhow::anyhow!("no target {n:?} (see `list`)"))
                    })
                    .collect::<anyhow::Result<_>>()?
            };
            if !shardnode_fuzz::alloc::installed() {
                eprintln!("warning: the measuring allocator is not installed");
            }
            println!("| target | inputs | inputs/s | accepted | refusal classes | findings | slowest (ms) | largest allocation (MiB) | peak heap (MiB) |");
            println!("|---|---|---|---|---|---|---|---|---|");
            let mut clean = true;
            for target in chosen {
                let seeds = corpus::load(&dir, target.name)?;
                let report = runner::run(&target, &seeds, budget, seed, findings.clone());
                print_row(&report);
                for finding in &report.findings {
                    clean = false;
                    let path = corpus::save(
                        &findings,
                        &format!("{}-{}", target.name, finding.kind),
                        &finding.input,
                    )?;
                    eprintln!(
                        "FINDING {} {}: {} (input saved to {})",
                        target.name,
                        finding.kind,
                        finding.detail,
                        path.display()
                    );
                }
                if save {
                    for input in &report.new_inputs {
                        corpus::save(&dir, target.name, input)?;
                    }
                }
            }
            Ok(clean)
        }
    }
}
