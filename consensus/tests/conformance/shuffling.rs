//! `shuffling/core/shuffle`: `mapping.yaml` = `{seed, count, mapping}` with
//! `mapping[i] == compute_shuffled_index(i, count, seed)`; the whole-list shuffle must agree.

use crate::support::{Case, Outcome, Report, Vectors};
use consensus::preset::{Mainnet, Minimal, Preset};
use consensus::primitives::Root;
use consensus::shuffle::{compute_shuffled_index, shuffle_list};

#[derive(serde::Deserialize)]
struct Mapping {
    seed: String,
    count: u64,
    mapping: Vec<u64>,
}

pub fn run(vectors: &Vectors, report: &mut Report, handler: &str, cases: &[Case]) -> bool {
    if handler != "core" {
        return false;
    }
    for case in cases {
        report.run(case, || {
            if case.suite != "shuffle" {
                return Err(format!("unknown suite {}", case.suite));
            }
            let rounds = match case.config.as_str() {
                "minimal" => Minimal::SHUFFLE_ROUND_COUNT,
                "mainnet" => Mainnet::SHUFFLE_ROUND_COUNT,
                other => return Err(format!("no shuffle round count for config {other}")),
            };
            let m: Mapping = vectors.read_yaml(&case.path("mapping.yaml"))?;
            let seed = Root::from_hex(&m.seed).map_err(|e| e.to_string())?;
            if m.mapping.len() as u64 != m.count {
                return Err(format!(
                    "mapping has {} entries for count {}",
                    m.mapping.len(),
                    m.count
                ));
            }
            for (i, want) in m.mapping.iter().enumerate() {
                let got = compute_shuffled_index(i as u64, m.count, &seed, rounds)
                    .map_err(|e| e.to_string())?;
                if got != *want {
                    return Err(format!(
                        "compute_shuffled_index({i}) = {got}, expected {want}"
                    ));
                }
            }
            let mut list: Vec<u64> = (0..m.count).collect();
            shuffle_list(&mut list, &seed, rounds);
            if list != m.mapping {
                return Err("shuffle_list disagrees with the mapping".into());
            }
            Ok(Outcome::Pass)
        });
    }
    true
}
