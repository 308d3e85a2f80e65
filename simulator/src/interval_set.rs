//! [`IntervalSet`]: a set of integers stored as disjoint runs, for sets that are mostly
//! contiguous (the slots a node attested in, the receipt indices of a source shard that were
//! credited): memory grows with the gaps, not with the members.

use std::collections::BTreeMap;

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntervalSet {
    /// start -> end (exclusive), disjoint and not touching.
    runs: BTreeMap<u64, u64>,
    len: u64,
}

impl IntervalSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn contains(&self, value: u64) -> bool {
        self.runs
            .range(..=value)
            .next_back()
            .is_some_and(|(_, end)| value < *end)
    }

    /// Adds `value`; returns whether it was new.
    pub fn insert(&mut self, value: u64) -> bool {
        if self.contains(value) {
            return false;
        }
        let end = value.saturating_add(1);
        let mut start = value;
        let mut stop = end;
        if let Some((s, e)) = self.runs.range(..value).next_back().map(|(s, e)| (*s, *e)) {
            if e == value {
                start = s;
                self.runs.remove(&s);
            }
        }
        if let Some(e) = self.runs.remove(&end) {
            stop = e;
        }
        self.runs.insert(start, stop);
        self.len += 1;
        true
    }

    /// Members.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Runs stored (what the memory grows with).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.runs.iter().flat_map(|(s, e)| *s..*e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn behaves_like_a_set_and_merges_runs() {
        let mut set = IntervalSet::new();
        let mut plain = BTreeSet::new();
        let mut x: u64 = 12345;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = x % 700;
            assert_eq!(set.insert(v), plain.insert(v));
        }
        assert_eq!(set.len(), plain.len() as u64);
        assert!(set.iter().eq(plain.iter().copied()));
        for v in 0..800 {
            assert_eq!(set.contains(v), plain.contains(&v));
        }
        let mut dense = IntervalSet::new();
        for v in (0..10_000).rev() {
            dense.insert(v);
        }
        assert_eq!((dense.len(), dense.runs()), (10_000, 1));
    }
}
