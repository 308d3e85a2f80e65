//! CI's short fuzz pass: every target replays its committed corpus and runs a few thousand
//! mutations (a fixed seed, so a failure reproduces), with no panic, no wrong answer and no
//! allocation over the limit. The long runs and their figures are in docs/reliability.md.

#[global_allocator]
static ALLOCATOR: shardnode_fuzz::alloc::Tracking = shardnode_fuzz::alloc::Tracking;

use shardnode_fuzz::runner::{run, Budget};
use shardnode_fuzz::{corpus, targets};

fn inputs_for(name: &str) -> u64 {
    match name {
        // Through the router and the node thread: slower per input.
        "api_request" => 3_000,
        _ => 10_000,
    }
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let dir = corpus::default_dir();
    let findings = std::env::temp_dir().join(format!("shardnode-fuzz-{}", std::process::id()));
    let mut failures = Vec::new();
    for target in targets::all() {
        let seeds = corpus::load(&dir, target.name).expect("corpus readable");
        assert!(
            !seeds.is_empty(),
            "{}: no corpus in {}",
            target.name,
            dir.display()
        );
        let report = run(
            &target,
            &seeds,
            Budget::Inputs(inputs_for(target.name)),
            7,
            findings.clone(),
        );
        assert!(report.inputs >= inputs_for(target.name));
        assert!(
            shardnode_fuzz::alloc::installed() && report.largest_allocation > 0,
            "the allocator measures"
        );
        // The seeds are valid encodings: some input must get past decoding, and mutations
        // must reach more than one refusal.
        assert!(report.accepted > 0, "{}: nothing accepted", target.name);
        assert!(
            !report.refusals.is_empty(),
            "{}: nothing refused",
            target.name
        );
        for f in &report.findings {
            failures.push(format!(
                "{} {}: {} (input 0x{})",
                target.name,
                f.kind,
                f.detail,
                hex::encode(&f.input[..f.input.len().min(256)])
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&findings);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The fuzzer's first non-canonical finding, kept: ssz_rs alone decodes these 39,578 bytes to
/// a beacon state whose encoding is its first 20,881 bytes; `sszx::decode` refuses them.
#[test]
fn a_non_canonical_state_the_fuzzer_found_is_refused() {
    use ssz_rs::Deserialize;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions/noncanonical-beacon-state.bin");
    let bytes = std::fs::read(&path).expect("regression input");
    let lenient = consensus::BeaconState::<consensus::Minimal>::deserialize(&bytes)
        .expect("ssz_rs alone accepts it");
    let mut again = Vec::new();
    ssz_rs::Serialize::serialize(&lenient, &mut again).expect("encodes");
    assert_ne!(again, bytes, "not its canonical encoding");
    let err = consensus::sszx::decode::<consensus::BeaconState<consensus::Minimal>>(&bytes)
        .expect_err("refused");
    assert_eq!(err.reason, consensus::sszx::SszFailure::NotCanonical);
}
