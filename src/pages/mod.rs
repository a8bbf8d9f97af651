//! One module per page, and the role rules that decide who sees which.

pub mod account;
pub mod approvals;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod tenant;

use herald_notifications::{Keyed, Roster};
use leptos::prelude::*;

use crate::api::{ApiError, Caller, Role};
use crate::auth::Auth;
use crate::realtime::Realtime;
use crate::tabs::TabLink;
use leptos_router::components::A;

/// Where each role lands after signing in.
pub fn home_path(role: Role) -> &'static str {
    match role {
        Role::SystemAdmin => "/approvals",
        Role::TenantAdmin => "/tenant",
        Role::User => "/account",
    }
}

/// The signed-in person as the maker of a request, with this tab's socket id; `None` when
/// nobody is signed in.
pub fn caller(auth: Auth, realtime: Realtime) -> Option<Caller> {
    auth.token().map(|token| Caller { token, socket_id: realtime.socket_id() })
}

/// Shows a load of a page's records: the first makes its roster, and a reload (Retry, or the
/// resync after a reconnect) replaces the records in it, so the rows of records that did not
/// change stay as they are.
pub fn show_loaded<T>(roster: RwSignal<Option<Roster<T>>>, records: Vec<T>)
where
    T: Keyed + Clone + PartialEq + Send + Sync + 'static,
{
    roster.update(|roster| match roster {
        Some(roster) => roster.replace(records),
        None => *roster = Some(Roster::new(records)),
    });
}

/// Edits a page's records if they have loaded (`None` before): an event, an optimistic
/// change or its undo. Returns what `edit` returned.
pub fn edit_roster<T, R>(
    roster: RwSignal<Option<Roster<T>>>,
    edit: impl FnOnce(&mut Roster<T>) -> R,
) -> Option<R>
where
    T: Send + Sync + 'static,
{
    roster.try_update(|roster| roster.as_mut().map(edit)).flatten()
}

/// What a list of the roster's `shown` rows shows besides them: `None` until the roster has
/// loaded, then whether the list is empty.
///
/// A page's list reads only this, and its `<For>` reads the rows' revisions and keys them by
/// revision (see [`row_record`]): a change to one row then reaches that row alone and leaves
/// the others as they are, with whatever is open in them (a Suspend form someone is typing a
/// reason into). Reading the rows outside the `<For>` would rebuild every row on every event
/// and on every reload.
pub fn list_shape<T>(
    roster: RwSignal<Option<Roster<T>>>,
    shown: impl Fn(&T) -> bool + Send + Sync + 'static,
) -> Memo<Option<bool>>
where
    T: Keyed + Clone + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| roster.with(|roster| roster.as_ref().map(|roster| !roster.items().any(&shown))))
}

/// The record that a list's row keyed by `revision` shows, read once as the row is built: a
/// record that changes gets a new revision, and so a new row.
pub fn row_record<T>(roster: RwSignal<Option<Roster<T>>>, revision: u64) -> Option<T>
where
    T: Keyed + Clone + PartialEq + Send + Sync + 'static,
{
    roster.with_untracked(|roster| roster.as_ref()?.at_revision(revision).cloned())
}

/// A request without a signed-in person fails like an expired session.
pub fn signed_out() -> ApiError {
    ApiError::Unauthenticated
}

/// What every page does after a change it asked the backend for went through: the request
/// named this browser's socket, so the events it caused reach no tab here, and the other tabs'
/// pages load their data again instead (`herald_client::Tabs::acted`).
/// `tabs` is the link as the page found it in its context when it was created.
pub fn after_change(tabs: Option<TabLink>) {
    if let Some(tabs) = tabs {
        tabs.acted();
    }
}

/// What every page does with a failed request besides showing it: a 401 means the token
/// ran out, so the tokens are refreshed (or, where they cannot be, the session is over and
/// the person goes to the login page with that said).
pub fn after_failure(auth: Auth, error: &ApiError) {
    if *error == ApiError::Unauthenticated {
        auth.unauthorized();
    }
}

/// Shows `children` only to `role`; anyone else gets a clear "not allowed" page and never
/// the page's data (its component is not even created).
#[component]
pub fn ForRole(role: Role, children: ChildrenFn) -> impl IntoView {
    let auth = Auth::expect();
    // A memo: a change to the person that keeps their role must not rebuild the page.
    let allowed = Memo::new(move |_| auth.user().is_some_and(|user| user.role == role));
    move || {
        if allowed.get() {
            children().into_any()
        } else {
            view! { <DeadEnd title="Not allowed" reason="Your account cannot see this page." /> }.into_any()
        }
    }
}

/// A page with nothing to show but why, and the way to the person's home page: "Not allowed",
/// "Page not found".
#[component]
pub fn DeadEnd(title: &'static str, reason: &'static str) -> impl IntoView {
    view! {
        <main class="page">
            <section class="card empty">
                <h1>{title}</h1>
                <p>{reason}</p>
                <A href="/">"Go to your home page"</A>
            </section>
        </main>
    }
}
