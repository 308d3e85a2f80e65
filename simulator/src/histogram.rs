//! [`Histogram`]: a streaming latency histogram with bounded memory and a fixed resolution.
//!
//! Values (milliseconds, or any non-negative integer) below 128 have a bucket each; above,
//! every power of two is split into 64 buckets, so a bucket spans at most 1/64 (1.6 %) of its
//! values. Percentiles are nearest-rank over the buckets and report the bucket's lower edge:
//! exact below 128, within 1.6 % above. Memory is at most a few thousand counters whatever
//! the number of samples; the result depends only on the samples (never on their order).

/// Buckets per power of two above the exact range.
const SUB_BUCKETS: u64 = 64;
/// Values below this have their own bucket.
const EXACT: u64 = 2 * SUB_BUCKETS;

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    sum: u128,
}

fn bucket_of(value: u64) -> usize {
    if value < EXACT {
        return value as usize;
    }
    let exponent = 63 - u64::from(value.leading_zeros());
    let shift = exponent - SUB_BUCKETS.trailing_zeros() as u64;
    let sub = (value >> shift) - SUB_BUCKETS;
    (EXACT + (exponent - 7) * SUB_BUCKETS + sub) as usize
}

fn lower_edge(bucket: usize) -> u64 {
    let bucket = bucket as u64;
    if bucket < EXACT {
        return bucket;
    }
    let exponent = (bucket - EXACT) / SUB_BUCKETS + 7;
    let sub = (bucket - EXACT) % SUB_BUCKETS;
    (SUB_BUCKETS + sub) << (exponent - SUB_BUCKETS.trailing_zeros() as u64)
}

impl Histogram {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, value: u64) {
        let bucket = bucket_of(value);
        if self.counts.len() <= bucket {
            self.counts.resize(bucket + 1, 0);
        }
        self.counts[bucket] += 1;
        self.total += 1;
        self.sum += u128::from(value);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.sum as f64 / self.total as f64)
    }

    /// The empirical CDF over the buckets: `(bucket lower edge, fraction of samples at or below
    /// that bucket)`, one point per non-empty bucket, in increasing order.
    pub fn cdf(&self) -> Vec<(u64, f64)> {
        let mut seen = 0u64;
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, count)| **count > 0)
            .map(|(bucket, count)| {
                seen += count;
                (lower_edge(bucket), seen as f64 / self.total as f64)
            })
            .collect()
    }

    /// The nearest-rank percentile `p` in `[0, 100]` (the bucket's lower edge).
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.total == 0 || !(0.0..=100.0).contains(&p) {
            return None;
        }
        let rank = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Some(lower_edge(bucket));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::percentile;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut last = 0;
        for value in (0..200_000u64).step_by(7) {
            let bucket = bucket_of(value);
            assert!(bucket >= last);
            last = bucket;
            let edge = lower_edge(bucket);
            assert!(edge <= value, "{value} below its bucket's edge {edge}");
            assert!(value - edge <= value / 64, "{value}: edge {edge}");
        }
        assert_eq!(lower_edge(bucket_of(u64::MAX)), 127 << 57);
    }

    #[test]
    fn percentiles_match_exact_ones_within_the_resolution() {
        let values: Vec<u64> = (0..5000u64).map(|i| (i * i) % 190_000 + 30).collect();
        let mut histogram = Histogram::new();
        for v in &values {
            histogram.record(*v);
        }
        let floats: Vec<f64> = values.iter().map(|v| *v as f64).collect();
        for p in [1.0, 50.0, 90.0, 99.0, 100.0] {
            let exact = percentile(&floats, p).unwrap() as u64;
            let approx = histogram.percentile(p).unwrap();
            assert!(
                approx <= exact && exact - approx <= exact / 64,
                "p{p}: {approx} vs {exact}"
            );
        }
        assert_eq!(histogram.count(), 5000);
        let cdf = histogram.cdf();
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert_eq!(cdf.last().map(|p| p.1), Some(1.0));
        assert!(histogram.counts.len() < 1200);
        assert_eq!(Histogram::new().percentile(50.0), None);
    }
}
