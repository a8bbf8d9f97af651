//! The one place the devserver asks what time it is.
//!
//! Token expiry, `expires_at`, `occurred_at` and the Pusher HTTP API's `auth_timestamp` all
//! read [`Clock::now`]. A test hands the server a [`Clock::manual`] and moves it forward with
//! [`Clock::advance`], so "the token expired" is checked without sleeping.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time, real or controlled by a test. Cloning shares the same clock.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<SystemTime>>>,
}

impl Clock {
    /// The operating system's clock.
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that stands still at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: SystemTime) -> Clock {
        Clock { manual: Some(Arc::new(Mutex::new(start))) }
    }

    pub fn now(&self) -> SystemTime {
        match &self.manual {
            Some(time) => *time.lock().unwrap_or_else(PoisonError::into_inner),
            None => SystemTime::now(),
        }
    }

    /// Whole seconds since the Unix epoch, as JWT claims and Pusher timestamps count time.
    pub fn unix_seconds(&self) -> u64 {
        unix_seconds(self.now())
    }

    /// Moves a manual clock forward. The system clock cannot be moved, so this does nothing there.
    pub fn advance(&self, by: Duration) {
        if let Some(time) = &self.manual {
            let mut time = time.lock().unwrap_or_else(PoisonError::into_inner);
            *time += by;
        }
    }
}

/// Seconds since the Unix epoch; times before it (a badly set machine clock) count as 0.
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// The time `seconds` after the Unix epoch.
pub fn from_unix_seconds(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// `2025-01-31T12:00:00Z`: RFC 3339 in UTC, whole seconds, as Laravel serializes dates.
pub fn rfc3339_seconds(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// `2025-01-31T12:00:00.123Z`: with milliseconds, so events published together keep their order.
pub fn rfc3339_millis(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}
