//! The discrete-event queue.
//!
//! **Owns**: [`EventQueue`], a min-queue ordered by (virtual time in ms, sequence number), where
//! the sequence number is a counter assigned at push: events at the same time pop in the order
//! they were pushed (FIFO), so the processing order is fully deterministic. Events need no
//! ordering of their own.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An event taken out of the queue, with the time and sequence number it was scheduled under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled<E> {
    /// Virtual time at which the event fires, in milliseconds.
    pub time_ms: u64,
    /// The push counter value: unique per queue, increasing in push order.
    pub seq: u64,
    /// The event itself.
    pub event: E,
}

/// Heap entry: ordered by (time, seq) *reversed*, so `BinaryHeap` (a max-heap) pops the
/// earliest first. The event does not take part in the ordering.
struct Entry<E>(Scheduled<E>);

impl<E> Entry<E> {
    fn key(&self) -> (u64, u64) {
        (self.0.time_ms, self.0.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A deterministic min-queue of events keyed by (virtual time ms, push sequence).
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("len", &self.heap.len())
            .field("next_time_ms", &self.peek_time())
            .field("pushed_total", &self.next_seq)
            .field("popped_total", &self.popped)
            .finish()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self {
            heap: BinaryHeap::new(),
            next_seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `time_ms`; returns its sequence number.
    pub fn push(&mut self, time_ms: u64, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry(Scheduled {
            time_ms,
            seq,
            event,
        }));
        seq
    }

    /// Removes and returns the earliest event (lowest time, then lowest sequence).
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let entry = self.heap.pop()?;
        self.popped += 1;
        Some(entry.0)
    }

    /// The earliest event, without removing it.
    pub fn peek(&self) -> Option<&Scheduled<E>> {
        self.heap.peek().map(|e| &e.0)
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|e| e.0.time_ms)
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Events pushed since the queue was created.
    pub fn pushed_total(&self) -> u64 {
        self.next_seq
    }

    /// Events popped since the queue was created.
    pub fn popped_total(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_fifo() {
        let mut q = EventQueue::new();
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        q.push(10, "c1");
        q.push(5, "a");
        q.push(10, "c2");
        q.push(7, "b");
        q.push(10, "c3");
        q.push(0, "z");
        assert_eq!(q.len(), 6);
        assert_eq!(q.peek_time(), Some(0));
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(order, ["z", "a", "b", "c1", "c2", "c3"]);
        assert_eq!(q.pushed_total(), 6);
        assert_eq!(q.popped_total(), 6);
        assert!(q.is_empty());
    }

    #[test]
    fn fifo_with_many_equal_times_and_interleaving() {
        #[derive(Debug, PartialEq)]
        struct NotOrd(u32);
        let mut q = EventQueue::new();
        for i in 0..1000u32 {
            q.push(u64::from(i % 3), NotOrd(i));
        }
        let mut last = (0u64, 0u64);
        let mut first = true;
        while let Some(s) = q.pop() {
            let key = (s.time_ms, s.seq);
            assert!(first || key > last);
            first = false;
            last = key;
            assert_eq!(u64::from(s.event.0 % 3), s.time_ms);
            assert_eq!(u64::from(s.event.0), s.seq);
            if s.seq == 10 {
                // Pushing during processing at the current time lands after the others.
                let seq = q.push(s.time_ms, NotOrd(1000));
                assert_eq!(seq, 1000);
            }
        }
        assert_eq!(q.popped_total(), 1001);
    }
}
