//! Small total helpers: bounds-checked mutable access to SSZ lists and vectors, index
//! conversion, the justification bits as a byte, and a generation-stamped marker set.

use consensus::primitives::ValidatorIndex;
use ssz_rs::Bitvector;
use std::ops::{Deref, IndexMut};

/// `&mut c[i]` when `i` is in range: `ssz_rs` lists only offer `IndexMut`, which panics.
pub(crate) fn get_mut<C, T>(collection: &mut C, i: usize) -> Option<&mut T>
where
    C: Deref<Target = Vec<T>> + IndexMut<usize, Output = T>,
{
    if i < collection.len() {
        Some(&mut collection[i])
    } else {
        None
    }
}

/// A validator index as a `usize` (every index that fits a registry fits a `usize`).
pub(crate) fn to_usize(index: ValidatorIndex) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

/// `justification_bits` as one byte: bit `i` (LSB first) is `justification_bits[i]`.
pub(crate) fn bits_to_byte(bits: &Bitvector<4>) -> u8 {
    bits.iter()
        .by_vals()
        .enumerate()
        .fold(0u8, |acc, (i, bit)| acc | (u8::from(bit) << i))
}

/// The inverse of [`bits_to_byte`] (high bits ignored).
pub(crate) fn byte_to_bits(byte: u8) -> Bitvector<4> {
    let mut bits = Bitvector::<4>::default();
    for i in 0..4 {
        bits.set(i, (byte >> i) & 1 == 1);
    }
    bits
}

/// A set of validator indices over `0..len`, cleared in O(1) by bumping a generation stamp.
/// Replaces hash sets in the unions of attesting indices.
#[derive(Clone, Debug, Default)]
pub(crate) struct Marker {
    stamps: Vec<u32>,
    generation: u32,
}

impl Marker {
    pub(crate) fn new(len: usize) -> Self {
        Self {
            stamps: vec![0; len],
            generation: 1,
        }
    }

    /// Empties the set.
    pub(crate) fn clear(&mut self) {
        if self.generation == u32::MAX {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        } else {
            self.generation += 1;
        }
    }

    /// Inserts `index`; true if it was not there yet. Indices beyond the length grow the set.
    pub(crate) fn insert(&mut self, index: ValidatorIndex) -> bool {
        let i = to_usize(index);
        if i >= self.stamps.len() {
            if i == usize::MAX {
                return false;
            }
            self.stamps.resize(i + 1, 0);
        }
        if self.stamps[i] == self.generation {
            false
        } else {
            self.stamps[i] = self.generation;
            true
        }
    }

    pub(crate) fn contains(&self, index: ValidatorIndex) -> bool {
        self.stamps
            .get(to_usize(index))
            .is_some_and(|s| *s == self.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn justification_bits_round_trip() {
        for byte in 0u8..16 {
            assert_eq!(bits_to_byte(&byte_to_bits(byte)), byte);
        }
    }

    #[test]
    fn marker_clears_by_generation() {
        let mut m = Marker::new(4);
        assert!(m.insert(2));
        assert!(!m.insert(2));
        assert!(m.contains(2));
        assert!(m.insert(9));
        m.clear();
        assert!(!m.contains(2));
        assert!(!m.contains(9));
        assert!(m.insert(2));
    }
}
