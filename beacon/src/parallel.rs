//! Deterministic data parallelism inside one step (design §4): [`map_ordered`] maps items on
//! rayon's global pool (the pool the shard crate and the simulator use) and returns the
//! results in input order, so the outcome never depends on the thread count or scheduling.

use rayon::prelude::*;

/// Below this many units of work per call, the work runs on the calling thread.
pub const PARALLEL_THRESHOLD: usize = 8_192;

/// `items.map(f)` in input order, on rayon's pool when `work` (a size estimate) reaches
/// [`PARALLEL_THRESHOLD`]. A panic in `f` is propagated to the caller.
pub fn map_ordered<T, R, F>(items: Vec<T>, work: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync + Send,
{
    if items.len() <= 1 || work < PARALLEL_THRESHOLD {
        return items.into_iter().map(f).collect();
    }
    // One item per task: a few coarse items (three shufflings on two cores) spread over the
    // pool; many fine ones are split by rayon's work stealing. `collect` keeps input order.
    items.into_par_iter().with_max_len(1).map(f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_whatever_the_split() {
        let items: Vec<u64> = (0..1000).collect();
        let serial = map_ordered(items.clone(), 0, |x| x * x);
        let parallel = map_ordered(items, PARALLEL_THRESHOLD, |x| x * x);
        assert_eq!(serial, parallel);
        assert_eq!(parallel[999], 999 * 999);
        assert!(map_ordered(Vec::<u64>::new(), usize::MAX, |x| x).is_empty());
    }
}
