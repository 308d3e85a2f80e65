//! The `shardnode` binary as a user runs it.

use std::process::Command;

fn shardnode(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shardnode"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn bad_config_is_refused_with_field_and_range() {
    let dir = std::env::temp_dir().join(format!("shardnode-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "active_shard_count = 9\n").unwrap();
    let out = shardnode(&["config", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`active_shard_count` = 9") && err.contains("1 ..= 8"),
        "{err}"
    );
    std::fs::write(&file, "validator_count = \"lots\"\n").unwrap();
    let out = shardnode(&["genesis", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("validator_count"));
    let out = shardnode(&["config", dir.join("missing.toml").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn genesis_is_deterministic_and_covers_every_shard() {
    let first = shardnode(&["genesis", "--committees"]);
    assert!(first.status.success());
    let second = shardnode(&["genesis", "--committees"]);
    assert_eq!(first.stdout, second.stdout);
    let text = String::from_utf8_lossy(&first.stdout);
    assert!(text.contains("validators          256"), "{text}");
    // 8 committees of 32 cover all 256 validators exactly once.
    let mut members: Vec<u64> = text
        .lines()
        .skip_while(|l| !l.starts_with("shard  committee"))
        .skip(1)
        .flat_map(|l| {
            let list = l
                .split_once('[')
                .map(|(_, r)| r.trim_end_matches(']'))
                .unwrap_or("");
            list.split(", ")
                .filter_map(|v| v.parse().ok())
                .collect::<Vec<u64>>()
        })
        .collect();
    members.sort_unstable();
    assert_eq!(members, (0..256).collect::<Vec<u64>>());
}

#[test]
fn interop_keys_match_the_published_ones() {
    let out = shardnode(&["keys", "--count", "2", "--secret"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0x25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866"));
    assert!(text.contains("0x51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000"));
}

#[test]
fn node_and_cluster_refuse_bad_settings_by_name() {
    let dir = std::env::temp_dir().join(format!("shardnode-cli-node-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let settings = dir.join("node.toml");
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).to_string();
    std::fs::write(
        &settings,
        "data_dir = \"/tmp/x\"\ngenesis = \"/tmp/g\"\nvalidators = \"9..3\"\n",
    )
    .unwrap();
    let out = shardnode(&["node", "--config", settings.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("`validators`"), "{}", stderr(&out));
    std::fs::write(&settings, "data_dir = \"/tmp/x\"\nsurprise = 1\n").unwrap();
    let out = shardnode(&["node", "--config", settings.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("surprise"), "{}", stderr(&out));
    let out = shardnode(&["node", "--data-dir", dir.to_str().unwrap()]);
    assert!(stderr(&out).contains("--genesis"), "{}", stderr(&out));
    let missing = dir.join("missing-genesis.toml");
    let out = shardnode(&[
        "node",
        "--data-dir",
        dir.to_str().unwrap(),
        "--genesis",
        missing.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot read the genesis"),
        "{}",
        stderr(&out)
    );
    // A flag overriding a good settings file is checked by name (the file alone is valid).
    std::fs::write(
        &settings,
        format!(
            "data_dir = {:?}\ngenesis = {:?}\n",
            dir.join("d").display(),
            missing.display()
        ),
    )
    .unwrap();
    let config = settings.to_str().unwrap();
    let out = shardnode(&["node", "--config", config, "--listen", "nowhere"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("`listen`"), "{}", stderr(&out));
    let out = shardnode(&["node", "--config", config, "--bootnode", "not-an-addr"]);
    assert!(stderr(&out).contains("bootnodes"), "{}", stderr(&out));
    let out = shardnode(&["node", "--config", config, "--validators", "3"]);
    assert!(stderr(&out).contains("`validators`"), "{}", stderr(&out));
    let out = shardnode(&["node", "--config", config, "--api", "localhost"]);
    assert!(stderr(&out).contains("--api"), "{}", stderr(&out));
    let out = shardnode(&["node", "--config", config, "--log-level", "info,=x=y"]);
    assert!(stderr(&out).contains("log_level"), "{}", stderr(&out));
    assert!(
        !dir.join("d").exists(),
        "nothing is created for refused settings"
    );
    // Keys only a simulation can honour are refused by the cluster, by name, before anything
    // starts.
    let out = shardnode(&[
        "cluster",
        "--set",
        "loss=0.1",
        "--out",
        dir.join("c").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("network.loss"), "{}", stderr(&out));
    assert!(!dir.join("c").join("node-0").exists());
    let out = shardnode(&["cluster", "--kill", "two@3"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("NODE@SLOT") || stderr(&out).contains("two"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `sim --out` writes every node's final metrics in the Prometheus text format, from the
/// definitions the real node serves.
#[test]
fn sim_writes_each_nodes_metrics() {
    let dir = std::env::temp_dir().join(format!("shardnode-sim-metrics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = shardnode(&[
        "sim",
        "--quiet",
        "--set",
        "epochs=5",
        "--set",
        "crypto=fake",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |text: &str, name: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(name) && !l.starts_with('#'))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    for node in 0..4 {
        let path = dir.join(format!("metrics/node-{node}.prom"));
        let text = std::fs::read_to_string(&path).expect("metrics file");
        assert!(
            text.contains("# TYPE beacon_finalized_epoch gauge"),
            "{text}"
        );
        assert!(
            value(&text, "beacon_finalized_epoch ") >= 2.0,
            "node {node}: {text}"
        );
        assert!(value(&text, "beacon_head_slot ") >= 39.0, "node {node}");
        assert!(value(&text, "shardnode_shard_transactions_executed_total{") > 0.0);
        assert!(value(&text, "shardnode_gossip_messages_total{reason=\"accept\"") > 0.0);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
