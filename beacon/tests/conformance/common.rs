//! What every beacon handler shares: dispatch, `bls_setting`, reading SSZ parts (with their
//! YAML twins), and comparing post-states with the first differing field named.

use crate::support::{Case, Outcome, Report, Vectors};
use crate::{epoch_processing, genesis, operations, sanity};
use consensus::bls::Crypto;
use consensus::sszx::{decode, encode};
use consensus::{BeaconState, Preset};
use ssz_rs::SimpleSerialize;

/// Runs every case of one handler folder; false if the runner or handler is unknown.
pub fn run_handler<P: Preset>(
    v: &Vectors,
    report: &mut Report,
    runner: &str,
    handler: &str,
    cases: &[Case],
) -> bool {
    let known = match runner {
        "epoch_processing" => epoch_processing::knows(handler),
        "operations" => operations::knows(handler),
        "sanity" => sanity::knows(handler),
        "finality" => handler == "finality",
        "genesis" => genesis::knows(handler),
        _ => false,
    };
    if !known {
        return false;
    }
    for case in cases {
        report.run(case, || {
            if case.suite != "pyspec_tests" {
                return Err(format!("unknown suite {}", case.suite));
            }
            let meta = v.read_meta(case)?;
            if bls_setting(&meta)? == 1 {
                mark_case_read(v, case);
                return Ok(Outcome::Skip(
                    "bls_setting 1: needs v0.8.4's pre-standard BLS (design D1)".into(),
                ));
            }
            match runner {
                "epoch_processing" => epoch_processing::run::<P>(v, case),
                "operations" => operations::run::<P>(v, case),
                "sanity" if handler == "slots" => sanity::run_slots::<P>(v, case),
                "sanity" | "finality" => sanity::run_blocks::<P>(v, case, &meta),
                "genesis" => genesis::run::<P>(v, case, &meta),
                other => Err(format!("unknown runner {other}")),
            }
        });
    }
    true
}

/// The crypto every non-skipped case runs with: signatures were valid when generated, under a
/// scheme this project does not implement (design D1).
pub fn crypto() -> Crypto {
    Crypto::fake_for_simulation()
}

/// `bls_setting` of `meta.yaml` (0 when absent).
fn bls_setting(meta: &serde_yaml::Value) -> Result<u64, String> {
    match meta.get("bls_setting") {
        None => Ok(0),
        Some(value) => value
            .as_u64()
            .ok_or_else(|| format!("bls_setting is not a number: {value:?}")),
    }
}

/// Marks every file of a skipped case as read: it is accounted for by the skip.
fn mark_case_read(v: &Vectors, case: &Case) {
    if let Ok(entries) = std::fs::read_dir(&case.dir) {
        for entry in entries.filter_map(Result::ok) {
            v.mark_read(&entry.path());
        }
    }
}

/// An integer count from `meta.yaml`.
pub fn meta_count(meta: &serde_yaml::Value, key: &str) -> Result<usize, String> {
    meta.get(key)
        .and_then(serde_yaml::Value::as_u64)
        .map(|n| n as usize)
        .ok_or_else(|| format!("meta.yaml has no integer `{key}`"))
}

/// Reads part `<name>.ssz` and decodes it; its `<name>.yaml` twin holds the same value (the
/// `ssz_static` runner checks the YAML form), so it is only marked as read.
pub fn read_ssz<T: SimpleSerialize>(v: &Vectors, case: &Case, name: &str) -> Result<T, String> {
    let bytes = v.read(&case.path(&format!("{name}.ssz")))?;
    let yaml = case.path(&format!("{name}.yaml"));
    if yaml.exists() {
        v.mark_read(&yaml);
    }
    decode(&bytes).map_err(|e| format!("{name}.ssz: {e}"))
}

/// Whether part `<name>` exists.
pub fn has_part(case: &Case, name: &str) -> bool {
    case.has(&format!("{name}.ssz")) || case.has(&format!("{name}.yaml"))
}

/// Checks `result` against the case's `post` (or, with no `post`, that processing failed).
pub fn expect_post<P: Preset>(
    v: &Vectors,
    case: &Case,
    result: Result<BeaconState<P>, String>,
) -> Result<Outcome, String> {
    expect_state(v, case, "post", result)
}

/// Checks `result` against part `name`, or that it failed when the part is absent.
pub fn expect_state<P: Preset>(
    v: &Vectors,
    case: &Case,
    name: &str,
    result: Result<BeaconState<P>, String>,
) -> Result<Outcome, String> {
    if !has_part(case, name) {
        return match result {
            Ok(_) => Err(format!(
                "accepted, but the case has no `{name}`: must be rejected"
            )),
            Err(why) => {
                if std::env::var_os("SHARDNODE_CONFORMANCE_VERBOSE").is_some() {
                    println!("rejected as expected: {}: {why}", case.id());
                }
                Ok(Outcome::Pass)
            }
        };
    }
    let want: BeaconState<P> = read_ssz(v, case, name)?;
    let got = result.map_err(|e| format!("rejected a valid case: {e}"))?;
    compare_states(&got, &want)
}

/// SSZ-byte comparison; on a mismatch, the first differing field in YAML form.
pub fn compare_states<P: Preset>(
    got: &BeaconState<P>,
    want: &BeaconState<P>,
) -> Result<Outcome, String> {
    let got_bytes = encode(got).map_err(|e| format!("cannot encode result: {e}"))?;
    let want_bytes = encode(want).map_err(|e| format!("cannot encode expected: {e}"))?;
    if got_bytes == want_bytes {
        return Ok(Outcome::Pass);
    }
    let got_yaml = yaml_value(got)?;
    let want_yaml = yaml_value(want)?;
    let field = first_difference(&got_yaml, &want_yaml, "state")
        .unwrap_or_else(|| "SSZ bytes differ, YAML forms agree".into());
    Err(format!("post-state differs: {field}"))
}

/// The YAML form of a state. Through text: `ssz_rs` lists announce their limit (2^40 for the
/// registry) as their length, which `serde_yaml::to_value` would try to allocate.
fn yaml_value<P: Preset>(state: &BeaconState<P>) -> Result<serde_yaml::Value, String> {
    let text = serde_yaml::to_string(state).map_err(|e| e.to_string())?;
    serde_yaml::from_str(&text).map_err(|e| e.to_string())
}

fn short(value: &serde_yaml::Value) -> String {
    let text = serde_yaml::to_string(value).unwrap_or_default();
    let text = text.trim().replace('\n', " ");
    if text.len() > 160 {
        format!("{}…", &text[..160])
    } else {
        text
    }
}

fn first_difference(
    got: &serde_yaml::Value,
    want: &serde_yaml::Value,
    path: &str,
) -> Option<String> {
    use serde_yaml::Value;
    if got == want {
        return None;
    }
    match (got, want) {
        (Value::Mapping(a), Value::Mapping(b)) => {
            for (key, want_value) in b {
                let name = key.as_str().unwrap_or("?");
                let got_value = a.get(key).unwrap_or(&Value::Null);
                if let Some(d) = first_difference(got_value, want_value, &format!("{path}.{name}"))
                {
                    return Some(d);
                }
            }
            None
        }
        (Value::Sequence(a), Value::Sequence(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        (Value::Sequence(a), Value::Sequence(b)) => {
            Some(format!("{path}: length {} (expected {})", a.len(), b.len()))
        }
        _ => Some(format!(
            "{path}: got {} expected {}",
            short(got),
            short(want)
        )),
    }
}

/// Whether the case is one design D2 makes this project accept.
pub fn is_d2_case(case: &Case) -> bool {
    let key = format!("{}/{}", case.runner, case.handler);
    crate::D2_ACCEPTED
        .iter()
        .any(|(handler, name)| *handler == key && *name == case.name)
}
