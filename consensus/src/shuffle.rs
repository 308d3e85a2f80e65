//! The swap-or-not shuffle (reference 4.3): `compute_shuffled_index` for one index, and
//! `shuffle_list` for a whole list at once, which agrees with it on every index:
//! after `shuffle_list(list)`, `list[j] == input[compute_shuffled_index(j)]`.
//!
//! The whole-list form costs one pivot hash per round plus one source hash per 256 positions
//! actually compared, and swaps without branches (the bits are random, so a branch would be
//! mispredicted half the time).

use crate::errors::Error;
use crate::math::bytes_to_u64;
use crate::primitives::Root;
use sha2::{Digest, Sha256};

fn pivot(seed: &Root, round: u8, index_count: u64) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(seed.0);
    hasher.update([round]);
    bytes_to_u64(&hasher.finalize()[..8]) % index_count
}

fn source(seed: &Root, round: u8, position_block: u32) -> [u8; 32] {
    let mut buf = [0u8; 37];
    buf[..32].copy_from_slice(&seed.0);
    buf[32] = round;
    buf[33..].copy_from_slice(&position_block.to_le_bytes());
    Sha256::digest(buf).into()
}

/// `compute_shuffled_index(index, index_count, seed)` with `rounds` = `SHUFFLE_ROUND_COUNT`.
pub fn compute_shuffled_index(
    index: u64,
    index_count: u64,
    seed: &Root,
    rounds: u8,
) -> Result<u64, Error> {
    if index >= index_count {
        return Err(Error::ShuffledIndexOutOfRange { index, index_count });
    }
    let mut index = index;
    for round in 0..rounds {
        let pivot = pivot(seed, round, index_count);
        // pivot + index_count - index cannot overflow: both are below index_count <= 2^64 - 1
        // only when index_count < 2^63; compute in u128 to stay exact for any count.
        let flip = ((u128::from(pivot) + u128::from(index_count) - u128::from(index))
            % u128::from(index_count)) as u64;
        let position = index.max(flip);
        let src = source(seed, round, (position / 256) as u32);
        let byte = src[((position % 256) / 8) as usize];
        if (byte >> (position % 8)) & 1 == 1 {
            index = flip;
        }
    }
    Ok(index)
}

/// Shuffles `list` in place so that `list[j]` becomes `input[compute_shuffled_index(j)]`.
///
/// Lists longer than `u32::MAX` are left as they are: no registry comes near that size.
pub fn shuffle_list(list: &mut [u64], seed: &Root, rounds: u8) {
    let n = list.len();
    if n <= 1 || n > u32::MAX as usize {
        return;
    }
    // Applying the rounds' involutions last-to-first to positions yields the forward
    // permutation on values (see the module doc).
    for round in (0..rounds).rev() {
        let pivot = pivot(seed, round, n as u64) as usize;
        mirror_swap(list, seed, round, 0, pivot);
        mirror_swap(list, seed, round, pivot + 1, n - 1);
    }
}

/// Within `lo..=hi`, swaps each pair `(lo + k, hi - k)` whose bit at the higher position is set.
///
/// The pairs are walked as two zipped slices (the lower half forwards, the upper half
/// backwards), so there is no bounds check per element; the source hash changes once per 256
/// positions of the upper half.
fn mirror_swap(list: &mut [u64], seed: &Root, round: u8, lo: usize, hi: usize) {
    if lo >= hi || hi >= list.len() {
        return;
    }
    let pairs = (hi - lo).div_ceil(2);
    let (lower, upper) = list[lo..=hi].split_at_mut(pairs);
    let upper_len = upper.len();
    let upper = &mut upper[upper_len - pairs..];
    let mut position = hi;
    let mut src = source(seed, round, (position / 256) as u32);
    for (a, b) in lower.iter_mut().zip(upper.iter_mut().rev()) {
        if position % 256 == 255 {
            src = source(seed, round, (position / 256) as u32);
        }
        let bit = u64::from((src[(position % 256) / 8] >> (position % 8)) & 1);
        let mask = bit.wrapping_neg();
        let diff = (*a ^ *b) & mask;
        *a ^= diff;
        *b ^= diff;
        position = position.wrapping_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answers_from_reference() {
        let seed = Root::zero();
        let minimal: Vec<u64> = (0..10)
            .map(|i| compute_shuffled_index(i, 100, &seed, 10).unwrap())
            .collect();
        assert_eq!(minimal, [59, 50, 76, 10, 1, 95, 94, 99, 16, 84]);
        let mainnet: Vec<u64> = (0..10)
            .map(|i| compute_shuffled_index(i, 100, &seed, 90).unwrap())
            .collect();
        assert_eq!(mainnet, [79, 25, 97, 2, 29, 3, 4, 80, 18, 63]);
    }

    #[test]
    fn index_out_of_range_is_an_error() {
        assert_eq!(
            compute_shuffled_index(5, 5, &Root::zero(), 10),
            Err(Error::ShuffledIndexOutOfRange {
                index: 5,
                index_count: 5
            })
        );
        assert!(compute_shuffled_index(0, 0, &Root::zero(), 10).is_err());
    }

    proptest! {
        #[test]
        fn whole_list_agrees_with_single_index(n in 0usize..700, seed in any::<[u8; 32]>(), rounds in prop::sample::select(vec![10u8, 90])) {
            let seed = Root::new(seed);
            let input: Vec<u64> = (0..n as u64).map(|i| i * 7 + 3).collect();
            let mut list = input.clone();
            shuffle_list(&mut list, &seed, rounds);
            for (j, value) in list.iter().enumerate() {
                let source = compute_shuffled_index(j as u64, n as u64, &seed, rounds).unwrap();
                prop_assert_eq!(*value, input[source as usize]);
            }
        }
    }
}
