//! `Listener`: a window or document event listener that lives as long as what owns it, and is
//! removed (and its closure freed) when dropped, so nothing is leaked per use.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

pub struct Listener {
    target: web_sys::EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut()>,
}

impl Listener {
    /// Calls `handler` on each `kind` event of `target` (`window().into()`,
    /// `document().into()`) until dropped.
    pub fn new(
        target: web_sys::EventTarget,
        kind: &'static str,
        handler: impl FnMut() + 'static,
    ) -> Listener {
        let callback = Closure::<dyn FnMut()>::new(handler);
        let _ = target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        Listener { target, kind, callback }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
    }
}
