//! Scenario parsing, validation, rendering and overrides.

use super::*;

const FULL: &str = r#"
seed = 42
nodes = 4
validators = 64
validators_per_node = [16, 16, 20, 12]
preset = "minimal"
active_shards = 8
slot_duration_ms = 2000
crypto = "fake"
epochs = 5
threads = 2

[network]
jitter_ms = 5.0
loss = 0.01
latency = { model = "log_normal", median_ms = 40.0, sigma = 0.3 }

[[network.links]]
from = 0
to = 3
latency = { model = "constant", ms = 150.0 }

[[network.links]]
from = 3
to = 0
latency = { model = "uniform", min_ms = 100.0, max_ms = 200.0 }

[[network.partitions]]
groups = [[0, 1], [2]]
start_slot = 10
heal_slot = 20

[workload]
tps_per_shard = 50.0
cross_shard = 0.25
accounts_per_shard = 64
account_balance = 1000000
fee = 2
amount_max = 500
start_slot = 2
stop_slot = 30

[[faults]]
kind = "crash"
node = 1
at_slot = 12
restart_slot = 16

[[faults]]
kind = "crash"
node = 2
at_slot = 5

[[faults]]
kind = "offline"
nodes = [0, 3]
from_slot = 8
until_slot = 9
"#;

#[test]
fn default_is_valid_and_round_trips() {
    let s = Scenario::default();
    s.validate().unwrap();
    let text = s.to_toml_string().unwrap();
    assert_eq!(Scenario::from_toml_str(&text).unwrap(), s);
    assert_eq!(Scenario::from_toml_str("").unwrap(), s);
    assert_eq!(s.slot_duration_ms(), 6000);
    assert_eq!(s.total_slots(8), 64);
    s.chain_config().validate().unwrap();
}

#[test]
fn full_example_parses_and_round_trips() {
    let s = Scenario::from_toml_str(FULL).unwrap();
    assert_eq!(s.seed, 42);
    assert_eq!(s.crypto, CryptoMode::Fake);
    assert_eq!(s.threads, Some(2));
    assert_eq!(
        s.network.latency,
        LatencyModel::LogNormal {
            median_ms: 40.0,
            sigma: 0.3
        }
    );
    assert_eq!(s.network.links.len(), 2);
    assert_eq!(s.network.partitions[0].groups, vec![vec![0, 1], vec![2]]);
    assert_eq!(s.workload.stop_slot, Some(30));
    assert_eq!(
        s.faults,
        vec![
            FaultSpec::Crash {
                node: 1,
                at_slot: 12,
                restart_slot: Some(16)
            },
            FaultSpec::Crash {
                node: 2,
                at_slot: 5,
                restart_slot: None
            },
            FaultSpec::Offline {
                nodes: vec![0, 3],
                from_slot: 8,
                until_slot: Some(9)
            },
        ]
    );
    assert_eq!(s.validator_ranges(), vec![0..16, 16..32, 32..52, 52..64]);
    let text = s.to_toml_string().unwrap();
    assert_eq!(Scenario::from_toml_str(&text).unwrap(), s, "{text}");
}

#[test]
fn unknown_keys_refused_everywhere() {
    for text in [
        "sead = 1",
        "[network]\nlos = 0.1",
        "[workload]\ntps = 1.0",
        "[network]\nlatency = { model = \"constant\", ms = 1.0, extra = 2 }",
        "[network]\nlatency = { model = \"gaussian\", ms = 1.0 }",
        "[[faults]]\nkind = \"crash\"\nnode = 0\nat_slot = 1\nwhen = 2",
        "[[faults]]\nkind = \"explode\"\nnode = 0",
        "[[network.partitions]]\ngroups = [[0]]\nstart_slot = 1\nheal_slot = 2\nx = 1",
    ] {
        let err = Scenario::from_toml_str(text).unwrap_err();
        assert!(matches!(err, ScenarioError::Parse(_)), "{text}: {err}");
    }
}

fn err_of(text: &str) -> String {
    Scenario::from_toml_str(text).unwrap_err().to_string()
}

#[test]
fn bad_ranges_name_the_field() {
    let cases = [
        (
            "[workload]\ncross_shard = 1.5",
            "`workload.cross_shard` = 1.5 is out of range: allowed 0 ..= 1",
        ),
        (
            "nodes = 0",
            "`nodes` = 0 is out of range: allowed 1 ..= 1024",
        ),
        ("epochs = 0", "`epochs` = 0"),
        ("active_shards = 9", "`active_shards` = 9"),
        ("validators = 4", "`validators` = 4"),
        ("slot_duration_ms = 5", "`slot_duration_ms` = 5"),
        ("threads = 0", "`threads` = 0"),
        ("[network]\nloss = -0.1", "`network.loss` = -0.1"),
        ("[network]\njitter_ms = nan", "`network.jitter_ms` = NaN"),
        (
            "[network]\nlatency = { model = \"uniform\", min_ms = 9.0, max_ms = 3.0 }",
            "`network.latency.max_ms` = 3",
        ),
        (
            "[workload]\ntps_per_shard = -1.0",
            "`workload.tps_per_shard`",
        ),
        ("[workload]\namount_max = 0", "`workload.amount_max` = 0"),
        (
            "[workload]\nstart_slot = 5\nstop_slot = 5",
            "`workload.stop_slot` = 5",
        ),
        (
            "[[faults]]\nkind = \"crash\"\nnode = 4\nat_slot = 1",
            "`faults[0].node` = 4 is out of range: allowed 0 ..= 3 (node ids are below `nodes` = 4)",
        ),
        (
            "[[faults]]\nkind = \"crash\"\nnode = 1\nat_slot = 4\nrestart_slot = 4",
            "`faults[0].restart_slot` = 4",
        ),
        (
            "[[faults]]\nkind = \"offline\"\nnodes = [1, 9]\nfrom_slot = 1",
            "`faults[0].nodes[1]` = 9",
        ),
        (
            "[[faults]]\nkind = \"offline\"\nnodes = []\nfrom_slot = 1",
            "`faults[0].nodes`",
        ),
        (
            "[[faults]]\nkind = \"offline\"\nnodes = [1]\nfrom_slot = 3\nuntil_slot = 2",
            "`faults[0].until_slot` = 2",
        ),
        (
            "[[network.partitions]]\ngroups = [[0, 1], [2]]\nstart_slot = 5\nheal_slot = 5",
            "`network.partitions[0].heal_slot` = 5",
        ),
        (
            "[[network.partitions]]\ngroups = [[0, 1], [8]]\nstart_slot = 1\nheal_slot = 5",
            "`network.partitions[0].groups[1][0]` = 8",
        ),
        (
            "[[network.partitions]]\ngroups = [[0, 1], [1]]\nstart_slot = 1\nheal_slot = 5",
            "`network.partitions[0].groups`: node 1 is listed twice",
        ),
        (
            "[[network.links]]\nfrom = 0\nto = 8\nlatency = { model = \"constant\", ms = 1.0 }",
            "`network.links[0].to` = 8",
        ),
        (
            "validators_per_node = [1, 2]",
            "`validators_per_node`: has 2 entries",
        ),
        (
            "nodes = 2\nvalidators = 16\nvalidators_per_node = [8, 9]",
            "`validators_per_node`: sums to 17",
        ),
    ];
    for (text, want) in cases {
        let got = err_of(text);
        assert!(got.contains(want), "{text:?}: got {got:?}, want {want:?}");
    }
}

#[test]
fn validator_split_even_with_remainder_first() {
    let s = Scenario {
        nodes: 3,
        validators: 10,
        ..Scenario::default()
    };
    assert_eq!(s.validator_ranges(), vec![0..4, 4..7, 7..10]);
    assert_eq!(Scenario::default().validator_ranges().len(), 4);
    assert_eq!(Scenario::default().validator_ranges()[3], 192..256);
}

#[test]
fn overrides() {
    let mut s = Scenario::default();
    for (k, v) in [
        ("seed", "7"),
        ("nodes", "4"),
        ("validators", "1_024"),
        ("preset", "Minimal"),
        ("active_shards", "8"),
        ("slot_duration_ms", "1000"),
        ("crypto", "fake"),
        ("epochs", "3"),
        ("threads", "2"),
        ("tps_per_shard", "10.5"),
        ("workload.cross_shard", "0.5"),
        ("network.loss", "0.05"),
        ("jitter_ms", "0"),
        ("latency", "lognormal:50:0.5"),
        ("stop_slot", "20"),
    ] {
        s.set(k, v).unwrap();
    }
    s.validate().unwrap();
    assert_eq!(s.seed, 7);
    assert_eq!(s.validators, 1024);
    assert_eq!(s.slot_duration_ms, Some(1000));
    assert_eq!(s.crypto, CryptoMode::Fake);
    assert_eq!(s.threads, Some(2));
    assert_eq!(s.workload.tps_per_shard, 10.5);
    assert_eq!(s.workload.cross_shard, 0.5);
    assert_eq!(s.network.loss, 0.05);
    assert_eq!(
        s.network.latency,
        LatencyModel::LogNormal {
            median_ms: 50.0,
            sigma: 0.5
        }
    );
    assert_eq!(s.get("latency").unwrap(), "lognormal:50:0.5");
    assert_eq!(s.get("network.loss").unwrap(), "0.05");
    s.set("slot_duration_ms", "none").unwrap();
    assert_eq!(s.slot_duration_ms, None);
    assert_eq!(s.get("slot_duration_ms").unwrap(), "none");
    // Every key reads back into an equal scenario.
    let mut copy = Scenario::default();
    for key in OVERRIDE_KEYS {
        copy.set(key, &s.get(key).unwrap()).unwrap();
    }
    assert_eq!(copy, s);

    assert!(matches!(
        s.set("sead", "1"),
        Err(ScenarioError::UnknownKey { .. })
    ));
    assert!(matches!(
        s.set("workload.loss", "0.1"),
        Err(ScenarioError::UnknownKey { .. })
    ));
    for (k, v) in [
        ("nodes", "-1"),
        ("nodes", "many"),
        ("preset", "huge"),
        ("crypto", "none"),
        ("loss", "x"),
        ("latency", "uniform:1"),
    ] {
        let err = s.set(k, v).unwrap_err();
        assert!(
            matches!(err, ScenarioError::BadValue { .. }),
            "{k}={v}: {err}"
        );
        assert!(err.to_string().contains(k), "{err}");
    }
    s.set("cross_shard", "1.5").unwrap();
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("`workload.cross_shard` = 1.5"), "{err}");
}

#[test]
fn huge_seed_is_refused_not_silently_unwritable() {
    let mut s = Scenario::default();
    s.set("seed", &u64::MAX.to_string()).unwrap();
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("`seed`"), "{err}");
    assert!(s.to_toml_string().is_err());
}

/// The example scenario named in the README parses, validates, and is the heavier load the
/// default used to be (the benchmarks' "today's default load").
#[test]
fn heavy_example_scenario_is_valid() {
    let heavy = Scenario::from_toml_str(include_str!("../../../scenarios/heavy.toml"))
        .expect("scenarios/heavy.toml parses");
    heavy.validate().expect("scenarios/heavy.toml is valid");
    assert_eq!((heavy.nodes, heavy.epochs), (8, 12));
    assert_eq!(heavy.workload.tps_per_shard, 200.0);
    assert_eq!(heavy.crypto, CryptoMode::Real);
    let default = Scenario::default();
    assert!(
        heavy.nodes > default.nodes
            && heavy.workload.tps_per_shard > default.workload.tps_per_shard
    );
}
