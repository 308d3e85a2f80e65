//! `epoch_processing/<step>`: `pre` stands just before the step; run that step alone and
//! compare with `post`.

use crate::common::{expect_post, read_ssz};
use crate::support::{Case, Outcome, Vectors};
use beacon::epoch::{
    process_crosslinks, process_final_updates, process_justification_and_finalization,
    process_registry_updates, process_rewards_and_penalties, process_slashings,
};
use beacon::errors::EpochError;
use consensus::{BeaconState, ChainConfig, Preset};

type Step<P> = fn(&mut BeaconState<P>, &ChainConfig) -> Result<(), EpochError>;

const STEPS: &[&str] = &[
    "justification_and_finalization",
    "crosslinks",
    "rewards_and_penalties",
    "registry_updates",
    "slashings",
    "final_updates",
];

pub fn knows(handler: &str) -> bool {
    STEPS.contains(&handler)
}

fn step<P: Preset>(handler: &str) -> Option<Step<P>> {
    Some(match handler {
        "justification_and_finalization" => process_justification_and_finalization::<P>,
        "crosslinks" => process_crosslinks::<P>,
        "rewards_and_penalties" => process_rewards_and_penalties::<P>,
        "registry_updates" => process_registry_updates::<P>,
        "slashings" => process_slashings::<P>,
        "final_updates" => process_final_updates::<P>,
        _ => return None,
    })
}

pub fn run<P: Preset>(v: &Vectors, case: &Case) -> Result<Outcome, String> {
    let process =
        step::<P>(&case.handler).ok_or_else(|| format!("unknown step {}", case.handler))?;
    let mut state: BeaconState<P> = read_ssz(v, case, "pre")?;
    let config = ChainConfig::reference::<P>();
    let result = process(&mut state, &config)
        .map(|()| state)
        .map_err(|e| e.to_string());
    expect_post(v, case, result)
}
