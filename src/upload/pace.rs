//! Pacing crashes to the ingestion service's rate limit.
//!
//! App Center keeps at most 60 crashes a minute per app and silently drops
//! the rest, so going faster loses crashes without an error to show for it.
//! Sends are spaced evenly: a request of `n` crashes makes the next wait
//! `n` times the interval.

use std::time::{Duration, Instant};

/// Spaces requests to at most `per_minute` crashes a minute.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Option<Instant>,
}

impl Pacer {
    /// A pacer for `per_minute` crashes a minute; 0 paces nothing (a
    /// service without a published limit: its 429 answers pace the run).
    pub fn new(per_minute: u32) -> Pacer {
        let interval = if per_minute == 0 { Duration::ZERO } else { Duration::from_secs(60) / per_minute };
        Pacer { interval, next: None }
    }

    /// How long to wait before sending now.
    pub fn wait_needed(&self, now: Instant) -> Duration {
        self.next.map_or(Duration::ZERO, |next| next.saturating_duration_since(now))
    }

    /// Waits until a request may go.
    pub fn wait(&self) {
        let wait = self.wait_needed(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// Notes that a request of `crashes` crashes went at `at`.
    pub fn sent(&mut self, crashes: u32, at: Instant) {
        self.next = Some(at + self.interval * crashes.max(1));
    }

    /// The time `remaining` crashes will take at this pace.
    pub fn estimate(&self, remaining: u32) -> Duration {
        self.interval * remaining
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_requests() {
        let mut pacer = Pacer::new(60);
        let start = Instant::now();
        assert_eq!(pacer.wait_needed(start), Duration::ZERO);
        pacer.sent(1, start);
        assert_eq!(pacer.wait_needed(start), Duration::from_secs(1));
        pacer.sent(3, start);
        assert_eq!(pacer.wait_needed(start + Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(Pacer::new(120).estimate(10), Duration::from_secs(5));
    }
}
