//! `ssz_static/<Type>/<suite>/case_N`: decode `serialized.ssz`, encode back to the same bytes,
//! check `hash_tree_root` and `signing_root` against `roots.yaml`, and check that
//! `value.yaml` decodes to the same value.

use crate::support::{Case, Outcome, Report, Vectors};
use consensus::containers::*;
use consensus::preset::{Mainnet, Minimal, Preset};
use consensus::primitives::Root;
use consensus::sszx::{decode, encode, hash_tree_root, SigningRoot};
use ssz_rs::SimpleSerialize;
use std::fmt::Debug;

pub fn run(vectors: &Vectors, report: &mut Report, handler: &str, cases: &[Case]) -> bool {
    let Some(config) = cases.first().map(|c| c.config.clone()) else {
        return true; // an empty handler folder has nothing to check
    };
    if !TYPES.contains(&handler) || !["minimal", "mainnet"].contains(&config.as_str()) {
        return false;
    }
    for case in cases {
        report.run(case, || match case.config.as_str() {
            "minimal" => check_type::<Minimal>(handler, vectors, case),
            "mainnet" => check_type::<Mainnet>(handler, vectors, case),
            other => Err(format!("ssz_static in unknown config {other}")),
        });
    }
    true
}

/// The 22 container types of the v0.8.4 `ssz_static` sets.
const TYPES: &[&str] = &[
    "Attestation",
    "AttestationData",
    "AttestationDataAndCustodyBit",
    "AttesterSlashing",
    "BeaconBlock",
    "BeaconBlockBody",
    "BeaconBlockHeader",
    "BeaconState",
    "Checkpoint",
    "CompactCommittee",
    "Crosslink",
    "Deposit",
    "DepositData",
    "Eth1Data",
    "Fork",
    "HistoricalBatch",
    "IndexedAttestation",
    "PendingAttestation",
    "ProposerSlashing",
    "Transfer",
    "Validator",
    "VoluntaryExit",
];

type SigningFn<T> = Option<fn(&T) -> Root>;

fn signing<T: SigningRoot>(value: &T) -> Root {
    value.signing_root()
}

fn check_type<P: Preset>(name: &str, v: &Vectors, case: &Case) -> Result<Outcome, String> {
    match name {
        "Attestation" => check::<Attestation>(v, case, Some(signing::<Attestation>)),
        "AttestationData" => check::<AttestationData>(v, case, None),
        "AttestationDataAndCustodyBit" => check::<AttestationDataAndCustodyBit>(v, case, None),
        "AttesterSlashing" => check::<AttesterSlashing>(v, case, None),
        "BeaconBlock" => check::<BeaconBlock>(v, case, Some(signing::<BeaconBlock>)),
        "BeaconBlockBody" => check::<BeaconBlockBody>(v, case, None),
        "BeaconBlockHeader" => {
            check::<BeaconBlockHeader>(v, case, Some(signing::<BeaconBlockHeader>))
        }
        "BeaconState" => check::<BeaconState<P>>(v, case, None),
        "Checkpoint" => check::<Checkpoint>(v, case, None),
        "CompactCommittee" => check::<CompactCommittee>(v, case, None),
        "Crosslink" => check::<Crosslink>(v, case, None),
        "Deposit" => check::<Deposit>(v, case, None),
        "DepositData" => check::<DepositData>(v, case, Some(signing::<DepositData>)),
        "Eth1Data" => check::<Eth1Data>(v, case, None),
        "Fork" => check::<Fork>(v, case, None),
        "HistoricalBatch" => check::<HistoricalBatch<P>>(v, case, None),
        "IndexedAttestation" => {
            check::<IndexedAttestation>(v, case, Some(signing::<IndexedAttestation>))
        }
        "PendingAttestation" => check::<PendingAttestation>(v, case, None),
        "ProposerSlashing" => check::<ProposerSlashing>(v, case, None),
        "Transfer" => check::<Transfer>(v, case, Some(signing::<Transfer>)),
        "Validator" => check::<Validator>(v, case, None),
        "VoluntaryExit" => check::<VoluntaryExit>(v, case, Some(signing::<VoluntaryExit>)),
        other => Err(format!("unknown ssz_static type {other}")),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Roots {
    root: String,
    signing_root: Option<String>,
}

fn check<T>(v: &Vectors, case: &Case, signing_root: SigningFn<T>) -> Result<Outcome, String>
where
    T: SimpleSerialize + Clone + PartialEq + Debug + serde::de::DeserializeOwned,
{
    let bytes = v.read(&case.path("serialized.ssz"))?;
    let value: T = decode(&bytes).map_err(|e| e.to_string())?;
    let encoded = encode(&value).map_err(|e| format!("cannot re-encode: {e}"))?;
    if encoded != bytes {
        return Err(format!(
            "re-encoding gives {} bytes, not the {} read",
            encoded.len(),
            bytes.len()
        ));
    }
    let roots: Roots = v.read_yaml(&case.path("roots.yaml"))?;
    let root = hash_tree_root(&value);
    if root.to_hex() != roots.root {
        return Err(format!("hash_tree_root {root} differs from {}", roots.root));
    }
    match (roots.signing_root, signing_root) {
        (Some(want), Some(f)) => {
            let got = f(&value);
            if got.to_hex() != want {
                return Err(format!("signing_root {got} differs from {want}"));
            }
        }
        (Some(_), None) => return Err("vector has a signing_root this type does not define".into()),
        (None, _) => {}
    }
    let from_yaml: T = v.read_yaml(&case.path("value.yaml"))?;
    if from_yaml != value {
        return Err("value.yaml differs from the decoded serialized.ssz".into());
    }
    Ok(Outcome::Pass)
}
