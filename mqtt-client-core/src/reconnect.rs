//! The reconnect policy: exponential backoff with jitter.

use std::time::Duration;

/// Reconnect delays: the first retry waits `min`, each further one twice as
/// long up to `max`, each less a random 0-25 % so that many clients that lost
/// the same server do not come back in step.
///
/// Both adapters wait [`delay`](Self::delay) before reconnect attempt
/// `failures` (0 for the first attempt after a loss).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use mqtt_client_core::Backoff;
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
/// let third = backoff.delay(2); // 400 ms less up to 25 % jitter
/// assert!(third <= Duration::from_millis(400) && third >= Duration::from_millis(300));
/// assert!(backoff.delay(30) <= Duration::from_secs(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
}

impl Backoff {
    /// Delays from `min` doubling up to `max` (at least `min`).
    #[must_use]
    pub fn new(min: Duration, max: Duration) -> Self {
        Self { min, max: max.max(min) }
    }

    /// The shortest delay.
    #[must_use]
    pub fn min(&self) -> Duration {
        self.min
    }

    /// The longest delay.
    #[must_use]
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The delay before reconnect attempt `failures`: `min * 2^failures`, at
    /// most `max`, less a random 0-25 %.
    #[must_use]
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.min(20));
        let base = self.min.saturating_mul(factor).min(self.max);
        let jitter = base.mul_f64(fastrand::f64() * 0.25);
        base.saturating_sub(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_doubles_up_to_the_maximum_with_jitter() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(2));
        let backoff = Backoff::new(min, max);
        for failures in 0..30 {
            let d = backoff.delay(failures);
            let base = (min * 2u32.saturating_pow(failures.min(20))).min(max);
            assert!(d <= base && d >= base.mul_f64(0.75), "{failures}: {d:?} vs {base:?}");
        }
        // Jitter varies the delay.
        let samples: std::collections::HashSet<_> = (0..20).map(|_| backoff.delay(3)).collect();
        assert!(samples.len() > 1);
    }

    #[test]
    fn max_below_min_is_min() {
        let backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(backoff.max(), Duration::from_secs(2));
    }
}
