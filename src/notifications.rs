//! The notification store: every event becomes a notification that enters the person's
//! history and, unless they muted its kind, shows as a toast (and as a desktop notification
//! when they asked for those and the tab is hidden). Toasts and history are one model —
//! dismissing a toast never loses the notification.
//!
//! The policy (text, severity, de-duplication, bounds, folding, muting, the stored form)
//! lives in `herald_notifications`, and what to record, merge and save when is decided by the
//! client core (`herald_client`, carried out in `crate::services`); this module holds the
//! notifications in signals and keeps each person's history, catch-up position and
//! preferences in localStorage under their user id.

use herald_client::SharedNotes;
use herald_contract::ChannelTemplates;
use herald_notifications::history::{DEFAULT_CAPACITY, Entry};
use herald_notifications::{
    Filter, History, NoteChange, Notification, Preferences, Severity, Toast, Toasts, Touched,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::Storage;

/// How many toasts are on screen at once; the rest wait behind a "+N more".
pub const VISIBLE_TOASTS: usize = 3;

/// How many notifications each person's history keeps.
pub const HISTORY_CAPACITY: usize = DEFAULT_CAPACITY;

/// How long the store waits to save after a change, gathering a burst into one save.
const SAVE_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// How many desktop notifications the store keeps a click handler for; older ones stay on the
/// desktop but no longer react to clicks.
const DESKTOP_KEPT: usize = 10;

/// Where the page a desktop notification leads to is.
const DESKTOP_TARGET: &str = "/notifications";

/// Told of each change the person makes in this tab.
type ChangeListener = Rc<dyn Fn(NoteChange)>;

/// Says whether an event recorded now raises a desktop notification in this tab.
type DesktopRule = Rc<dyn Fn() -> bool>;

#[derive(Clone, Copy)]
pub struct Notifications {
    history: RwSignal<History>,
    toasts: RwSignal<Toasts>,
    preferences: RwSignal<Preferences>,
    /// Whose history and preferences are held (and saved); `None` while nobody is signed in.
    owner: StoredValue<Option<u64>>,
    /// Whether the browser lets this page show desktop notifications.
    desktop_permitted: RwSignal<bool>,
    /// Desktop notifications on screen with their click handlers, oldest first.
    desktop_shown: StoredValue<Vec<DesktopNotice>, LocalStorage>,
    /// A page a desktop notification asked to go to, for the router to follow.
    navigation: RwSignal<Option<String>>,
    /// Numbers the notifications the app makes itself.
    local_ids: StoredValue<u64>,
    /// Where catch-up resumes, as the client core last said ([`Notifications::save`]);
    /// saved with the history.
    position: StoredValue<Option<String>>,
    /// Whether a save of the history is already scheduled (saves are batched).
    save_scheduled: StoredValue<bool>,
    /// The templates the app's channels were made from, which tell their kinds apart.
    channels: StoredValue<ChannelTemplates>,
    /// Whether this tab saves: of the browser's tabs only the one holding the socket does
    /// (`crate::tabs`), so that no tab's save undoes another's. Default: true.
    saving: StoredValue<bool>,
    /// Told of each change the person makes here, to tell the other tabs.
    on_change: StoredValue<Option<ChangeListener>, LocalStorage>,
    /// Whether an event recorded now raises a desktop notification in this tab. Default:
    /// while the tab is hidden.
    raises_desktop: StoredValue<Option<DesktopRule>, LocalStorage>,
}

impl Notifications {
    pub fn provide(channels: ChannelTemplates) -> Notifications {
        let notifications = Notifications {
            history: RwSignal::new(History::with_capacity(HISTORY_CAPACITY)),
            toasts: RwSignal::new(Toasts::default()),
            preferences: RwSignal::new(Preferences::default()),
            owner: StoredValue::new(None),
            desktop_permitted: RwSignal::new(desktop_permission_granted()),
            desktop_shown: StoredValue::new_local(Vec::new()),
            navigation: RwSignal::new(None),
            local_ids: StoredValue::new(0),
            position: StoredValue::new(None),
            save_scheduled: StoredValue::new(false),
            channels: StoredValue::new(channels),
            saving: StoredValue::new(true),
            on_change: StoredValue::new_local(None),
            raises_desktop: StoredValue::new_local(None),
        };
        provide_context(notifications);
        // A reload or a closed tab must not lose a save still waiting for its batch.
        let pagehide = window_event_listener(leptos::ev::pagehide, move |_| {
            if notifications.save_scheduled.try_get_value() == Some(true) {
                notifications.flush();
            }
        });
        on_cleanup(move || pagehide.remove());
        notifications
    }

    #[track_caller]
    pub fn expect() -> Notifications {
        expect_context::<Notifications>()
    }

    /// Records a notification in the history and toasts it, unless one with the same id is
    /// there already or the person muted its kind.
    pub fn record(&self, notification: Notification) {
        let mut is_new = false;
        self.history.update(|history| is_new = history.push(notification.clone()));
        if !is_new {
            return;
        }
        self.save_history();
        if self.preferences.with_untracked(|p| p.is_muted(&notification.kind)) {
            return;
        }
        self.raise_desktop(&notification);
        self.toasts.update(|toasts| {
            toasts.push(notification, now_ms());
        });
    }

    /// Merges notifications read back by catch-up (oldest first) into the history without a
    /// toast each. Returns how many were new; the client core announces those with one
    /// summary toast, and saves.
    pub fn merge(&self, notifications: Vec<Notification>) -> usize {
        let mut added = 0;
        self.history.update(|history| {
            for notification in notifications {
                added += usize::from(history.push(notification));
            }
        });
        added
    }

    /// Saves the history soon with `position`, where catch-up resumes.
    pub fn save(&self, position: Option<String>) {
        self.position.set_value(position);
        self.save_history();
    }

    /// Shows a toast the app makes itself (a session that expired, a channel refused). It is
    /// about the app, not an event, so it does not enter the history.
    pub fn announce(&self, severity: Severity, title: &str, message: &str) {
        let notification = Notification {
            id: self.next_local_id("app"),
            kind: "App".into(),
            severity,
            sticky: false,
            title: title.into(),
            message: message.into(),
            occurred_at: None,
            channel: None,
            action: None,
        };
        self.toasts.update(|toasts| toasts.show(notification, now_ms()));
    }

    pub fn dismiss(&self, id: &str) {
        self.toasts.update(|toasts| toasts.dismiss(id));
    }

    /// Forgets everything shown: the person signed out, or a different one is signing in.
    /// What was saved for them stays saved.
    pub fn clear(&self) {
        self.flush();
        self.owner.set_value(None);
        self.position.set_value(None);
        self.toasts.update(Toasts::clear);
        self.history.set(History::with_capacity(HISTORY_CAPACITY));
        self.preferences.set(Preferences::default());
        self.desktop_shown.update_value(|shown| {
            for notice in shown.drain(..) {
                notice.shown.close();
            }
        });
    }

    /// Holds the history and preferences saved for the person with `user_id`, replacing
    /// whatever was held; returns the catch-up position saved with the history.
    pub fn load_for(&self, user_id: u64) -> Option<String> {
        self.clear();
        let (history, preferences) = stored_notes(user_id);
        self.owner.set_value(Some(user_id));
        let position = self.saved_position();
        self.position.set_value(position.clone());
        self.history.set(history);
        self.preferences.set(preferences);
        self.desktop_permitted.set(desktop_permission_granted());
        position
    }

    /// The toasts, oldest first.
    pub fn toasts(&self) -> Signal<Vec<Toast>> {
        let toasts = self.toasts;
        Signal::derive(move || toasts.with(|t| t.shown().to_vec()))
    }

    /// The title of the toast `id` as it is now (a fold's grows with its count).
    pub fn toast_title(&self, id: &str) -> Option<String> {
        self.toasts.with(|t| t.get(id).map(|toast| toast.notification.title.clone()))
    }

    /// The newest `count` entries of the history that `filter` lets through.
    pub fn recent(&self, filter: Filter, count: usize) -> Vec<Entry> {
        self.channels.with_value(|channels| {
            self.history.with(|h| {
                h.entries()
                    .filter(|e| filter.matches(&e.notification, channels))
                    .take(count)
                    .cloned()
                    .collect()
            })
        })
    }

    pub fn unread(&self) -> usize {
        self.history.with(History::unread)
    }

    pub fn mark_read(&self, id: &str) {
        self.change(NoteChange::Read { id: id.to_owned() });
    }

    pub fn mark_all_read(&self) {
        self.change(NoteChange::AllRead);
    }

    /// Applies a change the person made in another tab (not told back).
    pub fn apply(&self, change: NoteChange) {
        let mut touched = Touched::History;
        self.history.update(|history| {
            self.preferences.update(|preferences| touched = change.apply(history, preferences));
        });
        match touched {
            Touched::History => self.save_history(),
            Touched::Preferences => {
                self.desktop_permitted.set(desktop_permission_granted());
                self.save_preferences();
            }
        }
    }

    /// A change the person made here: applied, and told to the other tabs.
    fn change(&self, change: NoteChange) {
        self.apply(change.clone());
        if let Some(tell) = self.on_change.try_get_value().flatten() {
            tell(change);
        }
    }

    /// Calls `tell` with each change the person makes in this tab.
    pub fn on_change(&self, tell: impl Fn(NoteChange) + 'static) {
        self.on_change.set_value(Some(Rc::new(tell)));
    }

    /// Whether this tab saves (it holds the socket) or leaves that to the tab that does.
    /// A tab that stops saving saves what it has first.
    pub fn set_saving(&self, saving: bool) {
        if !saving {
            self.flush();
        }
        self.saving.set_value(saving);
    }

    /// The catch-up position saved last for the person held (by whichever tab saved it).
    pub fn saved_position(&self) -> Option<String> {
        let user_id = self.owner.get_value()?;
        local_storage()?.get_item(&position_key(user_id)).ok().flatten().filter(|id| !id.is_empty())
    }

    /// The person's history and preferences as this tab holds them, for a tab that asks.
    pub fn shared(&self) -> Option<SharedNotes> {
        Some(SharedNotes {
            user_id: self.owner.get_value()?,
            history: self.history.with_untracked(History::to_json),
            preferences: self.preferences.with_untracked(Preferences::to_json),
        })
    }

    /// Shows the history and preferences another tab holds for the person held here, in
    /// place of those read from storage, keeping the toasts on screen.
    pub fn adopt(&self, notes: SharedNotes) {
        if self.owner.get_value() != Some(notes.user_id) {
            return;
        }
        self.history.set(History::from_json(&notes.history, HISTORY_CAPACITY));
        self.preferences.set(Preferences::from_json(&notes.preferences));
    }

    /// Decides, for each event recorded from now on, whether it raises a desktop
    /// notification here.
    pub fn raise_desktop_when(&self, decide: impl Fn() -> bool + 'static) {
        self.raises_desktop.set_value(Some(Rc::new(decide)));
    }

    /// The event kinds the person can mute: those in their history and those already muted,
    /// in name order.
    pub fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self.preferences.with(|p| p.muted.iter().cloned().collect());
        self.history.with(|h| kinds.extend(h.entries().map(|e| e.notification.kind.clone())));
        kinds.sort();
        kinds.dedup();
        kinds
    }

    pub fn is_muted(&self, kind: &str) -> bool {
        self.preferences.with(|p| p.is_muted(kind))
    }

    pub fn set_muted(&self, kind: &str, muted: bool) {
        self.change(NoteChange::Muted { kind: kind.to_owned(), muted });
    }

    /// Whether events that arrive while the tab is hidden raise desktop notifications.
    pub fn desktop_enabled(&self) -> bool {
        self.desktop_permitted.get() && self.preferences.with(|p| p.desktop)
    }

    /// Whether this browser can show desktop notifications at all.
    pub fn desktop_supported(&self) -> bool {
        desktop_supported()
    }

    /// Asks the browser for permission to show desktop notifications (the person clicked to
    /// enable them; they are never asked for on load) and turns them on if it is given.
    pub fn enable_desktop(&self) {
        if !desktop_supported() {
            return;
        }
        let this = *self;
        spawn_local(async move {
            let granted = match web_sys::Notification::request_permission() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|answer| answer.as_string())
                    .is_some_and(|answer| answer == "granted"),
                Err(_) => false,
            };
            this.desktop_permitted.try_set(granted);
            if granted && this.history.try_with_untracked(|_| ()).is_some() {
                this.change(NoteChange::Desktop { on: true });
            }
        });
    }

    pub fn disable_desktop(&self) {
        self.change(NoteChange::Desktop { on: false });
    }

    /// A page a desktop notification asked to open; the router follows it and calls
    /// [`Notifications::navigated`].
    pub fn navigation(&self) -> Signal<Option<String>> {
        self.navigation.into()
    }

    pub fn navigated(&self) {
        self.navigation.set(None);
    }

    fn raise_desktop(&self, notification: &Notification) {
        let wanted = self.desktop_permitted.get_untracked() && self.preferences.with_untracked(|p| p.desktop);
        let here = match self.raises_desktop.get_value() {
            Some(decide) => decide(),
            None => document().hidden(),
        };
        if !wanted || !here {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(&notification.message);
        options.set_tag(&notification.id);
        let Ok(shown) = web_sys::Notification::new_with_options(&notification.title, &options) else {
            return;
        };
        let navigation = self.navigation;
        let on_click = Closure::<dyn FnMut()>::new(move || {
            let _ = window().focus();
            navigation.try_set(Some(DESKTOP_TARGET.to_owned()));
        });
        shown.set_onclick(Some(on_click.as_ref().unchecked_ref()));
        self.desktop_shown.update_value(|list| {
            list.push(DesktopNotice { shown, _on_click: on_click });
            if list.len() > DESKTOP_KEPT {
                list.remove(0);
            }
        });
    }

    /// Saves the history and position soon: at most once per [`SAVE_DELAY`], so a burst of
    /// events costs one serialization, not one per event.
    fn save_history(&self) {
        if self.save_scheduled.get_value() {
            return;
        }
        self.save_scheduled.set_value(true);
        let notifications = *self;
        set_timeout(
            move || {
                // The app may have gone meanwhile (a test unmounting it).
                if notifications.save_scheduled.try_get_value().is_some() {
                    notifications.flush();
                }
            },
            SAVE_DELAY,
        );
    }

    /// Saves the history and position now. What was saved and the position always match, so
    /// a reload resumes catch-up exactly after the last event it has.
    fn flush(&self) {
        self.save_scheduled.set_value(false);
        if !self.saving.get_value() {
            return;
        }
        if let (Some(user_id), Some(storage)) = (self.owner.get_value(), local_storage()) {
            let json = self.history.with_untracked(History::to_json);
            // A full or refused storage loses persistence, not the session's history.
            let _ = storage.set_item(&history_key(user_id), &json);
            let position = self.position.get_value().unwrap_or_default();
            let _ = storage.set_item(&position_key(user_id), &position);
        }
    }

    fn save_preferences(&self) {
        if self.saving.try_get_value() != Some(true) {
            return;
        }
        if let (Some(user_id), Some(storage)) = (self.owner.try_get_value().flatten(), local_storage())
            && let Some(json) = self.preferences.try_with_untracked(Preferences::to_json)
        {
            let _ = storage.set_item(&preferences_key(user_id), &json);
        }
    }

    fn next_local_id(&self, prefix: &str) -> String {
        let n = self.local_ids.try_update_value(|n| {
            *n += 1;
            *n
        });
        format!("{prefix}-{}", n.unwrap_or_default())
    }
}

/// A desktop notification and the click handler it calls, which lives exactly as long.
struct DesktopNotice {
    shown: web_sys::Notification,
    _on_click: Closure<dyn FnMut()>,
}

impl Drop for DesktopNotice {
    fn drop(&mut self) {
        // The closure is freed with this; the notification must not call it afterwards.
        self.shown.set_onclick(None);
    }
}

/// The history and preferences saved for `user_id` (empty ones where nothing readable is).
fn stored_notes(user_id: u64) -> (History, Preferences) {
    let stored = |key: String| local_storage().and_then(|s| s.get_item(&key).ok().flatten());
    let history = stored(history_key(user_id))
        .map(|json| History::from_json(&json, HISTORY_CAPACITY))
        .unwrap_or_else(|| History::with_capacity(HISTORY_CAPACITY));
    let preferences =
        stored(preferences_key(user_id)).map(|json| Preferences::from_json(&json)).unwrap_or_default();
    (history, preferences)
}

fn history_key(user_id: u64) -> String {
    format!("herald.history.{user_id}")
}

fn position_key(user_id: u64) -> String {
    format!("herald.position.{user_id}")
}

fn preferences_key(user_id: u64) -> String {
    format!("herald.preferences.{user_id}")
}

fn local_storage() -> Option<Storage> {
    window().local_storage().ok().flatten()
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Whether the Notification API exists here (it does not in insecure contexts and some
/// embedded browsers); its bindings throw if called where it does not.
fn desktop_supported() -> bool {
    js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false)
}

fn desktop_permission_granted() -> bool {
    desktop_supported() && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
}
