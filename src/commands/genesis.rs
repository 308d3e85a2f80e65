//! `shardnode genesis [FILE]`: build the genesis of a chain configuration (design D3) and print
//! its state root and the first epoch's proposers and crosslink committees.

use anyhow::Context;
use beacon::genesis::genesis_from_config;
use beacon::state_root::state_root;
use consensus::committees::EpochShuffling;
use consensus::{BeaconState, ChainConfig, Mainnet, Minimal, Preset, PresetName};
use std::io::Write;
use std::path::Path;

pub fn run(file: Option<&Path>, committees: bool) -> anyhow::Result<()> {
    let config = super::config::load(file)?;
    match config.preset {
        PresetName::Minimal => show::<Minimal>(&config, committees),
        PresetName::Mainnet => show::<Mainnet>(&config, committees),
    }
}

fn show<P: Preset>(config: &ChainConfig, committees: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let state: BeaconState<P> = genesis_from_config::<P>(config).context("building genesis")?;
    writeln!(out, "preset              {}", P::NAME)?;
    writeln!(out, "validators          {}", state.validators.len())?;
    writeln!(
        out,
        "active shards       {} of {}",
        config.active_shard_count,
        P::SHARD_COUNT
    )?;
    writeln!(out, "genesis time        {}", state.genesis_time)?;
    writeln!(out, "genesis state root  {}", state_root(&state))?;
    let shuffling = EpochShuffling::new(&state, 0, config).context("epoch 0 shuffling")?;
    let per_slot = shuffling.shards_at_slot::<P>(0).count();
    writeln!(
        out,
        "epoch 0             {} committees ({} per slot), start shard {}",
        shuffling.committee_count, per_slot, shuffling.start_shard
    )?;
    writeln!(out, "\nslot  proposer  shards attesting (committee size)")?;
    for slot in 0..P::SLOTS_PER_EPOCH {
        let proposer = shuffling.proposer::<P>(&state.validators, slot)?;
        let list: Vec<String> = shuffling
            .shards_at_slot::<P>(slot)
            .map(|s| Ok(format!("{s} ({})", shuffling.committee(s)?.len())))
            .collect::<Result<_, consensus::errors::Error>>()?;
        writeln!(out, "{slot:>4}  {proposer:>8}  {}", list.join(", "))?;
    }
    if committees {
        writeln!(out, "\nshard  committee")?;
        for shard in shuffling.shards() {
            writeln!(out, "{shard:>5}  {:?}", shuffling.committee(shard)?)?;
        }
    }
    Ok(())
}
