//! `genesis/initialization` (build the genesis state from eth1 deposits) and
//! `genesis/validity` (`is_valid_genesis_state`).

use crate::common::{crypto, expect_state, meta_count, read_ssz};
use crate::support::{Case, Outcome, Vectors};
use beacon::genesis::{initialize_beacon_state_from_eth1, is_valid_genesis_state};
use consensus::primitives::Root;
use consensus::{BeaconState, ChainConfig, Deposit, Preset};

pub fn knows(handler: &str) -> bool {
    matches!(handler, "initialization" | "validity")
}

pub fn run<P: Preset>(
    v: &Vectors,
    case: &Case,
    meta: &serde_yaml::Value,
) -> Result<Outcome, String> {
    match case.handler.as_str() {
        "initialization" => initialization::<P>(v, case, meta),
        "validity" => validity::<P>(v, case),
        other => Err(format!("unknown genesis handler {other}")),
    }
}

fn initialization<P: Preset>(
    v: &Vectors,
    case: &Case,
    meta: &serde_yaml::Value,
) -> Result<Outcome, String> {
    let block_hash: Root = read_ssz(v, case, "eth1_block_hash")?;
    let timestamp: u64 = v.read_yaml(&case.path("eth1_timestamp.yaml"))?;
    let count = meta_count(meta, "deposits_count")?;
    let deposits: Vec<Deposit> = (0..count)
        .map(|i| read_ssz(v, case, &format!("deposits_{i}")))
        .collect::<Result<_, _>>()?;
    let config = ChainConfig::reference::<P>();
    let result =
        initialize_beacon_state_from_eth1::<P>(block_hash, timestamp, &deposits, &config, crypto())
            .map_err(|e| e.to_string());
    expect_state(v, case, "state", result)
}

fn validity<P: Preset>(v: &Vectors, case: &Case) -> Result<Outcome, String> {
    let state: BeaconState<P> = read_ssz(v, case, "genesis")?;
    let want: bool = v.read_yaml(&case.path("is_valid.yaml"))?;
    let got = is_valid_genesis_state(&state);
    if got == want {
        Ok(Outcome::Pass)
    } else {
        Err(format!("is_valid_genesis_state = {got}, expected {want}"))
    }
}
