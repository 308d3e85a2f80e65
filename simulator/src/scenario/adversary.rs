//! `[[adversaries]]`: Byzantine nodes. An adversary holds the validators of the nodes it
//! names (its share of stake is theirs; `validators_per_node` sets any share) and departs
//! from the protocol in `from_epoch .. until_epoch`. What each kind does is in
//! `crate::adversary`; the honest nodes must slash it or survive it.

use super::error::{check_node, check_u64, Inconsistency, ScenarioError};
use super::MAX_EPOCHS;
use serde::{Deserialize, Serialize};

/// What an adversary does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdversaryKind {
    /// Its nodes are down: no duties, nothing sent or received.
    Offline,
    /// Each beacon block its validators propose is signed twice, with different bodies; each
    /// half of the peers gets one.
    Equivocate,
    /// Each shard block its validators propose is signed twice (the second without
    /// transactions); each half of the peers gets one.
    EquivocateShard,
    /// Each attestation its validators make is followed by a second with the same target and
    /// another head vote.
    DoubleVote,
    /// In every second epoch of the window its attestations carry a source one epoch older
    /// than the previous epoch's vote had, so they surround it.
    SurroundVote,
    /// Its blocks, attestations and answers are held back and released `release_slots`
    /// later (never, without `release_slots`).
    Withhold,
    /// Its validators attest to crosslink data that no shard chain has.
    InvalidCrosslink,
    /// Its shard proposers leave every incoming cross-shard receipt out.
    CensorReceipts,
}

impl AdversaryKind {
    pub const ALL: [AdversaryKind; 8] = [
        AdversaryKind::Offline,
        AdversaryKind::Equivocate,
        AdversaryKind::EquivocateShard,
        AdversaryKind::DoubleVote,
        AdversaryKind::SurroundVote,
        AdversaryKind::Withhold,
        AdversaryKind::InvalidCrosslink,
        AdversaryKind::CensorReceipts,
    ];

    /// The name in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            AdversaryKind::Offline => "offline",
            AdversaryKind::Equivocate => "equivocate",
            AdversaryKind::EquivocateShard => "equivocate_shard",
            AdversaryKind::DoubleVote => "double_vote",
            AdversaryKind::SurroundVote => "surround_vote",
            AdversaryKind::Withhold => "withhold",
            AdversaryKind::InvalidCrosslink => "invalid_crosslink",
            AdversaryKind::CensorReceipts => "censor_receipts",
        }
    }

    /// Whether the kind signs two conflicting attestations (an attester slashing punishes it).
    pub fn votes_twice(self) -> bool {
        matches!(
            self,
            AdversaryKind::DoubleVote | AdversaryKind::SurroundVote
        )
    }

    /// Whether the kind signs two conflicting messages (so the protocol promises a slashing).
    pub fn equivocates(self) -> bool {
        matches!(
            self,
            AdversaryKind::Equivocate | AdversaryKind::DoubleVote | AdversaryKind::SurroundVote
        )
    }
}

impl std::str::FromStr for AdversaryKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or(())
    }
}

/// `--set adversary=KIND[:NODE[+NODE...]]` (default node: the last), or `none`: one adversary
/// from epoch 1 to the end, replacing the scenario's `[[adversaries]]`.
pub(super) fn parse_override(
    key: &str,
    value: &str,
    nodes: u64,
) -> Result<Vec<AdversarySpec>, ScenarioError> {
    let bad = || ScenarioError::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected: format!(
            "none or KIND[:NODE[+NODE...]] with KIND one of {}",
            AdversaryKind::ALL.map(|k| k.as_str()).join(", ")
        ),
    };
    if super::is_none_word(value) {
        return Ok(Vec::new());
    }
    let (kind, ids) = value.split_once(':').unwrap_or((value, ""));
    let kind: AdversaryKind = kind.parse().map_err(|_| bad())?;
    let nodes = if ids.trim().is_empty() {
        vec![nodes.saturating_sub(1)]
    } else {
        ids.split('+')
            .map(|n| n.trim().parse::<u64>().map_err(|_| bad()))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(vec![AdversarySpec {
        kind,
        nodes,
        from_epoch: default_from_epoch(),
        until_epoch: None,
        release_slots: None,
    }])
}

/// The `adversary` key's value for `adversaries` (`none`, or each as `KIND:N+N`, comma-joined).
pub(super) fn render_override(adversaries: &[AdversarySpec]) -> String {
    if adversaries.is_empty() {
        return "none".to_string();
    }
    adversaries
        .iter()
        .map(|a| {
            let ids: Vec<String> = a.nodes.iter().map(|n| n.to_string()).collect();
            format!("{}:{}", a.kind.as_str(), ids.join("+"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn default_from_epoch() -> u64 {
    1
}

/// One `[[adversaries]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdversarySpec {
    pub kind: AdversaryKind,
    /// The nodes whose validators the adversary holds.
    pub nodes: Vec<u64>,
    /// First epoch of misbehaviour (default 1).
    #[serde(default = "default_from_epoch")]
    pub from_epoch: u64,
    /// First epoch after it (`> from_epoch`); none = to the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_epoch: Option<u64>,
    /// `withhold` only: slots after which what was held is released (none = never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_slots: Option<u64>,
}

impl AdversarySpec {
    /// Whether the adversary acts in `epoch`.
    pub fn active_at(&self, epoch: u64) -> bool {
        epoch >= self.from_epoch && self.until_epoch.is_none_or(|until| epoch < until)
    }

    pub(super) fn validate(&self, field: &str, nodes: u64) -> Result<(), ScenarioError> {
        if self.nodes.is_empty() {
            return Err(ScenarioError::Invalid {
                field: format!("{field}.nodes"),
                reason: Inconsistency::NoNodes,
            });
        }
        for (k, &node) in self.nodes.iter().enumerate() {
            check_node(&format!("{field}.nodes[{k}]"), node, nodes)?;
        }
        check_u64(
            &format!("{field}.from_epoch"),
            self.from_epoch,
            0,
            MAX_EPOCHS,
        )?;
        if let Some(until) = self.until_epoch {
            check_u64(
                &format!("{field}.until_epoch"),
                until,
                self.from_epoch.saturating_add(1),
                MAX_EPOCHS,
            )?;
        }
        if let Some(release) = self.release_slots {
            if self.kind != AdversaryKind::Withhold {
                return Err(ScenarioError::Invalid {
                    field: format!("{field}.release_slots"),
                    reason: Inconsistency::Explained(format!(
                        "applies to `withhold` only, not `{}`",
                        self.kind.as_str()
                    )),
                });
            }
            check_u64(&format!("{field}.release_slots"), release, 1, 1 << 20)?;
        }
        Ok(())
    }
}
