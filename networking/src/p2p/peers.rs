//! Peer scores and bans: a peer that keeps sending rejected gossip or bad requests and
//! responses loses score; below the threshold it is banned for a while. Scores recover over
//! time (they halve every `half_life`), so an honest peer's rare fault is forgotten.

use libp2p::PeerId;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How faults are weighed.
#[derive(Clone, Copy, Debug)]
pub struct PeerPolicy {
    /// Taken from a peer per rejected gossip message.
    pub reject_penalty: f64,
    /// Taken per bad request or response.
    pub misbehaviour_penalty: f64,
    /// A peer at or below this score is banned.
    pub ban_threshold: f64,
    /// How long a ban lasts.
    pub ban_duration: Duration,
    /// Scores halve toward zero in this time.
    pub half_life: Duration,
}

impl Default for PeerPolicy {
    fn default() -> Self {
        Self {
            reject_penalty: 10.0,
            misbehaviour_penalty: 25.0,
            ban_threshold: -100.0,
            ban_duration: Duration::from_secs(600),
            half_life: Duration::from_secs(60),
        }
    }
}

/// What penalizing a peer led to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Penalty {
    /// The peer's new score, above the ban threshold.
    Scored(f64),
    /// The score fell to the threshold: ban it now.
    Ban,
}

/// Scores and bans of the peers met.
#[derive(Debug, Default)]
pub struct PeerScores {
    policy: PeerPolicy,
    scores: HashMap<PeerId, (f64, Instant)>,
    banned: HashMap<PeerId, Instant>,
}

impl PeerScores {
    pub fn new(policy: PeerPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    pub fn policy(&self) -> &PeerPolicy {
        &self.policy
    }

    /// The score of `peer` at `now` (0 for a peer without faults).
    pub fn score(&self, peer: &PeerId, now: Instant) -> f64 {
        self.scores
            .get(peer)
            .map_or(0.0, |&(score, at)| self.decayed(score, at, now))
    }

    fn decayed(&self, score: f64, at: Instant, now: Instant) -> f64 {
        let half_lives = now.saturating_duration_since(at).as_secs_f64()
            / self.policy.half_life.as_secs_f64().max(1e-3);
        score * 0.5f64.powf(half_lives)
    }

    /// Takes `penalty` from `peer`'s score.
    pub fn penalize(&mut self, peer: PeerId, penalty: f64, now: Instant) -> Penalty {
        let score = self.score(&peer, now) - penalty;
        self.scores.insert(peer, (score, now));
        if score <= self.policy.ban_threshold {
            Penalty::Ban
        } else {
            Penalty::Scored(score)
        }
    }

    /// Records a ban of `peer` from `now` for the policy's duration.
    pub fn ban(&mut self, peer: PeerId, now: Instant) {
        self.banned.insert(peer, now + self.policy.ban_duration);
        self.scores.remove(&peer);
    }

    pub fn is_banned(&self, peer: &PeerId, now: Instant) -> bool {
        self.banned.get(peer).is_some_and(|until| *until > now)
    }

    /// The bans that ended by `now` (forgotten here; the caller lifts them).
    pub fn expired(&mut self, now: Instant) -> Vec<PeerId> {
        let ended: Vec<PeerId> = self
            .banned
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(peer, _)| *peer)
            .collect();
        for peer in &ended {
            self.banned.remove(peer);
        }
        ended
    }

    /// Peers banned at `now`.
    pub fn banned_count(&self, now: Instant) -> usize {
        self.banned.values().filter(|until| **until > now).count()
    }

    /// Forgets the score of a peer that left (bans are kept).
    pub fn forget(&mut self, peer: &PeerId) {
        self.scores.remove(peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_faults_ban_and_bans_expire() {
        let policy = PeerPolicy::default();
        let mut scores = PeerScores::new(policy);
        let peer = PeerId::random();
        let t0 = Instant::now();
        let mut outcome = Penalty::Scored(0.0);
        let mut faults = 0;
        while outcome != Penalty::Ban {
            outcome = scores.penalize(peer, policy.reject_penalty, t0);
            faults += 1;
        }
        assert_eq!(faults, 10);
        scores.ban(peer, t0);
        assert!(scores.is_banned(&peer, t0 + Duration::from_secs(1)));
        assert!(scores.expired(t0 + Duration::from_secs(1)).is_empty());
        let later = t0 + policy.ban_duration;
        assert!(!scores.is_banned(&peer, later));
        assert_eq!(scores.expired(later), vec![peer]);
    }

    #[test]
    fn scores_recover_over_time() {
        let policy = PeerPolicy::default();
        let mut scores = PeerScores::new(policy);
        let peer = PeerId::random();
        let t0 = Instant::now();
        scores.penalize(peer, 80.0, t0);
        let after = scores.score(&peer, t0 + policy.half_life);
        assert!((after + 40.0).abs() < 1e-6, "{after}");
        // Faults spread over hours never add up to a ban.
        let mut t = t0;
        for _ in 0..100 {
            t += policy.half_life * 2;
            assert_ne!(
                scores.penalize(peer, policy.reject_penalty, t),
                Penalty::Ban
            );
        }
    }
}
