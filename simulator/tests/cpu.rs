//! The virtual CPU cost model: a saturated node misses duties and falls behind; the model is
//! deterministic; a bad cost entry is refused by name.

mod support;

use simulator::scenario::Scenario;
use support::{assert_safe, fast, run};

#[test]
fn a_saturated_node_misses_duties_and_falls_behind() {
    let mut light = fast(4, 256, 6);
    light.workload.tps_per_shard = 50.0;
    let baseline = run("cost model on, default table", &light);
    assert_safe("baseline", &baseline);
    let busy = baseline
        .summary
        .cpu_utilization_max
        .expect("the model is on");
    assert!(
        busy > 0.0 && busy < 0.2,
        "default table at 50 tx/s/shard: {busy}"
    );
    assert_eq!(baseline.summary.missed_beacon_slots, 0);
    assert!(baseline.summary.finalized_epoch >= 3);

    // One core and ed25519 at 3 ms per transaction: 400 tx/s to verify twice (gossip and
    // blocks) needs 2.4 cores' worth.
    let mut saturated = light.clone();
    saturated.cpu.cores = 1;
    saturated
        .cpu
        .costs
        .insert("ed25519_batch_per_tx_us".into(), 3000.0);
    let slow = run("one core, ed25519 at 3 ms", &saturated);
    assert_safe("saturated", &slow);
    let s = &slow.summary;
    assert!(
        s.cpu_utilization_mean.unwrap() > 0.9,
        "{:?}",
        s.cpu_utilization_mean
    );
    assert!(
        s.missed_beacon_slots > 0,
        "a saturated node misses proposals"
    );
    assert!(
        s.finalized_epoch < baseline.summary.finalized_epoch,
        "finality falls behind: {} vs {}",
        s.finalized_epoch,
        baseline.summary.finalized_epoch
    );
    let attested =
        |r: &simulator::RunResult| -> u64 { r.nodes.iter().map(|n| n.attested_slots.len()).sum() };
    assert!(
        attested(&slow) < attested(&baseline),
        "late ticks miss attestation duties: {} vs {}",
        attested(&slow),
        attested(&baseline)
    );
}

#[test]
fn the_model_is_deterministic_and_can_be_turned_off() {
    let mut s = fast(4, 256, 3);
    s.cpu.cores = 1;
    let a = run("model on", &s);
    let b = run("model on again", &s);
    assert_eq!(a.summary.trace_hash, b.summary.trace_hash);
    s.cpu.model = false;
    let off = run("model off", &s);
    assert_ne!(off.summary.trace_hash, a.summary.trace_hash);
    assert_eq!(off.summary.cpu_utilization_mean, None);
}

#[test]
fn a_bad_cost_entry_is_refused_by_name() {
    let text = "[cpu.costs]\nbls_verfy_us = 3\n";
    let err = Scenario::from_toml_str(text).unwrap_err().to_string();
    assert!(
        err.contains("cpu.costs.bls_verfy_us") && err.contains("bls_verify_us"),
        "{err}"
    );
    let err = Scenario::from_toml_str("[cpu.costs]\nbls_verify_us = -1\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 0"), "{err}");
    let err = Scenario::from_toml_str("[cpu]\ncores = 0\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("cpu.cores"), "{err}");
}
