//! Browser unit tests: the toaster rendered by Leptos in headless Chromium, through
//! wasm-bindgen-test. Run by `cargo xtask test`.

#![cfg(target_arch = "wasm32")]

use herald::components::toaster::Toaster;
use herald::notifications::Notifications;
use leptos::prelude::*;
use leptos_router::components::Router;
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts a toaster in a fresh element and returns that element and the store feeding it.
fn mount_toaster() -> (HtmlElement, Notifications, impl Drop) {
    let parent: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&parent).unwrap();
    let store = RwSignal::new(None::<Notifications>);
    let handle = leptos::mount::mount_to(parent.clone(), move || {
        let notifications = Notifications::provide();
        store.set(Some(notifications));
        view! { <Router><Toaster /></Router> }
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

fn toasts(parent: &Element) -> Vec<Element> {
    let list = parent.query_selector_all(".toast").unwrap();
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
}

#[wasm_bindgen_test]
async fn the_region_is_labelled_and_toasts_take_roles_by_severity() {
    let (parent, notifications, _mounted) = mount_toaster();
    let region = parent.query_selector("section[aria-label='Notifications']").unwrap().expect("a labelled region");
    let live = region.query_selector("[aria-live='polite']").unwrap();
    assert!(live.is_some(), "the live region exists before any toast");

    notifications.receive("PasswordChanged", Some("private-user.4"), &json!({"id": "a"}));
    notifications.receive("AccountSuspended", Some("private-user.4"), &json!({"id": "b", "reason": "Fraud"}));
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
    notifications.receive("PasswordChanged", None, &json!({"id": "esc"}));
    leptos::task::tick().await;
    let toast = toasts(&parent).pop().expect("one toast");
    let init = KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    toast.dispatch_event(&KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()).unwrap();
    leptos::task::tick().await;
    assert!(toasts(&parent).is_empty());
}

#[wasm_bindgen_test]
async fn markup_in_a_payload_is_shown_as_text() {
    let (parent, notifications, _mounted) = mount_toaster();
    let name = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    notifications.receive("UserCreated", None, &json!({"id": "x", "user": {"name": name}}));
    leptos::task::tick().await;
    assert!(parent.query_selector("img, script").unwrap().is_none(), "no element was made from the payload");
    assert!(toasts(&parent)[0].text_content().unwrap().contains(name));
}

#[wasm_bindgen_test]
async fn at_most_three_toasts_show_with_a_count_of_the_rest() {
    let (parent, notifications, _mounted) = mount_toaster();
    for i in 0..5 {
        notifications.receive("UserCreated", None, &json!({"id": format!("u{i}")}));
    }
    leptos::task::tick().await;
    assert_eq!(toasts(&parent).len(), 3);
    let more = parent.query_selector(".toaster__more").unwrap().expect("a +N more line");
    assert_eq!(more.text_content().as_deref(), Some("+2 more"));
}
