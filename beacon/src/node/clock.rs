//! Slots from milliseconds: the node's only notion of time, fed by `Input::Tick`.

use consensus::primitives::Slot;

/// When slots start, from the genesis time and the slot duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotClock {
    pub genesis_ms: u64,
    pub slot_ms: u64,
}

impl SlotClock {
    pub fn new(genesis_time_s: u64, slot_ms: u64) -> Self {
        Self {
            genesis_ms: genesis_time_s.saturating_mul(1000),
            slot_ms: slot_ms.max(1),
        }
    }

    /// The slot at `now_ms` (slot 0 before genesis) and how far into it `now_ms` is.
    pub fn slot_and_offset(&self, now_ms: u64) -> (Slot, u64) {
        let since = now_ms.saturating_sub(self.genesis_ms);
        (since / self.slot_ms, since % self.slot_ms)
    }

    /// The time `slot` starts.
    pub fn slot_start_ms(&self, slot: Slot) -> u64 {
        self.genesis_ms
            .saturating_add(slot.saturating_mul(self.slot_ms))
    }

    /// When in its slot a validator attests (a third in) and aggregates (two thirds in).
    pub fn attestation_offset_ms(&self) -> u64 {
        self.slot_ms / 3
    }

    pub fn aggregation_offset_ms(&self) -> u64 {
        self.slot_ms * 2 / 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_offsets() {
        let clock = SlotClock::new(10, 6_000);
        assert_eq!(clock.slot_and_offset(0), (0, 0));
        assert_eq!(clock.slot_and_offset(10_000), (0, 0));
        assert_eq!(clock.slot_and_offset(16_001), (1, 1));
        assert_eq!(clock.slot_start_ms(2), 22_000);
        assert_eq!(clock.attestation_offset_ms(), 2_000);
        assert_eq!(clock.aggregation_offset_ms(), 4_000);
    }
}
