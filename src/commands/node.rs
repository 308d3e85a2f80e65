//! `shardnode node`: runs one node (see `docs/cluster.md`). Settings come from `--config FILE`
//! (TOML), and each flag given overrides its key.

use anyhow::{Context, Result};
use shardnode::runtime::settings::NodeSettings;
use std::net::SocketAddr;
use std::path::PathBuf;

/// The flags of `shardnode node`.
#[derive(clap::Args, Debug, Default)]
pub struct NodeArgs {
    /// A settings file (TOML, the keys of the flags below, e.g. `data_dir = "..."`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The node's data dir: its database and network key.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The network's genesis file (written by `shardnode cluster`).
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// The libp2p listen address [default: /ip4/127.0.0.1/tcp/9000].
    #[arg(long)]
    pub listen: Option<String>,
    /// A peer to dial at start and whenever it is away (repeatable; a libp2p multiaddr).
    #[arg(long = "bootnode")]
    pub bootnodes: Vec<String>,
    /// The validators this node signs for, `START..END` (interop keys; end excluded).
    #[arg(long)]
    pub validators: Option<String>,
    /// The HTTP API address [default: 127.0.0.1:5052].
    #[arg(long)]
    pub api: Option<SocketAddr>,
    /// The Prometheus metrics address [default: 127.0.0.1:5054].
    #[arg(long)]
    pub metrics: Option<SocketAddr>,
    /// Log level or tracing filter [default: info].
    #[arg(long)]
    pub log_level: Option<String>,
    /// Journal every slashable message the validators sign to DATA_DIR/signed.jsonl.
    #[arg(long)]
    pub journal_signatures: bool,
}

/// The settings: the file's, then each flag given.
pub fn settings(args: NodeArgs) -> Result<NodeSettings> {
    let mut settings = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the settings {}", path.display()))?;
            NodeSettings::from_toml_str(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => {
            let data_dir = args
                .data_dir
                .clone()
                .context("`--data-dir` is required (or a `--config` file with `data_dir`)")?;
            let genesis = args
                .genesis
                .clone()
                .context("`--genesis` is required (or a `--config` file with `genesis`)")?;
            NodeSettings::from_toml_str(&toml::to_string(&Minimal { data_dir, genesis })?)?
        }
    };
    if let Some(v) = args.data_dir {
        settings.data_dir = v;
    }
    if let Some(v) = args.genesis {
        settings.genesis = v;
    }
    if let Some(v) = args.listen {
        settings.listen = v;
    }
    if !args.bootnodes.is_empty() {
        settings.bootnodes = args.bootnodes;
    }
    if let Some(v) = args.validators {
        settings.validators = v;
    }
    if let Some(v) = args.api {
        settings.api = v;
    }
    if let Some(v) = args.metrics {
        settings.metrics = v;
    }
    if let Some(v) = args.log_level {
        settings.log_level = v;
    }
    if args.journal_signatures {
        settings.journal_signatures = true;
    }
    settings.validate()?;
    Ok(settings)
}

/// The two keys without defaults, for filling in the others.
#[derive(serde::Serialize)]
struct Minimal {
    data_dir: PathBuf,
    genesis: PathBuf,
}

pub fn run(args: NodeArgs) -> Result<()> {
    shardnode::runtime::run(settings(args)?)
}
