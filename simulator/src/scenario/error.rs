//! [`ScenarioError`] and the range checks that produce it, shared by every part of a scenario
//! (the network model and the latency forms validate their own fields with them).

/// A scenario that cannot be used, or an override that cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not TOML, has an unknown key, or a value of the wrong type.
    #[error("scenario is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    /// A value outside its allowed range.
    #[error("`{field}` = {value} is out of range: allowed {allowed}")]
    OutOfRange {
        /// Dotted path of the field, e.g. `workload.cross_shard` or `faults[1].node`.
        field: String,
        /// The offending value, as text.
        value: String,
        /// The allowed range and any context, e.g. `0 ..= 1`.
        allowed: String,
    },
    /// A value that is in range but inconsistent with others.
    #[error("`{field}`: {reason}")]
    Invalid {
        /// Dotted path of the field.
        field: String,
        /// What is wrong.
        reason: Inconsistency,
    },
    /// A `key=value` override names a key that does not exist.
    #[error("unknown scenario key `{key}`: known keys are {known}")]
    UnknownKey {
        /// The key given.
        key: String,
        /// The keys [`Scenario::set`] accepts, comma-separated.
        known: String,
    },
    /// A `key=value` override whose value cannot be read.
    #[error("`{key}` = `{value}` cannot be read: expected {expected}")]
    BadValue {
        /// The key given.
        key: String,
        /// The value given.
        value: String,
        /// What the key takes.
        expected: String,
    },
    /// The scenario cannot be rendered as TOML (e.g. an integer above `i64::MAX`).
    #[error("scenario cannot be written as TOML: {0}")]
    Serialize(#[from] toml::ser::Error),
}

/// How a field disagrees with the rest of the scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Inconsistency {
    #[error("has {entries} entries but `nodes` = {nodes}: give one count per node")]
    PerNodeCount { entries: usize, nodes: u64 },
    #[error("sums to {sum} but `validators` = {validators}: the counts must add up")]
    PerNodeSum { sum: u64, validators: u64 },
    #[error(transparent)]
    Chain(consensus::ConfigError),
    #[error("links node {node} to itself")]
    SelfLink { node: u64 },
    #[error("the link {from} -> {to} is listed twice")]
    DuplicateLink { from: u64, to: u64 },
    #[error("node {node} is listed twice")]
    DuplicateNode { node: u64 },
    #[error("is empty: name at least one node")]
    NoNodes,
    #[error("{0}")]
    Explained(String),
}

/// Checks `min <= value <= max` for an integer field.
pub(crate) fn check_u64(field: &str, value: u64, min: u64, max: u64) -> Result<(), ScenarioError> {
    check_u64_ctx(field, value, min, max, "")
}

pub(crate) fn check_u64_ctx(
    field: &str,
    value: u64,
    min: u64,
    max: u64,
    context: &str,
) -> Result<(), ScenarioError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(ScenarioError::OutOfRange {
            field: field.to_string(),
            value: value.to_string(),
            allowed: format!("{min} ..= {max}{context}"),
        })
    }
}

/// Checks that a float field is finite and `min <= value <= max`.
pub(crate) fn check_f64(field: &str, value: f64, min: f64, max: f64) -> Result<(), ScenarioError> {
    if value.is_finite() && value >= min && value <= max {
        Ok(())
    } else {
        Err(ScenarioError::OutOfRange {
            field: field.to_string(),
            value: value.to_string(),
            allowed: format!("{min} ..= {max}"),
        })
    }
}

/// Checks a node id against the scenario's node count.
pub(crate) fn check_node(field: &str, node: u64, nodes: u64) -> Result<(), ScenarioError> {
    check_u64_ctx(
        field,
        node,
        0,
        nodes.saturating_sub(1),
        &format!(" (node ids are below `nodes` = {nodes})"),
    )
}
