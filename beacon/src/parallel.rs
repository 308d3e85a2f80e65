//! Deterministic data parallelism inside one step (design §4): [`map_ordered`] maps items on
//! up to `available_parallelism` scoped threads and returns the results in input order, so the
//! outcome never depends on the thread count or scheduling.

use std::sync::Mutex;

/// Below this many units of work per call, the work runs on the calling thread.
pub const PARALLEL_THRESHOLD: usize = 8_192;

/// `items.map(f)` in input order, on several threads when `work` (a size estimate) reaches
/// [`PARALLEL_THRESHOLD`]. A panic in `f` is propagated to the caller.
pub fn map_ordered<T, R, F>(items: Vec<T>, work: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len());
    if threads <= 1 || work < PARALLEL_THRESHOLD {
        return items.into_iter().map(f).collect();
    }
    // A few coarse items get a thread each (three shufflings on two cores finish in 1.5
    // shufflings' time, not 2); many fine ones are split into one group per core.
    let per_thread = if items.len() <= 4 * threads {
        1
    } else {
        items.len().div_ceil(threads)
    };
    let mut groups: Vec<Mutex<Option<Vec<T>>>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let group: Vec<T> = items.by_ref().take(per_thread).collect();
        if group.is_empty() {
            break;
        }
        groups.push(Mutex::new(Some(group)));
    }
    // Each group is taken exactly once: by its thread, or by the caller if the thread could
    // not be started.
    let run = |slot: &Mutex<Option<Vec<T>>>| -> Vec<R> {
        let group = slot.lock().ok().and_then(|mut g| g.take());
        group.unwrap_or_default().into_iter().map(&f).collect()
    };
    let run = &run;
    std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .iter()
            .map(|slot| std::thread::Builder::new().spawn_scoped(scope, move || run(slot)))
            .collect();
        let mut out = Vec::new();
        for (slot, handle) in groups.iter().zip(handles) {
            match handle {
                Ok(handle) => match handle.join() {
                    Ok(part) => out.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                Err(_) => out.extend(run(slot)),
            }
        }
        out
    })
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
