//! Regions, bandwidth and clock skew: each changes when messages arrive or duties run, and
//! the chain stays safe and final.

mod support;

use simulator::network::NetworkModel;
use simulator::regions::RegionsSpec;
use support::{assert_safe, fast, run};

fn three_regions() -> RegionsSpec {
    RegionsSpec {
        names: vec!["eu".into(), "us".into(), "asia".into()],
        matrix_ms: vec![
            vec![5.0, 80.0, 150.0],
            vec![80.0, 5.0, 120.0],
            vec![150.0, 120.0, 5.0],
        ],
        assign: Vec::new(),
    }
}

#[test]
fn regions_set_every_pairs_latency() {
    let mut s = fast(6, 192, 5);
    s.network.regions = Some(three_regions());
    let model = NetworkModel::from_scenario(&s).unwrap();
    // Round-robin: nodes 0 and 3 in eu, 1 and 4 in us, 2 and 5 in asia.
    assert_eq!(model.link_latency(0, 3).to_string(), "constant:5");
    assert_eq!(model.link_latency(0, 2).to_string(), "constant:150");
    assert_eq!(model.link_latency(4, 2).to_string(), "constant:120");
    let result = run("three regions", &s);
    assert_safe("regions", &result);
    assert!(result.summary.finalized_epoch >= 2);
    // A matrix that is not square is refused by name.
    let mut bad = three_regions();
    bad.matrix_ms.pop();
    s.network.regions = Some(bad);
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("network.regions.matrix_ms"), "{err}");
}

#[test]
fn a_thin_uplink_delays_blocks_and_inclusion() {
    let mut s = fast(4, 256, 4);
    s.workload.tps_per_shard = 100.0;
    let wide = run("unlimited bandwidth", &s);
    s.network.bandwidth_mbps = 0.3;
    let thin = run("0.3 Mbit/s uplinks", &s);
    assert_safe("thin uplink", &thin);
    let p50 = |r: &simulator::RunResult| r.summary.inclusion_latency_ms_p50.unwrap_or(f64::MAX);
    assert!(
        p50(&thin) > p50(&wide),
        "inclusion p50 {} ms with thin uplinks vs {} ms",
        p50(&thin),
        p50(&wide)
    );
}

#[test]
fn skewed_clocks_stay_safe_and_final() {
    let mut s = fast(4, 256, 5);
    let straight = run("no skew", &s);
    s.network.clock_skew_ms = 1000.0;
    let skewed = run("clocks off by up to 1 s", &s);
    assert_safe("skew", &skewed);
    assert!(skewed.summary.finalized_epoch >= 2);
    assert_ne!(skewed.summary.trace_hash, straight.summary.trace_hash);
    s.network.clock_skew_ms = 5000.0;
    assert!(
        s.validate().is_err(),
        "skew above a quarter slot is refused"
    );
}
