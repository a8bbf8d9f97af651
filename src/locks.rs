//! The Web Locks API (`navigator.locks`), which web-sys has only behind its unstable APIs:
//! the one type and method the app uses, declared here once. The tabs' lead (`crate::tabs`)
//! and the auth store's refresh (`crate::auth`) take locks through it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use leptos::prelude::window;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks`.
    pub type LockManager;

    /// `request(name, options, callback)`: the callback runs once the lock is granted, and the
    /// lock is held until the promise it returns settles.
    #[wasm_bindgen(method, js_name = request)]
    pub fn request(this: &LockManager, name: &str, options: &Object, granted: &Function) -> Promise;
}

/// `navigator.locks`, where the browser has it (secure contexts only).
pub fn lock_manager() -> Option<LockManager> {
    let navigator = Reflect::get(&window(), &"navigator".into()).ok()?;
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then(|| locks.unchecked_into())
}

/// Runs `task` holding the exclusive lock `name` (waiting in line for it), or without a lock
/// where the browser has none. The lock is released when `task` finishes. `None` if the
/// browser refused the request (then `task` did not run).
pub async fn exclusively<T: 'static>(name: &str, task: impl AsyncFnOnce() -> T + 'static) -> Option<T> {
    let Some(locks) = lock_manager() else { return Some(task().await) };
    let result = Rc::new(RefCell::new(None));
    let slot = result.clone();
    let granted = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            let value = task().await;
            *slot.borrow_mut() = Some(value);
            Ok(JsValue::UNDEFINED)
        })
    });
    let request = locks.request(name, &Object::new(), granted.unchecked_ref());
    let _ = JsFuture::from(request).await;
    result.borrow_mut().take()
}
