//! Live updates for pages: each event the socket delivers, handed to the pages on screen.
//!
//! The notification store turns an event into a toast and a history entry; a page also has
//! to change what it shows (a new row, a status). Pages register a listener with
//! [`Live::on_event`] for as long as they are mounted. Listeners are called in order for
//! every event, none is skipped: unlike a signal holding "the last event", two events in one
//! tick are two calls. After a catch-up, [`Live::resync`] makes pages load their data again.

use std::rc::Rc;

use leptos::prelude::*;

/// One event as it arrived, and as the catalogue reads it (decoded once, by the client core).
pub use herald_client::LiveEvent;

type Listener = Rc<dyn Fn(&LiveEvent)>;

#[derive(Clone, Copy)]
pub struct Live {
    listeners: StoredValue<Vec<(u64, Listener)>, LocalStorage>,
    next_id: StoredValue<u64>,
    /// Counts the times pages were told to load their data again.
    generation: RwSignal<u64>,
}

impl Live {
    pub fn provide() -> Live {
        let live = Live {
            listeners: StoredValue::new_local(Vec::new()),
            next_id: StoredValue::new(0),
            generation: RwSignal::new(0),
        };
        provide_context(live);
        live
    }

    #[track_caller]
    pub fn expect() -> Live {
        expect_context::<Live>()
    }

    /// Read (tracked) by a page's loading resource, so that [`Live::resync`] reloads it.
    pub fn generation(&self) -> u64 {
        self.generation.get()
    }

    /// Tells every page to load its data again: events were missed while the socket was
    /// away, and catch-up has put them in the history but not in the pages.
    pub fn resync(&self) {
        self.generation.update(|generation| *generation += 1);
    }

    /// Hands `event` to every listener.
    pub fn dispatch(&self, event: &LiveEvent) {
        // A copy of the list: a listener may mount or unmount a page (and so change it).
        let listeners: Vec<Listener> = self
            .listeners
            .with_value(|listeners| listeners.iter().map(|(_, listener)| listener.clone()).collect());
        for listener in listeners {
            listener(event);
        }
    }

    /// Calls `listener` with each event from now until the calling component unmounts.
    pub fn on_event(&self, listener: impl Fn(&LiveEvent) + 'static) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.listeners.update_value(|listeners| listeners.push((id, Rc::new(listener))));
        let listeners = self.listeners;
        on_cleanup(move || {
            // The store may be gone already when the whole app unmounts.
            let _ = listeners.try_update_value(|listeners| listeners.retain(|(other, _)| *other != id));
        });
    }
}
