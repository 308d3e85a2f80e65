//! `operations/<operation>`: apply the single `process_<operation>` to `pre`; the result must
//! equal `post`, or be rejected when there is no `post`. Cases listed in `D2_ACCEPTED` must be
//! accepted (design D2).

use crate::common::{crypto, expect_post, is_d2_case, read_ssz};
use crate::support::{Case, Outcome, Vectors};
use beacon::block::{
    process_attestation, process_attester_slashing, process_block_header, process_deposit,
    process_proposer_slashing, process_transfer, process_voluntary_exit,
};
use consensus::{
    Attestation, AttesterSlashing, BeaconBlock, BeaconState, ChainConfig, Deposit, Preset,
    ProposerSlashing, Transfer, VoluntaryExit,
};

const OPERATIONS: &[&str] = &[
    "attestation",
    "attester_slashing",
    "block_header",
    "deposit",
    "proposer_slashing",
    "transfer",
    "voluntary_exit",
];

pub fn knows(handler: &str) -> bool {
    OPERATIONS.contains(&handler)
}

pub fn run<P: Preset>(v: &Vectors, case: &Case) -> Result<Outcome, String> {
    let mut state: BeaconState<P> = read_ssz(v, case, "pre")?;
    let config = ChainConfig::reference::<P>();
    let crypto = crypto();
    let s = &mut state;
    let result = match case.handler.as_str() {
        "attestation" => {
            let op: Attestation = read_ssz(v, case, "attestation")?;
            if is_d2_case(case) {
                return run_d2(v, case, s, &op, &config);
            }
            process_attestation(s, &op, &config, crypto).map_err(|e| e.to_string())
        }
        "attester_slashing" => {
            let op: AttesterSlashing = read_ssz(v, case, "attester_slashing")?;
            process_attester_slashing(s, &op, &config, crypto).map_err(|e| e.to_string())
        }
        "block_header" => {
            let block: BeaconBlock = read_ssz(v, case, "block")?;
            process_block_header(s, &block, &config, crypto).map_err(|e| e.to_string())
        }
        "deposit" => {
            let op: Deposit = read_ssz(v, case, "deposit")?;
            process_deposit(s, &op, crypto).map_err(|e| e.to_string())
        }
        "proposer_slashing" => {
            let op: ProposerSlashing = read_ssz(v, case, "proposer_slashing")?;
            process_proposer_slashing(s, &op, &config, crypto).map_err(|e| e.to_string())
        }
        "transfer" => {
            let op: Transfer = read_ssz(v, case, "transfer")?;
            process_transfer(s, &op, &config, crypto).map_err(|e| e.to_string())
        }
        "voluntary_exit" => {
            let op: VoluntaryExit = read_ssz(v, case, "voluntary_exit")?;
            process_voluntary_exit(s, &op, &config, crypto).map_err(|e| e.to_string())
        }
        other => return Err(format!("unknown operation {other}")),
    };
    expect_post(v, case, result.map(|()| state))
}

/// A design-D2 case: the reference rejects it for `data_root != 0` alone; this project must
/// accept it (and the case must indeed carry a non-zero data root).
fn run_d2<P: Preset>(
    v: &Vectors,
    case: &Case,
    state: &mut BeaconState<P>,
    attestation: &Attestation,
    config: &ChainConfig,
) -> Result<Outcome, String> {
    if attestation.data.crosslink.data_root.is_zero() {
        return Err("listed as a D2 case, but the crosslink data root is zero".into());
    }
    let has_post = crate::common::has_part(case, "post");
    process_attestation(state, attestation, config, crypto())
        .map_err(|e| format!("design D2: must be accepted, but was rejected: {e}"))?;
    if has_post {
        let want: BeaconState<P> = read_ssz(v, case, "post")?;
        return crate::common::compare_states(state, &want);
    }
    println!(
        "design D2: {} accepted (the reference rejects it for data_root != 0)",
        case.id()
    );
    Ok(Outcome::Pass)
}
