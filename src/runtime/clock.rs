//! The wall clock as the node sees it: milliseconds since the Unix epoch, and the times of the
//! ticks the node needs (each slot's start, a third in, two thirds in: [`SlotClock`]'s duty
//! offsets).

use beacon::node::clock::SlotClock;
use consensus::primitives::Slot;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// See the module documentation.
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    slots: SlotClock,
}

impl WallClock {
    pub fn new(genesis_time_s: u64, slot_ms: u64) -> Self {
        Self {
            slots: SlotClock::new(genesis_time_s, slot_ms),
        }
    }

    /// Milliseconds since the Unix epoch, now.
    pub fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    pub fn slot_start_ms(&self, slot: Slot) -> u64 {
        self.slots.slot_start_ms(slot)
    }

    /// The first tick time after `now_ms`: genesis before genesis, then each slot's start and
    /// its attestation and aggregation offsets.
    pub fn next_tick_ms(&self, now_ms: u64) -> u64 {
        if now_ms < self.slots.genesis_ms {
            return self.slots.genesis_ms;
        }
        let (slot, offset) = self.slots.slot_and_offset(now_ms);
        let start = self.slots.slot_start_ms(slot);
        [
            self.slots.attestation_offset_ms(),
            self.slots.aggregation_offset_ms(),
        ]
        .into_iter()
        .find(|&at| at > offset)
        .map_or_else(|| self.slots.slot_start_ms(slot + 1), |at| start + at)
    }

    /// How long until `at_ms` (zero if it passed).
    pub fn until(&self, at_ms: u64) -> Duration {
        Duration::from_millis(at_ms.saturating_sub(self.now_ms()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_at_the_duty_offsets() {
        let clock = WallClock::new(10, 3_000);
        assert_eq!(clock.next_tick_ms(0), 10_000);
        assert_eq!(clock.next_tick_ms(10_000), 11_000);
        assert_eq!(clock.next_tick_ms(11_000), 12_000);
        assert_eq!(clock.next_tick_ms(12_500), 13_000);
        assert_eq!(clock.next_tick_ms(13_000), 14_000);
    }
}
