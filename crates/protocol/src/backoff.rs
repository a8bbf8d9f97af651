//! Exponential backoff with full jitter.
//!
//! After a failure the client waits a random time between a small floor and a ceiling that
//! doubles with each attempt up to a cap. The randomness spreads a crowd of clients that lost
//! the same server, so they do not all come back in the same millisecond ("full jitter" in
//! AWS's analysis of backoff). The random source is a seeded generator, so tests are exact.

use crate::time::Millis;

/// Tuning of the backoff. The defaults suit a browser talking to a Pusher server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    /// The ceiling of the first attempt's delay. Default: 1 s.
    pub initial: Millis,
    /// The largest ceiling, reached after a few attempts. Default: 30 s.
    pub max: Millis,
    /// No delay is shorter than this, so a failing server is never hammered. Default: 100 ms.
    pub floor: Millis,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig { initial: Millis(1_000), max: Millis(30_000), floor: Millis(100) }
    }
}

/// A backoff schedule with its own random source.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: BackoffConfig,
    rng: XorShift,
}

impl Backoff {
    pub fn new(config: BackoffConfig, seed: u64) -> Self {
        Backoff { config, rng: XorShift::new(seed) }
    }

    /// The ceiling for attempt `attempt` (1-based): `initial * 2^(attempt-1)`, capped at `max`.
    pub fn ceiling(&self, attempt: u32) -> Millis {
        let doublings = attempt.saturating_sub(1).min(20);
        let ceiling = self.config.initial.0.saturating_mul(1u64 << doublings);
        Millis(ceiling.min(self.config.max.0).max(self.config.floor.0))
    }

    /// A delay for attempt `attempt`, uniform in `[floor, ceiling(attempt)]`.
    pub fn delay(&mut self, attempt: u32) -> Millis {
        let ceiling = self.ceiling(attempt).0;
        let floor = self.config.floor.0.min(ceiling);
        let span = ceiling - floor + 1;
        Millis(floor + self.rng.next() % span)
    }
}

/// xorshift64*: tiny, fast and plenty for jitter. Not for anything secret.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point; any other seed works.
        XorShift(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_from_one_second_and_caps_at_thirty() {
        let backoff = Backoff::new(BackoffConfig::default(), 1);
        let ceilings: Vec<u64> = (1..=8).map(|attempt| backoff.ceiling(attempt).0).collect();
        assert_eq!(ceilings, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
        assert_eq!(backoff.ceiling(u32::MAX).0, 30_000);
    }

    #[test]
    fn delays_stay_within_floor_and_ceiling_and_are_spread() {
        let mut backoff = Backoff::new(BackoffConfig::default(), 42);
        for attempt in 1..=12 {
            let ceiling = backoff.ceiling(attempt).0;
            let delays: Vec<u64> = (0..200).map(|_| backoff.delay(attempt).0).collect();
            assert!(delays.iter().all(|&d| (100..=ceiling).contains(&d)), "attempt {attempt}");
            let low = delays.iter().filter(|&&d| d < ceiling / 2).count();
            // Full jitter: roughly half the delays fall in the lower half of the range.
            assert!((40..=160).contains(&low), "attempt {attempt}: {low} of 200 below half");
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let mut a = Backoff::new(BackoffConfig::default(), 7);
        let mut b = Backoff::new(BackoffConfig::default(), 7);
        for attempt in 1..10 {
            assert_eq!(a.delay(attempt), b.delay(attempt));
        }
    }
}
