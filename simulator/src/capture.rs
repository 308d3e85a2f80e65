//! Committee capture: how often an adversary holding a share of the stake gets at least 1/3 or
//! at least 2/3 of a committee's members, measured from the real shuffling
//! (`consensus::shuffle::shuffle_list`, the whole-list form of `compute_shuffled_index`) over
//! many epochs, beside the hypergeometric law it should follow.
//!
//! Each epoch shuffles `validators` indices with a fresh seed (`SHA-256(seed ‖ epoch)`,
//! standing in for the RANDAO mix) and slices them into committees as `compute_committee`
//! does: committee `i` of `n` takes `[len·i/n, len·(i+1)/n)`. The adversary holds the first
//! `round(share · validators)` indices (any fixed set gives the same law, the shuffle being a
//! uniformly drawn permutation). Deterministic: no clock, no OS randomness.

use consensus::hash::hash;
use consensus::primitives::Root;
use consensus::shuffle::shuffle_list;
use rayon::prelude::*;

/// What to measure.
#[derive(Clone, Debug)]
pub struct CaptureParams {
    pub validators: u64,
    pub committee_sizes: Vec<u64>,
    /// Adversarial stake shares, each in `(0, 1)`.
    pub shares: Vec<f64>,
    pub epochs: u64,
    pub seed: u64,
    pub shuffle_rounds: u8,
}

/// One (committee size, share) cell.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureRow {
    pub committee_size: u64,
    pub share: f64,
    pub adversarial_validators: u64,
    pub committees_observed: u64,
    /// Committees with at least `ceil(size / 3)` adversarial members.
    pub third_observed: u64,
    /// Committees with at least `ceil(2 · size / 3)` adversarial members.
    pub two_thirds_observed: u64,
    /// `P(X >= ceil(size/3))`, `X ~ Hypergeometric(validators, adversarial, size)`.
    pub third_law: f64,
    pub two_thirds_law: f64,
}

impl CaptureRow {
    pub fn third_fraction(&self) -> f64 {
        self.third_observed as f64 / self.committees_observed.max(1) as f64
    }

    pub fn two_thirds_fraction(&self) -> f64 {
        self.two_thirds_observed as f64 / self.committees_observed.max(1) as f64
    }
}

/// A parameter the measurement cannot use.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CaptureError {
    #[error("committee size {size} is not in 1 ..= validators ({validators})")]
    CommitteeSize { size: u64, validators: u64 },
    #[error("adversarial share {0} is not in (0, 1)")]
    Share(f64),
    #[error("validators must be in 1 ..= 4194304, got {0}")]
    Validators(u64),
    #[error("epochs must be at least 1")]
    Epochs,
}

fn check(params: &CaptureParams) -> Result<(), CaptureError> {
    if params.validators == 0 || params.validators > 1 << 22 {
        return Err(CaptureError::Validators(params.validators));
    }
    if params.epochs == 0 {
        return Err(CaptureError::Epochs);
    }
    for &size in &params.committee_sizes {
        if size == 0 || size > params.validators {
            return Err(CaptureError::CommitteeSize {
                size,
                validators: params.validators,
            });
        }
    }
    for &share in &params.shares {
        if !(share > 0.0 && share < 1.0) {
            return Err(CaptureError::Share(share));
        }
    }
    Ok(())
}

/// `ceil(numerator · size / 3)`.
fn threshold(size: u64, numerator: u64) -> u64 {
    (numerator * size).div_ceil(3)
}

/// The adversary's validator count for `share`.
fn adversarial(validators: u64, share: f64) -> u64 {
    ((share * validators as f64).round() as u64).min(validators)
}

/// Per epoch and committee size: for each committee, how many of its members have an index
/// below each adversarial count (one count per share).
fn epoch_counts(params: &CaptureParams, epoch: u64, bounds: &[u64]) -> Vec<Vec<Vec<u64>>> {
    let mut preimage = [0u8; 16];
    preimage[..8].copy_from_slice(&params.seed.to_le_bytes());
    preimage[8..].copy_from_slice(&epoch.to_le_bytes());
    let seed: Root = hash(&preimage);
    let mut list: Vec<u64> = (0..params.validators).collect();
    shuffle_list(&mut list, &seed, params.shuffle_rounds);
    let len = list.len() as u128;
    params
        .committee_sizes
        .iter()
        .map(|&size| {
            let count = params.validators / size;
            (0..count)
                .map(|i| {
                    let start = (len * u128::from(i) / u128::from(count)) as usize;
                    let end = (len * (u128::from(i) + 1) / u128::from(count)) as usize;
                    let members = &list[start..end];
                    bounds
                        .iter()
                        .map(|&b| members.iter().filter(|&&v| v < b).count() as u64)
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Runs the measurement (epochs in parallel; the result does not depend on the thread count).
pub fn measure(params: &CaptureParams) -> Result<Vec<CaptureRow>, CaptureError> {
    check(params)?;
    let bounds: Vec<u64> = params
        .shares
        .iter()
        .map(|&s| adversarial(params.validators, s))
        .collect();
    // tallies[size][share] = (committees, third, two_thirds)
    let zero = vec![vec![(0u64, 0u64, 0u64); bounds.len()]; params.committee_sizes.len()];
    let tallies = (0..params.epochs)
        .into_par_iter()
        .map(|epoch| {
            let counts = epoch_counts(params, epoch, &bounds);
            let mut t = zero.clone();
            for (k, committees) in counts.iter().enumerate() {
                let size = params.committee_sizes[k];
                for committee in committees {
                    for (j, &bad) in committee.iter().enumerate() {
                        let cell = &mut t[k][j];
                        cell.0 += 1;
                        cell.1 += u64::from(bad >= threshold(size, 1));
                        cell.2 += u64::from(bad >= threshold(size, 2));
                    }
                }
            }
            t
        })
        .reduce(
            || zero.clone(),
            |mut a, b| {
                for (ra, rb) in a.iter_mut().zip(b) {
                    for (ca, cb) in ra.iter_mut().zip(rb) {
                        ca.0 += cb.0;
                        ca.1 += cb.1;
                        ca.2 += cb.2;
                    }
                }
                a
            },
        );
    let mut rows = Vec::new();
    for (k, &size) in params.committee_sizes.iter().enumerate() {
        for (j, &share) in params.shares.iter().enumerate() {
            let (committees, third, two) = tallies[k][j];
            let bad = bounds[j];
            rows.push(CaptureRow {
                committee_size: size,
                share,
                adversarial_validators: bad,
                committees_observed: committees,
                third_observed: third,
                two_thirds_observed: two,
                third_law: hypergeometric_tail(params.validators, bad, size, threshold(size, 1)),
                two_thirds_law: hypergeometric_tail(
                    params.validators,
                    bad,
                    size,
                    threshold(size, 2),
                ),
            });
        }
    }
    Ok(rows)
}

/// `P(X >= k)` for `X ~ Hypergeometric(population, successes, draws)`, summed in log space
/// from the pmf recursion `p(x+1) = p(x) · (K-x)(n-x) / ((x+1)(N-K-n+x+1))`.
pub fn hypergeometric_tail(population: u64, successes: u64, draws: u64, k: u64) -> f64 {
    let (n_pop, k_succ, n) = (population as f64, successes as f64, draws as f64);
    let low = (draws + successes).saturating_sub(population);
    let high = draws.min(successes);
    if k > high {
        return 0.0;
    }
    // log p(low): choose(K, low) · choose(N-K, n-low) / choose(N, n).
    let ln_choose = |a: f64, b: f64| -> f64 {
        let b = b.min(a - b);
        (0..b as u64)
            .map(|i| ((a - i as f64) / (b - i as f64)).ln())
            .sum()
    };
    let mut ln_p = ln_choose(k_succ, low as f64) + ln_choose(n_pop - k_succ, n - low as f64)
        - ln_choose(n_pop, n);
    let mut terms = Vec::new();
    for x in low..=high {
        if x >= k {
            terms.push(ln_p);
        }
        let xf = x as f64;
        let denominator = (xf + 1.0) * (n_pop - k_succ - n + xf + 1.0);
        if x < high && denominator > 0.0 {
            ln_p += ((k_succ - xf) * (n - xf)).ln() - denominator.ln();
        }
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return 0.0;
    }
    (max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln())
        .exp()
        .min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypergeometric_tail_matches_exact_small_cases() {
        // N=10, K=4, n=3: P(X>=2) = [C(4,2)C(6,1) + C(4,3)] / C(10,3) = (36 + 4) / 120.
        let p = hypergeometric_tail(10, 4, 3, 2);
        assert!((p - 40.0 / 120.0).abs() < 1e-12, "{p}");
        assert!((hypergeometric_tail(10, 4, 3, 0) - 1.0).abs() < 1e-12);
        assert_eq!(hypergeometric_tail(10, 4, 3, 4), 0.0);
        // Forced successes: N=5, K=4, n=3 draws at least 2.
        assert!((hypergeometric_tail(5, 4, 3, 2) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn shuffled_committees_follow_the_law_and_partition_everyone() {
        let params = CaptureParams {
            validators: 1024,
            committee_sizes: vec![16],
            shares: vec![0.25],
            epochs: 200,
            seed: 3,
            shuffle_rounds: 10,
        };
        let rows = measure(&params).unwrap();
        let row = &rows[0];
        assert_eq!(row.committees_observed, 200 * 64);
        assert_eq!(row.adversarial_validators, 256);
        // ~12,800 committees: the observed fraction is within 5 standard errors of the law.
        let p = row.third_law;
        let se = (p * (1.0 - p) / row.committees_observed as f64).sqrt();
        assert!(
            (row.third_fraction() - p).abs() < 5.0 * se,
            "observed {} vs law {p}",
            row.third_fraction()
        );
        // Same parameters, same figures; another seed, other figures.
        assert_eq!(measure(&params).unwrap(), rows);
        let other = measure(&CaptureParams { seed: 4, ..params }).unwrap();
        assert_ne!(other[0].third_observed, row.third_observed);
    }

    #[test]
    fn bad_parameters_are_named() {
        let mut params = CaptureParams {
            validators: 64,
            committee_sizes: vec![128],
            shares: vec![0.1],
            epochs: 1,
            seed: 0,
            shuffle_rounds: 10,
        };
        assert!(matches!(
            measure(&params),
            Err(CaptureError::CommitteeSize { size: 128, .. })
        ));
        params.committee_sizes = vec![16];
        params.shares = vec![1.5];
        assert!(matches!(measure(&params), Err(CaptureError::Share(_))));
    }
}
