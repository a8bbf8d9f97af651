//! Browser unit tests: the toaster rendered by Leptos in headless Chromium, through
//! wasm-bindgen-test. Run by `cargo xtask test`. What decides (toast durations, the pause
//! clock, the catch-up position) is tested natively in `herald-client`; these test what only
//! a browser shows: the live region, roles, keys, hover, focus, a hidden tab, real timers.

#![cfg(target_arch = "wasm32")]

use herald::components::toaster::{ToastDurations, Toaster};
use herald::notifications::Notifications;
use herald_client::toast_duration;
use herald_notifications::{Notification, Severity};
use herald_protocol::Millis;
use leptos::prelude::*;
use leptos_router::components::Router;
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, Event, EventInit, HtmlElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a toaster in a fresh element and returns that element and the store feeding it.
fn mount_toaster() -> (HtmlElement, Notifications, impl Drop) {
    mount_toaster_with(toast_duration)
}

/// Like [`mount_toaster`], with toasts that stay as long as `durations` says.
fn mount_toaster_with(durations: ToastDurations) -> (HtmlElement, Notifications, impl Drop) {
    let parent: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&parent).unwrap();
    let store = RwSignal::new(None::<Notifications>);
    let handle = leptos::mount::mount_to(parent.clone(), move || {
        let notifications = Notifications::provide(herald_contract::ChannelTemplates::default());
        store.set(Some(notifications));
        view! {
            <Router>
                <Toaster durations />
            </Router>
        }
    });
    let notifications = store.get_untracked().expect("the toaster provided its store");
    (parent, notifications, Unmount(Some(handle)))
}

struct Unmount<T>(Option<T>);
impl<T> Drop for Unmount<T> {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}

/// Toasts that time out after 300 ms, so a test can outlast them quickly.
fn short(severity: Severity, sticky: bool) -> Option<Millis> {
    toast_duration(severity, sticky).map(|_| Millis(300))
}

/// Records the event named `name` as the client core has the store record it.
fn receive(notifications: &Notifications, name: &str, channel: Option<&str>, data: &serde_json::Value) {
    notifications.record(Notification::from_event(name, channel, data, String::new));
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits until `condition` holds, checking every 20 ms, for at most `timeout_ms`; returns
/// whether it came to hold.
async fn until(condition: impl Fn() -> bool, timeout_ms: f64) -> bool {
    let start = js_sys::Date::now();
    while js_sys::Date::now() - start < timeout_ms {
        if condition() {
            return true;
        }
        sleep(20).await;
    }
    condition()
}

fn dispatch(target: &Element, kind: &str) {
    let init = EventInit::new();
    init.set_bubbles(kind.starts_with("focus"));
    target.dispatch_event(&Event::new_with_event_init_dict(kind, &init).unwrap()).unwrap();
}

fn toast_titled(parent: &Element, title: &str) -> Option<Element> {
    toasts(parent).into_iter().find(|t| t.text_content().unwrap_or_default().contains(title))
}

fn toasts(parent: &Element) -> Vec<Element> {
    let list = parent.query_selector_all(".toast").unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
}

#[wasm_bindgen_test]
async fn the_region_is_labelled_and_toasts_take_roles_by_severity() {
    let (parent, notifications, _mounted) = mount_toaster();
    let region =
        parent.query_selector("section[aria-label='Notifications']").unwrap().expect("a labelled region");
    let live = region.query_selector("[aria-live='polite']").unwrap();
    assert!(live.is_some(), "the live region exists before any toast");

    receive(&notifications, "PasswordChanged", Some("private-user.4"), &json!({"id": "a"}));
    receive(
        &notifications,
        "AccountSuspended",
        Some("private-user.4"),
        &json!({"id": "b", "reason": "Fraud"}),
    );
    leptos::task::tick().await;

    let shown = toasts(&parent);
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].get_attribute("role").as_deref(), Some("status"));
    assert!(shown[0].text_content().unwrap().contains("Password changed"));
    assert_eq!(shown[1].get_attribute("role").as_deref(), Some("alert"));
    assert!(shown[1].text_content().unwrap().contains("Fraud"));
}

#[wasm_bindgen_test]
async fn escape_dismisses_a_toast() {
    let (parent, notifications, _mounted) = mount_toaster();
    receive(&notifications, "PasswordChanged", None, &json!({"id": "esc"}));
    leptos::task::tick().await;
    let toast = toasts(&parent).pop().expect("one toast");
    let init = KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    toast
        .dispatch_event(&KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap())
        .unwrap();
    leptos::task::tick().await;
    assert!(toasts(&parent).is_empty());
}

#[wasm_bindgen_test]
async fn markup_in_a_payload_is_shown_as_text() {
    let (parent, notifications, _mounted) = mount_toaster();
    let name = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    receive(&notifications, "UserCreated", None, &json!({"id": "x", "user": {"name": name}}));
    leptos::task::tick().await;
    assert!(parent.query_selector("img, script").unwrap().is_none(), "no element was made from the payload");
    assert!(toasts(&parent)[0].text_content().unwrap().contains(name));
}

#[wasm_bindgen_test]
async fn at_most_three_toasts_show_with_a_count_of_the_rest() {
    let (parent, notifications, _mounted) = mount_toaster();
    // Five kinds, so that none of them folds.
    for (i, kind) in
        ["UserCreated", "UserUpdated", "UserDeleted", "TenantCreated", "PaymentFailed"].iter().enumerate()
    {
        receive(&notifications, kind, None, &json!({"id": format!("u{i}")}));
    }
    leptos::task::tick().await;
    assert_eq!(toasts(&parent).len(), 3);
    let more = parent.query_selector(".toaster__more").unwrap().expect("a +N more line");
    assert_eq!(more.text_content().as_deref(), Some("+2 more"));
}

#[wasm_bindgen_test]
async fn a_burst_of_one_kind_folds_into_one_counting_toast() {
    let (parent, notifications, _mounted) = mount_toaster();
    for i in 0..12 {
        receive(&notifications, "UserCreated", None, &json!({"id": format!("b{i}")}));
    }
    leptos::task::tick().await;
    let shown = toasts(&parent);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].text_content().unwrap().contains("12 users created"));
    // The fold's count follows later events of the burst, in the same toast.
    receive(&notifications, "UserCreated", None, &json!({"id": "b12"}));
    leptos::task::tick().await;
    let again = toasts(&parent);
    assert_eq!(again.len(), 1);
    assert!(again[0].is_same_node(Some(&shown[0])), "the toast was updated, not replaced");
    assert!(again[0].text_content().unwrap().contains("13 users created"));
    assert_eq!(
        notifications.recent(herald_notifications::Filter::default(), usize::MAX).len(),
        13,
        "every event is in the history"
    );
}

#[wasm_bindgen_test]
async fn a_fold_stays_while_its_burst_goes_on_and_times_out_after_its_last_event() {
    let (parent, notifications, _mounted) = mount_toaster_with(short);
    for i in 0..12 {
        receive(&notifications, "UserCreated", None, &json!({"id": format!("f{i}")}));
    }
    leptos::task::tick().await;
    let fold = toasts(&parent).pop().expect("the fold");
    // Three times its 300 ms, one event every 100 ms: the same toast stays and counts on.
    for i in 12..21 {
        sleep(100).await;
        receive(&notifications, "UserCreated", None, &json!({"id": format!("f{i}")}));
        leptos::task::tick().await;
        let shown = toasts(&parent);
        assert_eq!(shown.len(), 1, "after event {i}");
        assert!(shown[0].is_same_node(Some(&fold)), "the fold stayed the same toast (event {i})");
    }
    assert!(fold.text_content().unwrap().contains("21 users created"));
    assert!(until(|| toasts(&parent).is_empty(), 3_000.0).await, "it goes once the burst is over");
}

/// A toast being read (from `start` until `end`: hovered, or focused) outlives its time, and
/// goes once it is left.
async fn a_toast_being_read_stays_until_left(start: &str, end: &str) {
    let (parent, notifications, _mounted) = mount_toaster_with(short);
    receive(&notifications, "PasswordChanged", None, &json!({"id": "read"}));
    receive(&notifications, "UserUpdated", None, &json!({"id": "left-alone"}));
    leptos::task::tick().await;
    let read = toast_titled(&parent, "Password changed").expect("the toast being read");
    dispatch(&read, start);
    // The toast nobody reads times out; then, and for a while after, the one being read stays.
    assert!(until(|| toast_titled(&parent, "User updated").is_none(), 3_000.0).await);
    sleep(400).await;
    assert!(
        toast_titled(&parent, "Password changed").is_some(),
        "a toast being read outlived its time ({start})"
    );
    dispatch(&read, end);
    assert!(until(|| toasts(&parent).is_empty(), 3_000.0).await, "it goes after {end}");
}

#[wasm_bindgen_test]
async fn a_hovered_toast_stays_past_its_time_and_goes_after_the_pointer_leaves() {
    a_toast_being_read_stays_until_left("mouseenter", "mouseleave").await;
}

#[wasm_bindgen_test]
async fn a_focused_toast_stays_until_focus_leaves() {
    a_toast_being_read_stays_until_left("focusin", "focusout").await;
}

/// Makes the document say it is hidden (or not again) and tells listeners, as a browser does
/// when the tab goes to the background.
fn set_page_hidden(hidden: bool) {
    let script = if hidden {
        "Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });\
         document.dispatchEvent(new Event('visibilitychange'));"
    } else {
        "delete document.hidden; document.dispatchEvent(new Event('visibilitychange'));"
    };
    js_sys::Function::new_no_args(script).call0(&wasm_bindgen::JsValue::NULL).unwrap();
}

#[wasm_bindgen_test]
async fn toasts_wait_while_the_tab_is_hidden() {
    let (parent, notifications, _mounted) = mount_toaster_with(short);
    receive(&notifications, "PasswordChanged", None, &json!({"id": "hidden-tab"}));
    leptos::task::tick().await;
    set_page_hidden(true);
    sleep(700).await;
    let still_there = toast_titled(&parent, "Password changed").is_some();
    set_page_hidden(false);
    assert!(still_there, "a toast outlived its time while the tab was hidden");
    assert!(until(|| toasts(&parent).is_empty(), 3_000.0).await, "it goes once the tab is shown");
}

/// What catch-up reads back enters the history without a toast each (the client core
/// announces them with one summary toast); what is already there is not counted twice.
#[wasm_bindgen_test]
async fn merged_events_enter_the_history_without_a_toast() {
    let (parent, notifications, _mounted) = mount_toaster();
    receive(&notifications, "PaymentCompleted", None, &json!({"id": "evt-4"}));
    let missed: Vec<Notification> = ["evt-2", "evt-3", "evt-4"]
        .iter()
        .map(|id| Notification::from_event("PaymentCompleted", None, &json!({ "id": id }), String::new))
        .collect();
    assert_eq!(notifications.merge(missed), 2, "evt-4 came live already");
    leptos::task::tick().await;
    assert_eq!(toasts(&parent).len(), 1, "the live event toasted; merged ones do not");
    assert_eq!(notifications.recent(herald_notifications::Filter::default(), usize::MAX).len(), 3);
}
