//! `shardnode`: the command-line entry point. It owns argument parsing, files, the wall clock
//! and the terminal; every protocol rule lives in the library crates.

mod commands;

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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Config { file } => commands::config::run(file.as_deref()),
        Command::Keys { count, secret } => commands::keys::run(count, secret),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
