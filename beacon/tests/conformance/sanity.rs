//! `sanity/slots`, `sanity/blocks` and `finality/finality` (the latter in the blocks format).

use crate::common::{crypto, expect_post, meta_count, read_ssz};
use crate::support::{Case, Outcome, Vectors};
use beacon::slots::process_slots;
use beacon::transition::{state_transition_cached, TransitionCache};
use consensus::{BeaconBlock, BeaconState, ChainConfig, Preset};

pub fn knows(handler: &str) -> bool {
    matches!(handler, "slots" | "blocks")
}

/// `process_slots(pre, pre.slot + slots)`.
pub fn run_slots<P: Preset>(v: &Vectors, case: &Case) -> Result<Outcome, String> {
    let mut state: BeaconState<P> = read_ssz(v, case, "pre")?;
    let slots: u64 = v.read_yaml(&case.path("slots.yaml"))?;
    let config = ChainConfig::reference::<P>();
    let target = state.slot.checked_add(slots).ok_or("slot overflow")?;
    let result = process_slots(&mut state, target, &config)
        .map(|()| state)
        .map_err(|e| e.to_string());
    expect_post(v, case, result)
}

/// Every block in order through `state_transition` with state-root validation.
pub fn run_blocks<P: Preset>(
    v: &Vectors,
    case: &Case,
    meta: &serde_yaml::Value,
) -> Result<Outcome, String> {
    let mut state: BeaconState<P> = read_ssz(v, case, "pre")?;
    let count = meta_count(meta, "blocks_count")?;
    let blocks: Vec<BeaconBlock> = (0..count)
        .map(|i| read_ssz(v, case, &format!("blocks_{i}")))
        .collect::<Result<_, _>>()?;
    let config = ChainConfig::reference::<P>();
    // One chain, one cache (as a node keeps it): the cache never changes a result.
    let mut cache = TransitionCache::default();
    let mut result = Ok(());
    for (i, block) in blocks.iter().enumerate() {
        if let Err(e) =
            state_transition_cached(&mut state, block, true, &config, crypto(), &mut cache)
        {
            result = Err(format!("block {i}: {e}"));
            break;
        }
    }
    expect_post(v, case, result.map(|()| state))
}
