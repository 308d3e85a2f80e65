//! Per-link latency distributions.
//!
//! **Owns**: [`LatencyModel`] (constant, uniform, log-normal), its validation, its sampling from
//! a [`SimRng`], and its compact command-line form (`constant:50`, `uniform:20:80`,
//! `lognormal:50:0.5`) used by `Scenario::set`.

use crate::rng::SimRng;
use crate::scenario::error::{check_f64, ScenarioError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Largest latency parameter (and largest sample) accepted, in milliseconds: one minute.
pub const MAX_LATENCY_MS: f64 = 60_000.0;

/// Largest log-normal shape parameter accepted.
pub const MAX_SIGMA: f64 = 10.0;

/// A one-way message latency distribution, in milliseconds.
///
/// In TOML: `latency = { model = "uniform", min_ms = 20.0, max_ms = 80.0 }`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum LatencyModel {
    /// Always `ms`.
    Constant {
        /// The latency, in milliseconds.
        ms: f64,
    },
    /// Uniform in `[min_ms, max_ms)`.
    Uniform {
        /// Smallest latency, in milliseconds.
        min_ms: f64,
        /// Largest latency (exclusive), in milliseconds.
        max_ms: f64,
    },
    /// Log-normal: `median_ms * exp(sigma * Z)` with `Z` standard normal. Written
    /// `model = "log_normal"` (or `"lognormal"`).
    #[serde(alias = "lognormal")]
    LogNormal {
        /// The median latency, in milliseconds.
        median_ms: f64,
        /// The standard deviation of the latency's natural logarithm.
        sigma: f64,
    },
}

impl Default for LatencyModel {
    /// `Uniform { min_ms: 20.0, max_ms: 80.0 }`.
    fn default() -> Self {
        LatencyModel::Uniform {
            min_ms: 20.0,
            max_ms: 80.0,
        }
    }
}

impl LatencyModel {
    /// Draws one latency in milliseconds, clamped to `[0, MAX_LATENCY_MS]`.
    ///
    /// Draws a fixed count of numbers per model (constant: 0, uniform: 1, log-normal: 2), so a
    /// stream's alignment never depends on the values drawn.
    pub fn sample_ms(&self, rng: &mut SimRng) -> f64 {
        let raw = match *self {
            LatencyModel::Constant { ms } => ms,
            LatencyModel::Uniform { min_ms, max_ms } => {
                min_ms + (max_ms - min_ms) * rng.uniform_f64()
            }
            LatencyModel::LogNormal { median_ms, sigma } => {
                median_ms * (sigma * rng.standard_normal()).exp()
            }
        };
        if raw.is_nan() {
            0.0
        } else {
            raw.clamp(0.0, MAX_LATENCY_MS)
        }
    }

    /// Checks the parameters, naming fields as `latency.<param>`.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.validate_at("latency")
    }

    /// Checks the parameters, naming fields as `<field>.<param>` (e.g.
    /// `network.links[2].latency.min_ms`): finite, `0 ..= MAX_LATENCY_MS`, `min_ms <= max_ms`,
    /// `0 <= sigma <= MAX_SIGMA`.
    pub fn validate_at(&self, field: &str) -> Result<(), ScenarioError> {
        match *self {
            LatencyModel::Constant { ms } => {
                check_f64(&format!("{field}.ms"), ms, 0.0, MAX_LATENCY_MS)
            }
            LatencyModel::Uniform { min_ms, max_ms } => {
                check_f64(&format!("{field}.min_ms"), min_ms, 0.0, MAX_LATENCY_MS)?;
                check_f64(&format!("{field}.max_ms"), max_ms, min_ms, MAX_LATENCY_MS)
            }
            LatencyModel::LogNormal { median_ms, sigma } => {
                check_f64(
                    &format!("{field}.median_ms"),
                    median_ms,
                    0.0,
                    MAX_LATENCY_MS,
                )?;
                check_f64(&format!("{field}.sigma"), sigma, 0.0, MAX_SIGMA)
            }
        }
    }
}

impl fmt::Display for LatencyModel {
    /// The command-line form: `constant:50`, `uniform:20:80`, `lognormal:50:0.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LatencyModel::Constant { ms } => write!(f, "constant:{ms}"),
            LatencyModel::Uniform { min_ms, max_ms } => write!(f, "uniform:{min_ms}:{max_ms}"),
            LatencyModel::LogNormal { median_ms, sigma } => {
                write!(f, "lognormal:{median_ms}:{sigma}")
            }
        }
    }
}

/// The command-line forms a latency takes, for error messages.
pub const LATENCY_FORMS: &str =
    "`constant:<ms>`, `uniform:<min_ms>:<max_ms>` or `lognormal:<median_ms>:<sigma>`";

/// Why a command-line latency string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("latency `{0}` cannot be read: expected {LATENCY_FORMS}")]
pub struct LatencyParseError(pub String);

impl FromStr for LatencyModel {
    type Err = LatencyParseError;

    /// Parses the command-line form (see [`fmt::Display`]); does not validate ranges.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || LatencyParseError(text.to_string());
        let parts: Vec<&str> = text.trim().split(':').map(str::trim).collect();
        let num = |s: &str| s.parse::<f64>().map_err(|_| err());
        match parts.as_slice() {
            [name, ms] if name.eq_ignore_ascii_case("constant") => {
                Ok(LatencyModel::Constant { ms: num(ms)? })
            }
            [name, min, max] if name.eq_ignore_ascii_case("uniform") => Ok(LatencyModel::Uniform {
                min_ms: num(min)?,
                max_ms: num(max)?,
            }),
            [name, median, sigma]
                if name.eq_ignore_ascii_case("lognormal")
                    || name.eq_ignore_ascii_case("log_normal") =>
            {
                Ok(LatencyModel::LogNormal {
                    median_ms: num(median)?,
                    sigma: num(sigma)?,
                })
            }
            _ => Err(err()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_within_bounds() {
        let mut rng = SimRng::new(3);
        let c = LatencyModel::Constant { ms: 50.0 };
        assert_eq!(c.sample_ms(&mut rng), 50.0);
        let u = LatencyModel::Uniform {
            min_ms: 20.0,
            max_ms: 80.0,
        };
        for _ in 0..10_000 {
            let x = u.sample_ms(&mut rng);
            assert!((20.0..80.0).contains(&x), "{x}");
        }
        let l = LatencyModel::LogNormal {
            median_ms: 50.0,
            sigma: 3.0,
        };
        for _ in 0..10_000 {
            let x = l.sample_ms(&mut rng);
            assert!((0.0..=MAX_LATENCY_MS).contains(&x), "{x}");
        }
    }

    #[test]
    fn lognormal_median_roughly_right() {
        let mut rng = SimRng::new(5);
        let l = LatencyModel::LogNormal {
            median_ms: 50.0,
            sigma: 0.5,
        };
        let mut xs: Vec<f64> = (0..10_000).map(|_| l.sample_ms(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[xs.len() / 2];
        assert!((47.0..53.0).contains(&median), "{median}");
        // Mean of a log-normal is median * exp(sigma^2 / 2) ≈ 56.7.
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((54.0..59.5).contains(&mean), "{mean}");
    }

    #[test]
    fn validation() {
        LatencyModel::default().validate().unwrap();
        let bad = [
            (LatencyModel::Constant { ms: -1.0 }, "latency.ms"),
            (LatencyModel::Constant { ms: f64::NAN }, "latency.ms"),
            (LatencyModel::Constant { ms: f64::INFINITY }, "latency.ms"),
            (
                LatencyModel::Uniform {
                    min_ms: 80.0,
                    max_ms: 20.0,
                },
                "latency.max_ms",
            ),
            (
                LatencyModel::LogNormal {
                    median_ms: 50.0,
                    sigma: -0.1,
                },
                "latency.sigma",
            ),
            (
                LatencyModel::LogNormal {
                    median_ms: 70_000.0,
                    sigma: 0.1,
                },
                "latency.median_ms",
            ),
        ];
        for (model, field) in bad {
            let text = model.validate().unwrap_err().to_string();
            assert!(text.contains(&format!("`{field}`")), "{text}");
        }
    }

    #[test]
    fn command_line_form_round_trips() {
        for text in ["constant:50", "uniform:20:80", "lognormal:50:0.5"] {
            let model: LatencyModel = text.parse().unwrap();
            assert_eq!(model.to_string(), text);
        }
        assert_eq!(
            "uniform:20:80".parse::<LatencyModel>().unwrap(),
            LatencyModel::default()
        );
        for bad in [
            "",
            "constant",
            "uniform:1",
            "normal:1:2",
            "constant:x",
            "constant:1:2",
        ] {
            assert!(bad.parse::<LatencyModel>().is_err(), "{bad}");
        }
    }
}
