//! `shardnode load`: signed transfers into running nodes at a target rate, with a report of
//! what got in and how fast (see `shardnode::load` and docs/api.md).

use anyhow::{Context, Result};
use shardnode::load::{render, LoadPlan};
use shardnode::runtime::genesis_file::GenesisFile;
use std::path::PathBuf;
use std::time::Duration;

/// The flags of `shardnode load`.
#[derive(clap::Args, Debug)]
pub struct LoadArgs {
    /// A node's API base URL, e.g. `http://127.0.0.1:5052` (repeatable; round-robin).
    #[arg(long = "api", required = true)]
    pub apis: Vec<String>,
    /// The network's genesis file (the senders' keys derive from it).
    #[arg(long)]
    pub genesis: PathBuf,
    /// Transactions per second, in all.
    #[arg(long, default_value_t = 100.0)]
    pub tps: f64,
    /// Share of transfers to another shard, `0 ..= 1`.
    #[arg(long, default_value_t = 0.1)]
    pub cross_shard: f64,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Senders per shard (the first genesis accounts of each).
    #[arg(long, default_value_t = 64)]
    pub accounts: u64,
    /// Seconds to wait after the load for the last sampled inclusions and credits.
    #[arg(long, default_value_t = 60)]
    pub drain: u64,
    /// Also write the figures as JSON into this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: LoadArgs) -> Result<()> {
    let genesis = GenesisFile::read(&args.genesis)?;
    let plan = LoadPlan {
        apis: args
            .apis
            .iter()
            .map(|a| a.trim_end_matches('/').to_string())
            .collect(),
        genesis,
        tps: args.tps,
        cross_shard: args.cross_shard,
        duration: Duration::from_secs(args.duration),
        accounts: args.accounts,
        drain: Duration::from_secs(args.drain),
        accepted: None,
    };
    let bar = if args.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(args.duration)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "[{elapsed_precise}] {wide_bar} {pos}/{len} s · {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = shardnode::load::run(&plan, &mut |elapsed, accepted| {
        bar.set_position(elapsed.as_secs().min(args.duration));
        bar.set_message(format!("{accepted} accepted"));
    })?;
    bar.finish_and_clear();
    print!("{}", render(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
