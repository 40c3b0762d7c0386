//! Time as a value: the connection never reads a clock.

use core::ops::{Add, Sub};
use core::time::Duration;

/// A point in time, measured by the driver as the time since an origin of its
/// choosing (its start, the epoch, a simulation's zero).
///
/// The connection only compares instants and adds durations to them, so any
/// monotonic origin works. A std driver converts with
/// `Instant::from_duration(start.elapsed())`.
///
/// # Examples
///
/// ```
/// use core::time::Duration;
/// use mqtt_proto::Instant;
///
/// let t0 = Instant::ZERO;
/// let t1 = t0 + Duration::from_secs(5);
/// assert!(t1 > t0);
/// assert_eq!(t1 - t0, Duration::from_secs(5));
/// assert_eq!(t0 - t1, Duration::ZERO); // saturates
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(Duration);

impl Instant {
    /// The origin.
    pub const ZERO: Self = Self(Duration::ZERO);

    /// The instant `since_origin` after the origin.
    #[must_use]
    pub const fn from_duration(since_origin: Duration) -> Self {
        Self(since_origin)
    }

    /// The instant `ms` milliseconds after the origin.
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Self(Duration::from_millis(ms))
    }

    /// The time since the origin.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    #[must_use]
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    /// Saturates at the largest representable instant.
    fn add(self, rhs: Duration) -> Self {
        Self(self.0.saturating_add(rhs))
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturates at zero.
    fn sub(self, rhs: Self) -> Duration {
        self.saturating_duration_since(rhs)
    }
}
