//! Named regions and the one-way latency between them (`[network.regions]`): each node sits
//! in a region, and a message between two nodes takes the matrix entry of their regions (plus
//! the network's jitter). Per-link entries (`[[network.links]]`) still override a pair.

use crate::latency::{LatencyModel, MAX_LATENCY_MS};
use crate::scenario::error::{check_f64, check_u64, Inconsistency, ScenarioError};
use serde::{Deserialize, Serialize};

/// The `[network.regions]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionsSpec {
    /// Region names, e.g. `["eu", "us", "asia"]`.
    pub names: Vec<String>,
    /// `matrix_ms[i][j]`: one-way latency from region `i` to region `j`, in ms.
    pub matrix_ms: Vec<Vec<f64>>,
    /// The region index of each node; empty (default): node `i` is in region `i % regions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assign: Vec<u64>,
}

impl RegionsSpec {
    /// The region of `node`.
    pub fn region_of(&self, node: u64) -> usize {
        match self.assign.get(node as usize) {
            Some(&r) => r as usize,
            None => (node as usize) % self.names.len().max(1),
        }
    }

    /// The latency of the link `from -> to`.
    pub fn latency(&self, from: u64, to: u64) -> LatencyModel {
        let ms = self
            .matrix_ms
            .get(self.region_of(from))
            .and_then(|row| row.get(self.region_of(to)))
            .copied()
            .unwrap_or(0.0);
        LatencyModel::Constant { ms }
    }

    /// A square matrix over at least one region, entries in range, one region per node if
    /// given, each below the region count.
    pub fn validate(&self, nodes: u64) -> Result<(), ScenarioError> {
        let n = self.names.len();
        check_u64("network.regions.names (count)", n as u64, 1, 64)?;
        if self.matrix_ms.len() != n || self.matrix_ms.iter().any(|row| row.len() != n) {
            return Err(ScenarioError::Invalid {
                field: "network.regions.matrix_ms".into(),
                reason: Inconsistency::Explained(format!(
                    "must be {n} rows of {n} entries, one per region"
                )),
            });
        }
        for (i, row) in self.matrix_ms.iter().enumerate() {
            for (j, ms) in row.iter().enumerate() {
                check_f64(
                    &format!("network.regions.matrix_ms[{i}][{j}]"),
                    *ms,
                    0.0,
                    MAX_LATENCY_MS,
                )?;
            }
        }
        if !self.assign.is_empty() {
            if self.assign.len() as u64 != nodes {
                return Err(ScenarioError::Invalid {
                    field: "network.regions.assign".into(),
                    reason: Inconsistency::PerNodeCount {
                        entries: self.assign.len(),
                        nodes,
                    },
                });
            }
            for (k, r) in self.assign.iter().enumerate() {
                check_u64(&format!("network.regions.assign[{k}]"), *r, 0, n as u64 - 1)?;
            }
        }
        Ok(())
    }
}
