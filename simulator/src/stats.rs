//! Small, exact summary statistics for research metrics.
//!
//! **Owns**: [`percentile`] / [`percentile_sorted`] (nearest-rank), [`mean`], and the
//! [`Samples`] accumulator (push values, then read count, mean, min, max and percentiles).
//! Everything is exact on the stored values (no histogram buckets) and deterministic.

/// The nearest-rank percentile of values already sorted ascending.
///
/// For `n` values and `p` in `[0, 100]`, the result is the value at 1-based rank
/// `max(1, ceil(p / 100 * n))`: p0 is the minimum, p100 the maximum, and the result is always
/// one of the values (never interpolated). `None` if `sorted` is empty or `p` is outside
/// `[0, 100]` or NaN. The caller guarantees the order (see [`percentile`] otherwise).
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    let index = rank.clamp(1, n) - 1;
    sorted.get(index).copied()
}

/// The nearest-rank percentile (see [`percentile_sorted`]) of unsorted values; NaN values are
/// ignored. Sorts a copy.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    percentile_sorted(&sorted, p)
}

/// The arithmetic mean, or `None` for no values.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// A summary of a [`Samples`] accumulator, computed with one sort.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Values accepted.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// Nearest-rank median.
    pub p50: f64,
    /// Nearest-rank 90th percentile.
    pub p90: f64,
    /// Nearest-rank 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

/// An accumulator of `f64` samples (e.g. latencies in ms) with exact percentiles.
///
/// NaN pushes are ignored (and counted in [`Samples::rejected`]), so a stray NaN cannot
/// poison a report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    values: Vec<f64>,
    rejected: u64,
}

impl Samples {
    /// No samples.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample (ignored if NaN).
    pub fn push(&mut self, value: f64) {
        if value.is_nan() {
            self.rejected += 1;
        } else {
            self.values.push(value);
        }
    }

    /// Samples accepted.
    pub fn count(&self) -> usize {
        self.values.len()
    }

    /// Whether no sample was accepted.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// NaN samples ignored.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// The accepted samples in push order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Arithmetic mean.
    pub fn mean(&self) -> Option<f64> {
        mean(&self.values)
    }

    /// Smallest sample.
    pub fn min(&self) -> Option<f64> {
        self.values.iter().copied().min_by(f64::total_cmp)
    }

    /// Largest sample.
    pub fn max(&self) -> Option<f64> {
        self.values.iter().copied().max_by(f64::total_cmp)
    }

    /// Nearest-rank percentile `p` in `[0, 100]` (sorts a copy).
    pub fn percentile(&self, p: f64) -> Option<f64> {
        percentile(&self.values, p)
    }

    /// Nearest-rank median.
    pub fn p50(&self) -> Option<f64> {
        self.percentile(50.0)
    }

    /// Nearest-rank 99th percentile.
    pub fn p99(&self) -> Option<f64> {
        self.percentile(99.0)
    }

    /// Count, mean, min, p50, p90, p99 and max with one sort; `None` if empty.
    pub fn summary(&self) -> Option<Summary> {
        let mut sorted = self.values.clone();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            count: sorted.len(),
            mean: mean(&sorted)?,
            min: *sorted.first()?,
            p50: percentile_sorted(&sorted, 50.0)?,
            p90: percentile_sorted(&sorted, 90.0)?,
            p99: percentile_sorted(&sorted, 99.0)?,
            max: *sorted.last()?,
        })
    }
}

impl Extend<f64> for Samples {
    fn extend<I: IntoIterator<Item = f64>>(&mut self, iter: I) {
        for v in iter {
            self.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(percentile_sorted(&v, 0.0), Some(15.0));
        assert_eq!(percentile_sorted(&v, 5.0), Some(15.0));
        assert_eq!(percentile_sorted(&v, 30.0), Some(20.0));
        assert_eq!(percentile_sorted(&v, 40.0), Some(20.0));
        assert_eq!(percentile_sorted(&v, 50.0), Some(35.0));
        assert_eq!(percentile_sorted(&v, 100.0), Some(50.0));
        assert_eq!(percentile_sorted(&v, 101.0), None);
        assert_eq!(percentile_sorted(&v, -1.0), None);
        assert_eq!(percentile_sorted(&v, f64::NAN), None);
        assert_eq!(percentile_sorted(&[], 50.0), None);
        assert_eq!(
            percentile(&[50.0, 15.0, f64::NAN, 40.0, 20.0, 35.0], 50.0),
            Some(35.0)
        );
        let hundred: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&hundred, 99.0), Some(99.0));
        assert_eq!(percentile(&hundred, 50.0), Some(50.0));
    }

    #[test]
    fn mean_and_samples() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 3.0]), Some(2.0));
        let mut s = Samples::new();
        assert!(s.is_empty());
        assert_eq!(s.p50(), None);
        assert_eq!(s.summary(), None);
        s.extend((1..=1000).map(f64::from));
        s.push(f64::NAN);
        assert_eq!(s.count(), 1000);
        assert_eq!(s.rejected(), 1);
        assert_eq!(s.p50(), Some(500.0));
        assert_eq!(s.p99(), Some(990.0));
        assert_eq!(s.max(), Some(1000.0));
        assert_eq!(s.min(), Some(1.0));
        assert_eq!(s.mean(), Some(500.5));
        let sum = s.summary().unwrap();
        assert_eq!(
            (sum.count, sum.min, sum.p50, sum.p90, sum.p99, sum.max),
            (1000, 1.0, 500.0, 900.0, 990.0, 1000.0)
        );
    }
}
