//! The pieces every page's forms and loads share: a labelled field that shows the backend's
//! error for it, the loading and error states of a read, and the reason a suspension asks for.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::ApiError;

/// The backend's messages per field, from a 422; empty for any other error.
pub fn field_errors(error: &Option<ApiError>) -> BTreeMap<String, Vec<String>> {
    match error {
        Some(ApiError::Validation { errors, .. }) => errors.clone(),
        _ => BTreeMap::new(),
    }
}

/// A labelled input bound to `value`, with the first backend error for `name` under it
/// (linked by `aria-describedby`, and `aria-invalid` set, so a screen reader says it).
#[component]
pub fn TextField(
    /// The field's name, as the backend names it in `errors`.
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] errors: Signal<BTreeMap<String, Vec<String>>>,
    /// The input's type. Default `text`.
    #[prop(default = "text")]
    kind: &'static str,
    /// The `autocomplete` hint. Default `off`.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Whether the field must be filled (said to assistive technology; the backend checks).
    /// Default false.
    #[prop(optional)]
    required: bool,
    /// Which form the field belongs to, so ids stay unique on a page with several forms.
    form: &'static str,
) -> impl IntoView {
    let id = format!("{form}-{name}");
    let error_id = format!("{id}-error");
    let error = move || errors.with(|errors| errors.get(name).and_then(|messages| messages.first().cloned()));
    view! {
        <div class="field">
            <label class="field__label" for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                bind:value=value
            />
            <span class="field__error" id=error_id>{error}</span>
        </div>
    }
}

/// The state of a read that has not succeeded: loading, or failed with Retry.
#[component]
pub fn Loading(what: &'static str) -> impl IntoView {
    view! { <p class="muted loading" role="status">{format!("Loading {what}…")}</p> }
}

/// A failed read: what went wrong, and a Retry button that runs `retry`, which says
/// "Retrying…" while `retrying` is true.
#[component]
pub fn LoadFailed(
    error: ApiError,
    what: &'static str,
    #[prop(into)] retry: Callback<()>,
    #[prop(into)] retrying: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="load-failed" role="alert">
            <p>{format!("Could not load {what}. {error}")}</p>
            <button type="button" class="button" disabled=retrying on:click=move |_| retry.run(())>
                {move || if retrying.get() { "Retrying…" } else { "Retry" }}
            </button>
        </div>
    }
}

/// A Suspend button that opens a one-line form for the reason the backend requires, then
/// runs `confirm` with it. Escape or Cancel closes it; focus goes to the reason at once.
///
/// Long lists have one per row, so a closed one is just its button: the form and what it
/// holds exist only while it is open.
#[component]
pub fn SuspendButton(
    /// Who is suspended, for the accessible names ("Suspend Acme").
    subject: String,
    #[prop(into)] confirm: Callback<String>,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    move || {
        if open.get() {
            return view! { <ReasonForm subject=subject.clone() confirm open /> }.into_any();
        }
        view! {
            <button
                type="button"
                class="button button--danger"
                aria-label=format!("Suspend {subject}")
                disabled=disabled
                on:click=move |_| open.set(true)
            >
                "Suspend"
            </button>
        }
        .into_any()
    }
}

/// [`SuspendButton`]'s open form: the reason, Confirm and Cancel, which set `open` to false.
#[component]
fn ReasonForm(subject: String, confirm: Callback<String>, open: RwSignal<bool>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Input>::new();
    input.on_load(|input| {
        let _ = input.focus();
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reason.get_untracked().trim().to_owned();
        if !text.is_empty() {
            // Closed first: confirming can change the row this form is in, and so replace it.
            open.set(false);
            confirm.run(text);
        }
    };
    let escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <form class="reason" on:submit=submit on:keydown=escape>
            <input
                node_ref=input
                type="text"
                class="reason__input"
                placeholder="Reason"
                aria-label=format!("Reason for suspending {subject}")
                required
                maxlength="255"
                bind:value=reason
            />
            <button type="submit" class="button button--danger" disabled=move || reason.with(|r| r.trim().is_empty())>
                "Confirm"
            </button>
            <button type="button" class="button button--quiet" on:click=move |_| open.set(false)>
                "Cancel"
            </button>
        </form>
    }
}

/// Under a form: the error that is not about one field (field errors sit by their fields),
/// or the confirmation that it worked.
#[component]
pub fn FormOutcome(
    error: Signal<Option<ApiError>>,
    done: Signal<bool>,
    #[prop(into)] done_text: Signal<String>,
) -> impl IntoView {
    move || match error.get() {
        Some(ApiError::Validation { .. }) => None,
        Some(other) => Some(view! { <p class="form-error" role="alert">{other.to_string()}</p> }.into_any()),
        None if done.get() => {
            Some(view! { <p class="notice" role="status">{done_text.get()}</p> }.into_any())
        }
        None => None,
    }
}
