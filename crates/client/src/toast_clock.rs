//! How long a toast stays, and its time that runs only while nobody is reading it.
//!
//! A toast's time pauses while it is hovered or focused and while the tab is hidden, and
//! keeps what it had left; a fold's starts again with each event it takes. The toaster
//! feeds [`ToastClock`] those changes with the time and keeps one browser timer for what
//! it says is left.

use herald_notifications::Severity;
use herald_protocol::Millis;

/// How long a toast of each severity stays; `None` for toasts that stay until dismissed.
pub fn toast_duration(severity: Severity, sticky: bool) -> Option<Millis> {
    if sticky {
        return None;
    }
    match severity {
        Severity::Info | Severity::Success => Some(Millis::from_secs(5)),
        Severity::Warning => Some(Millis::from_secs(8)),
        Severity::Error => Some(Millis::from_secs(10)),
        Severity::Critical => None,
    }
}

/// A toast's time. It starts stopped, with its whole duration left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToastClock {
    full: Millis,
    left: Millis,
    /// When it last started running; `None` while stopped.
    running_since: Option<Millis>,
}

impl ToastClock {
    pub fn new(duration: Millis) -> ToastClock {
        ToastClock { full: duration, left: duration, running_since: None }
    }

    /// Runs the clock from `now`. Returns the time left when it was stopped (the shell sets
    /// a timer for it), `None` when it was already running (the timer set then stands).
    pub fn run(&mut self, now: Millis) -> Option<Millis> {
        if self.running_since.is_some() {
            return None;
        }
        self.running_since = Some(now);
        Some(self.left)
    }

    /// Stops the clock at `now`, keeping the time it had left. The shell clears its timer.
    pub fn pause(&mut self, now: Millis) {
        if let Some(since) = self.running_since.take() {
            self.left = self.left - now.since(since);
        }
    }

    /// Stops the clock with its whole duration left again: a fold took another event. The
    /// shell clears its timer.
    pub fn restart(&mut self) {
        self.running_since = None;
        self.left = self.full;
    }

    /// The time left at `now`.
    pub fn left(&self, now: Millis) -> Millis {
        match self.running_since {
            Some(since) => self.left - now.since(since),
            None => self.left,
        }
    }

    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }
}

#[cfg(test)]
mod tests {
    use herald_notifications::Severity;
    use herald_protocol::Millis;

    use crate::toast_clock::{ToastClock, toast_duration};

    #[test]
    fn durations_follow_severity_and_stickiness() {
        let check = |severity, sticky, expect: Option<u64>| {
            assert_eq!(
                toast_duration(severity, sticky),
                expect.map(Millis::from_secs),
                "{severity:?} {sticky}"
            );
        };
        check(Severity::Info, false, Some(5));
        check(Severity::Success, false, Some(5));
        check(Severity::Warning, false, Some(8));
        check(Severity::Error, false, Some(10));
        check(Severity::Critical, false, None);
        for severity in
            [Severity::Info, Severity::Success, Severity::Warning, Severity::Error, Severity::Critical]
        {
            check(severity, true, None);
        }
    }

    #[test]
    fn a_running_clock_counts_down_and_is_not_restarted_by_running_again() {
        let mut clock = ToastClock::new(Millis(5_000));
        assert!(!clock.is_running());
        assert_eq!(clock.run(Millis(1_000)), Some(Millis(5_000)));
        assert_eq!(clock.run(Millis(2_000)), None, "the timer set at 1 s stands");
        assert_eq!(clock.left(Millis(4_000)), Millis(2_000));
        assert_eq!(clock.left(Millis(9_000)), Millis::ZERO, "never below zero");
    }

    #[test]
    fn a_paused_clock_keeps_what_it_had_left() {
        let mut clock = ToastClock::new(Millis(5_000));
        clock.run(Millis(0));
        // Hovered after 2 s, for a minute.
        clock.pause(Millis(2_000));
        assert!(!clock.is_running());
        assert_eq!(clock.left(Millis(62_000)), Millis(3_000));
        // The pointer leaves: the timer is set for the 3 s left.
        assert_eq!(clock.run(Millis(62_000)), Some(Millis(3_000)));
        // Hidden tab, focus, hover again: each pause keeps the rest.
        clock.pause(Millis(63_000));
        clock.pause(Millis(64_000));
        assert_eq!(clock.run(Millis(90_000)), Some(Millis(2_000)));
        clock.pause(Millis(95_000));
        assert_eq!(clock.run(Millis(96_000)), Some(Millis::ZERO), "its time is up: it goes at once");
    }

    #[test]
    fn a_fold_starts_its_time_again_with_each_event() {
        let mut clock = ToastClock::new(Millis(300));
        clock.run(Millis(0));
        for at in [100, 200, 300, 400] {
            clock.restart();
            assert!(!clock.is_running());
            assert_eq!(clock.run(Millis(at)), Some(Millis(300)), "event at {at} ms");
        }
        assert_eq!(clock.left(Millis(650)), Millis(50));
        // A restart while paused leaves it paused, with the whole time.
        clock.pause(Millis(650));
        clock.restart();
        assert_eq!(clock.left(Millis(10_000)), Millis(300));
    }
}
