//! The connection's one timer table, as in quinn-proto: a deadline per kind of timer, the
//! earliest is what `poll_timeout` reports, and `handle_timeout` runs the ones that are due.

use crate::time::Millis;

/// Every timer the lifecycle keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The next reconnection attempt.
    Reconnect,
    /// The end of the time a socket may take to open and finish its handshake.
    Handshake,
    /// Silence long enough to ping the server.
    Idle,
    /// A ping without any answer long enough to count the socket dead.
    Pong,
    /// The earliest retry of a channel authorization that failed for a passing reason.
    Authorization,
}

impl Timer {
    const ALL: [Timer; 5] =
        [Timer::Reconnect, Timer::Handshake, Timer::Idle, Timer::Pong, Timer::Authorization];

    /// The timers that belong to one socket and stop with it.
    pub(crate) const SOCKET: [Timer; 4] = [Timer::Handshake, Timer::Idle, Timer::Pong, Timer::Authorization];

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<Millis>; Timer::ALL.len()],
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, at: Millis) {
        self.deadlines[timer.index()] = Some(at);
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Millis> {
        self.deadlines[timer.index()]
    }

    pub(crate) fn is_due(&self, timer: Timer, now: Millis) -> bool {
        self.get(timer).is_some_and(|at| at <= now)
    }

    /// The earliest deadline of all.
    pub(crate) fn next(&self) -> Option<Millis> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// The timers due at `now`, earliest first.
    pub(crate) fn due(&self, now: Millis) -> Vec<Timer> {
        let mut due: Vec<(Millis, Timer)> = Timer::ALL
            .iter()
            .filter_map(|&timer| self.get(timer).filter(|&at| at <= now).map(|at| (at, timer)))
            .collect();
        due.sort_by_key(|&(at, _)| at);
        due.into_iter().map(|(_, timer)| timer).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_deadline_is_next_and_due_timers_come_in_order() {
        let mut table = TimerTable::default();
        assert_eq!(table.next(), None);
        table.set(Timer::Idle, Millis(300));
        table.set(Timer::Reconnect, Millis(100));
        table.set(Timer::Authorization, Millis(200));
        assert_eq!(table.next(), Some(Millis(100)));
        assert_eq!(table.due(Millis(250)), [Timer::Reconnect, Timer::Authorization]);
        table.stop(Timer::Reconnect);
        assert_eq!(table.next(), Some(Millis(200)));
        assert!(table.is_due(Timer::Idle, Millis(300)) && !table.is_due(Timer::Idle, Millis(299)));
    }
}
