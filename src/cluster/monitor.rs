//! Watching a running cluster: each node's `/shardnode/v1/status` polled over HTTP, the
//! finalized checkpoints every node has reported (two different roots for one epoch are a
//! safety violation), and whether finality still advances.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CheckpointView {
    pub epoch: u64,
    pub root: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ShardView {
    pub shard: u64,
    pub head_slot: u64,
    pub blocks: u64,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NodeView {
    pub current_slot: u64,
    pub head_slot: u64,
    pub justified: CheckpointView,
    pub finalized: CheckpointView,
    pub peers: usize,
    pub canonical_blocks: u64,
    pub shards: Vec<ShardView>,
    pub finalized_checkpoints: Vec<(u64, String)>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RuntimeView {
    pub first_finalized_epoch: Option<u64>,
    pub first_finalized_at_ms: Option<u64>,
    pub crosslinks_per_shard: Vec<u64>,
    pub connected_peers: usize,
    pub banned_peers: u64,
}

/// The part of a node's status the cluster reads.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StatusView {
    pub node: NodeView,
    pub runtime: RuntimeView,
    #[serde(default)]
    pub supply: Vec<beacon::node::ShardSupply>,
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_millis(1500))
        .build()
}

/// `GET /shardnode/v1/status` of the node at `api`.
pub fn poll(api: SocketAddr) -> Result<StatusView> {
    let url = format!("http://{api}/shardnode/v1/status");
    let text = agent()
        .get(&url)
        .call()
        .with_context(|| format!("GET {url}"))?
        .into_string()?;
    serde_json::from_str(&text).with_context(|| format!("the answer of {url}"))
}

/// `GET /shardnode/v1/block_delays` of the node at `api`.
pub fn block_delays(api: SocketAddr) -> Result<Vec<u64>> {
    #[derive(Deserialize)]
    struct Data {
        data: Vec<u64>,
    }
    let url = format!("http://{api}/shardnode/v1/block_delays");
    let text = agent().get(&url).call()?.into_string()?;
    Ok(serde_json::from_str::<Data>(&text)?.data)
}

/// The finalized checkpoints every node reported: `epoch -> root -> nodes`.
#[derive(Debug, Default)]
pub struct FinalityLedger {
    roots: BTreeMap<u64, BTreeMap<String, Vec<usize>>>,
}

impl FinalityLedger {
    pub fn record(&mut self, node: usize, checkpoints: &[(u64, String)]) {
        for (epoch, root) in checkpoints {
            let nodes = self
                .roots
                .entry(*epoch)
                .or_default()
                .entry(root.clone())
                .or_default();
            if !nodes.contains(&node) {
                nodes.push(node);
            }
        }
    }

    /// One line per epoch at which nodes finalized different roots.
    pub fn violations(&self) -> Vec<String> {
        self.roots
            .iter()
            .filter(|(_, roots)| roots.len() > 1)
            .map(|(epoch, roots)| {
                let sides: Vec<String> = roots
                    .iter()
                    .map(|(root, nodes)| format!("{root} by nodes {nodes:?}"))
                    .collect();
                format!(
                    "conflicting finalized checkpoints at epoch {epoch}: {}",
                    sides.join(" vs ")
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_roots_are_violations() {
        let mut ledger = FinalityLedger::default();
        ledger.record(0, &[(0, "g".into()), (1, "a".into())]);
        ledger.record(1, &[(0, "g".into()), (1, "a".into()), (2, "b".into())]);
        assert!(ledger.violations().is_empty());
        ledger.record(2, &[(2, "c".into())]);
        let violations = ledger.violations();
        assert_eq!(violations.len(), 1);
        assert!(violations[0].contains("epoch 2"), "{violations:?}");
    }
}
