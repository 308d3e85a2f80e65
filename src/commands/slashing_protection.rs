//! `shardnode slashing-protection export|import|audit`: moves validators' signing records
//! between nodes as EIP-3076 interchange files (`shardnode::interchange`,
//! `docs/reliability.md`); export and import need the node stopped (its database is locked
//! while it runs, and the command says so). `audit` checks signing journals offline.

use anyhow::{Context, Result};
use beacon::slashing_protection::{MergeOutcome, SlashingProtection};
use beacon::store::{Store, StoreError};
use consensus::primitives::Root;
use consensus::sszx::SigningRoot;
use consensus::{Mainnet, Minimal, Preset, PresetName};
use shardnode::interchange::{ChainKeys, Interchange};
use shardnode::runtime::genesis_file::GenesisFile;
use std::path::{Path, PathBuf};

/// The flags of `shardnode slashing-protection`.
#[derive(clap::Subcommand, Debug)]
pub enum SlashingProtectionCommand {
    /// Write every validator's record in the data dir as an EIP-3076 file (minimal form).
    Export {
        /// The node's data dir (the node must be stopped).
        #[arg(long)]
        data_dir: PathBuf,
        /// The network's genesis file: it names the chain and its validators' keys.
        #[arg(long)]
        genesis: PathBuf,
        /// Where to write the file [default: standard output].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Merge an EIP-3076 file into the data dir's records: every watermark becomes the
    /// maximum of the two, so an import never weakens a record; a file of another chain or
    /// format, or with any malformed entry, is refused whole and nothing is written.
    Import {
        /// The node's data dir (the node must be stopped; created if absent).
        #[arg(long)]
        data_dir: PathBuf,
        /// The network's genesis file.
        #[arg(long)]
        genesis: PathBuf,
        /// The interchange file.
        file: PathBuf,
    },
    /// Look for slashable pairs in signing journals (`signed.jsonl` of nodes run with
    /// `journal_signatures`), offline: two blocks of one proposer at one slot, a double or a
    /// surround vote. Fails if there is one.
    Audit {
        /// Journal files (any number of nodes; a torn last line is skipped).
        #[arg(required = true)]
        journals: Vec<PathBuf>,
    },
}

/// The chain of a genesis file: its `genesis_validators_root` and validator keys (for the
/// file) and its genesis block root (which names the chain a data dir holds).
pub struct Chain {
    pub keys: ChainKeys,
    pub genesis_root: Root,
}

/// The chain of the genesis file at `genesis`.
pub fn chain_of(genesis: &Path) -> Result<Chain> {
    let genesis = GenesisFile::read(genesis)?;
    match genesis.chain.preset {
        PresetName::Minimal => chain_from::<Minimal>(&genesis),
        PresetName::Mainnet => chain_from::<Mainnet>(&genesis),
    }
}

fn chain_from<P: Preset>(genesis: &GenesisFile) -> Result<Chain> {
    let state = beacon::genesis::genesis_from_config::<P>(&genesis.chain)
        .context("building the genesis state")?;
    let genesis_root = consensus::BeaconBlock {
        state_root: consensus::sszx::hash_tree_root(&state),
        ..consensus::BeaconBlock::default()
    }
    .signing_root();
    let root = consensus::sszx::hash_tree_root(&state.validators);
    let pubkeys = state
        .validators
        .iter()
        .map(|v| {
            let mut key = [0u8; 48];
            key.copy_from_slice(v.pubkey.as_ref());
            key
        })
        .collect();
    Ok(Chain {
        keys: ChainKeys::new(root.0, pubkeys),
        genesis_root,
    })
}

/// The data dir's store, claimed for (or checked to hold) `chain`: records of another chain
/// are neither exported under this chain's name nor imported beside its blocks.
fn open_store(data_dir: &Path, chain: &Chain) -> Result<Store> {
    let database = data_dir.join("chain.redb");
    match Store::open_file(&database) {
        Ok(mut store) => {
            beacon::node::claim_store(&mut store, &chain.genesis_root)
                .with_context(|| format!("{} and --genesis", data_dir.display()))?;
            Ok(store)
        }
        Err(StoreError::InUse) => anyhow::bail!(
            "the data dir {} is in use by a running node: stop it first (a record exported or \
             imported while it signs would be stale)",
            data_dir.display()
        ),
        Err(e) => Err(e).with_context(|| format!("opening {}", database.display())),
    }
}

pub fn run(command: SlashingProtectionCommand) -> Result<()> {
    match command {
        SlashingProtectionCommand::Export {
            data_dir,
            genesis,
            out,
        } => {
            let chain = chain_of(&genesis)?;
            anyhow::ensure!(
                data_dir.join("chain.redb").exists(),
                "{} holds no node database (chain.redb)",
                data_dir.display()
            );
            let store = open_store(&data_dir, &chain)?;
            let protection = SlashingProtection::load(&store)?;
            let file = Interchange::export(&chain.keys, protection.records())?;
            let json = file.to_json();
            match out {
                Some(path) => std::fs::write(&path, json + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => println!("{json}"),
            }
            eprintln!(
                "exported the records of {} validators",
                protection.records().len()
            );
            Ok(())
        }
        SlashingProtectionCommand::Audit { journals } => {
            let mut entries = Vec::new();
            for path in &journals {
                entries.extend(shardnode::signing_journal::read(path)?);
            }
            let audit = shardnode::signing_journal::audit(&entries);
            println!(
                "{} journals: {} attestations, {} beacon blocks, {} shard blocks by {} validators",
                journals.len(),
                audit.attestations,
                audit.beacon_blocks,
                audit.shard_blocks,
                audit.validators
            );
            for pair in &audit.slashable_pairs {
                println!("slashable: {pair}");
            }
            if !audit.slashable_pairs.is_empty() {
                anyhow::bail!("{} slashable pairs", audit.slashable_pairs.len());
            }
            println!("no slashable pair");
            Ok(())
        }
        SlashingProtectionCommand::Import {
            data_dir,
            genesis,
            file,
        } => {
            let chain = chain_of(&genesis)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let records = Interchange::parse(&text)
                .and_then(|f| f.records(&chain.keys))
                .with_context(|| format!("refusing {}: nothing was imported", file.display()))?;
            std::fs::create_dir_all(&data_dir)
                .with_context(|| format!("cannot create {}", data_dir.display()))?;
            let mut store = open_store(&data_dir, &chain)?;
            let mut protection = SlashingProtection::load(&store)?;
            let outcomes = protection.import(&mut store, &records)?;
            let raised = outcomes
                .values()
                .filter(|o| **o == MergeOutcome::Raised)
                .count();
            println!(
                "imported {} validators: {raised} records raised, {} already covered the file",
                outcomes.len(),
                outcomes.len() - raised
            );
            Ok(())
        }
    }
}
