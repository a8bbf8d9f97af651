//! Formatting for people: times in the browser's locale.

/// An RFC 3339 time as the browser's locale writes it ("24/11/2026, 01:19:26"); the text as
/// given when it is not a time.
pub fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED).into()
}
