//! `shardnode`: the command-line entry point. It owns argument parsing, files, the wall clock
//! and the terminal; every protocol rule lives in the library crates.

mod commands;

// The `system-allocator` feature leaves the C allocator in place, so that heap profilers
// (heaptrack, valgrind's massif) see every allocation.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: shardnode::allocator::Allocator = shardnode::allocator::Allocator;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "shardnode",
    version,
    about = "A research node for a sharded proof-of-stake layer 1"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a chain configuration (TOML) and print it with every default filled in.
    Config {
        /// The configuration file; without it, the defaults are printed.
        file: Option<PathBuf>,
    },
    /// Build the genesis of a chain configuration and print its root, proposers and committees.
    Genesis {
        /// The configuration file; without it, the defaults (minimal, 8 shards, 256 validators).
        file: Option<PathBuf>,
        /// Also list every crosslink committee of epoch 0.
        #[arg(long)]
        committees: bool,
    },
    /// Run a scenario in the deterministic simulator (default: 4 nodes, 256 validators,
    /// minimal preset, 8 shards, real BLS, 8 epochs, 50 tx/s per shard, 10% cross-shard).
    Sim {
        /// A scenario file (TOML); see docs/simulator.md.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Override a scenario value, e.g. `--set seed=7 --set epochs=20` (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Seed of the run (same as `--set seed=N`).
        #[arg(long)]
        seed: Option<u64>,
        /// Epochs to run (same as `--set epochs=N`).
        #[arg(long)]
        epochs: Option<u64>,
        /// Write summary.json, slots.csv, shards.csv and scenario.toml into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Also write plots (SVG and PNG) into the `--out` directory: finality over time, TPS
        /// per shard, and the CDFs of inclusion, crosslink and cross-shard latency.
        #[arg(long, requires = "out")]
        plots: bool,
        /// Write every node event (and every rejected gossip message) with its virtual time,
        /// one JSON object per line, into this file.
        #[arg(long, value_name = "FILE")]
        trace_jsonl: Option<PathBuf>,
    },
    /// Run one node: the beacon chain, the shard chains and the validators' duties on tokio,
    /// libp2p and a redb file (see docs/cluster.md).
    Node(commands::node::NodeArgs),
    /// Start a local network of node processes from a scenario, watch it, stop it, and write
    /// summary.json (see docs/cluster.md).
    Cluster(commands::cluster::ClusterFlags),
    /// Submit signed transfers to running nodes' APIs at a target rate and report what got in
    /// and how fast (inclusion and cross-shard credit latency, errors by class).
    Load(commands::load::LoadArgs),
    /// Run a parameter sweep: the product of `--vary` values, `--replicates` seeds each, into
    /// one tidy sweep.csv and a plot per figure (see docs/simulator.md).
    Sweep(commands::sweep::SweepArgs),
    /// Run many swarm seeds (random faults inside the safe envelope): every run must keep the
    /// safety invariants and pass the liveness check; failing seeds print their replay command.
    Swarm(commands::swarm::SwarmArgs),
    /// Measure the simulator's CPU cost table on this machine and write it as TOML (use it
    /// with `[cpu.costs]` in a scenario).
    Calibrate(commands::calibrate::CalibrateArgs),
    /// Measure committee capture: how often an adversary with a share of the stake holds 1/3
    /// or 2/3 of a committee, from the real shuffle, beside the hypergeometric law.
    Capture(commands::capture::CaptureArgs),
    /// Export or import validators' slashing-protection records (EIP-3076 interchange).
    #[command(subcommand)]
    SlashingProtection(commands::slashing_protection::SlashingProtectionCommand),
    /// Print the interop validator keys of design D3 (public keys and withdrawal credentials).
    Keys {
        /// How many validators, from index 0.
        #[arg(long, default_value_t = 4)]
        count: u64,
        /// Also print the secret keys (they are public test keys, never for real funds).
        #[arg(long)]
        secret: bool,
    },
}

/// The SSZ decoder's one known panic (an ssz_rs bug on a bad offset) is caught and becomes a
/// typed refusal (`consensus::sszx::decode`); a peer sending such bytes must not fill the log
/// with panic messages. Every other panic is reported as before.
fn quiet_decode_panics() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !consensus::sszx::decoding_now() {
            report(info)
        }
    }));
}

fn main() -> ExitCode {
    shardnode::allocator::configure();
    quiet_decode_panics();
    let cli = Cli::parse();
    // For the commands that only compute and print: a reader that stops early
    // (`shardnode swarm ... | head`) ends the output quietly, as other Unix tools do, instead
    // of a panic in `println!`. Never for the node, the cluster or the load generator, whose
    // sockets and child pipes must see EPIPE as an error, not die of the signal.
    #[cfg(unix)]
    let offline = matches!(
        cli.command,
        Command::Sim { .. }
            | Command::Sweep(_)
            | Command::Swarm(_)
            | Command::Capture(_)
            | Command::Genesis { .. }
            | Command::Config { .. }
            | Command::Keys { .. }
    );
    // SAFETY: no other thread exists yet; SIG_DFL is a valid disposition for SIGPIPE.
    #[cfg(unix)]
    if offline {
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let result = match cli.command {
        Command::Config { file } => commands::config::run(file.as_deref()),
        Command::Genesis { file, committees } => {
            commands::genesis::run(file.as_deref(), committees)
        }
        Command::Keys { count, secret } => commands::keys::run(count, secret),
        Command::Node(args) => commands::node::run(args),
        Command::SlashingProtection(command) => commands::slashing_protection::run(command),
        Command::Load(args) => commands::load::run(args),
        Command::Capture(args) => commands::capture::run(args),
        Command::Calibrate(args) => commands::calibrate::run(args),
        Command::Sweep(args) => commands::sweep::run(args),
        Command::Swarm(args) => match commands::swarm::run(args) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Cluster(flags) => match commands::cluster::run(flags) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Sim {
            scenario,
            mut set,
            seed,
            epochs,
            out,
            quiet,
            plots,
            trace_jsonl,
        } => {
            if let Some(seed) = seed {
                set.insert(0, format!("seed={seed}"));
            }
            if let Some(epochs) = epochs {
                set.insert(0, format!("epochs={epochs}"));
            }
            commands::sim::run(commands::sim::SimArgs {
                scenario,
                set,
                out,
                quiet,
                plots,
                trace_jsonl,
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) closes the pipe: not an error of ours.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
