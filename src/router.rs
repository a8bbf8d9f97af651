//! Herald's router: the address bar's path as a signal, moved with the History API.
//!
//! Herald has six flat routes and no parameters, so it needs three things from a router: the
//! current path, navigation without a reload (links, redirects, the back button), and the link
//! to the current page marked `aria-current="page"`. This module is those three things.
//! `leptos_router` did the same with nested route matching Herald never used, and cost about
//! 55 KB of the gzipped wasm (measured in issue 9).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The current path, provided once by the app and read by every link and page switch.
#[derive(Clone, Copy)]
pub struct Router {
    path: RwSignal<String>,
}

impl Router {
    /// Starts following the address bar (the back and forward buttons included) and provides
    /// the router to the components below.
    pub fn provide() -> Self {
        let router = Self { path: RwSignal::new(current_path()) };
        let back_and_forward = window_event_listener(ev::popstate, move |_| router.show(current_path()));
        on_cleanup(move || back_and_forward.remove());
        provide_context(router);
        router
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The path being shown, such as `/approvals` (without query or fragment). Tracked; it
    /// notifies only when the path changes.
    pub fn path(&self) -> String {
        self.path.get()
    }

    /// Whether `href` is the page being shown. Tracked.
    pub fn is_current(&self, href: &str) -> bool {
        self.path.with(|path| path == href)
    }

    /// Goes to `path` as a new history entry, at the top of the page.
    pub fn navigate(&self, path: &str) {
        self.go(path, History::Push);
    }

    /// Goes to `path` in place of the current entry, so Back does not return to a page that
    /// only sent the person on (a sign-in page once signed in, `/` before a role's home).
    /// Runs after the current render, since redirects are asked for while rendering.
    pub fn redirect(&self, path: &'static str) {
        let router = *self;
        queue_microtask(move || router.go(path, History::Replace));
    }

    fn go(&self, path: &str, history: History) {
        if self.is_shown(path) {
            return;
        }
        let window = window();
        if let Ok(history_api) = window.history() {
            let _ = match history {
                History::Push => history_api.push_state_with_url(&JsValue::NULL, "", Some(path)),
                History::Replace => history_api.replace_state_with_url(&JsValue::NULL, "", Some(path)),
            };
        }
        if history == History::Push {
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.show(path.to_owned());
    }

    fn is_shown(&self, path: &str) -> bool {
        self.path.with_untracked(|current| current == path)
    }

    /// Changes the path, telling its readers only when it is a different one.
    fn show(&self, path: String) {
        if !self.is_shown(&path) {
            self.path.set(path);
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum History {
    Push,
    Replace,
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".to_owned())
}

/// A link inside Herald: an ordinary `<a href>` (it can be opened in a new tab, copied,
/// middle-clicked) that navigates without a reload on a plain click, and says
/// `aria-current="page"` while its page is shown.
#[component]
pub fn Link(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let router = Router::expect();
    let current = {
        let href = href.clone();
        move || router.is_current(&href).then_some("page")
    };
    let follow = {
        let href = href.clone();
        move |event: ev::MouseEvent| {
            let plain = event.button() == 0
                && !(event.meta_key() || event.ctrl_key() || event.shift_key() || event.alt_key());
            if plain && !event.default_prevented() {
                event.prevent_default();
                router.navigate(&href);
            }
        }
    };
    view! {
        <a href=href aria-current=current on:click=follow>
            {children()}
        </a>
    }
}

/// Sends the person to `path` as soon as it is rendered, in place of the current entry.
#[component]
pub fn Redirect(path: &'static str) -> impl IntoView {
    Router::expect().redirect(path);
}
