//! One module per page, and the role rules that decide who sees which.

pub mod account;
pub mod approvals;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod tenant;

use leptos::prelude::*;
use leptos_router::components::{A, Redirect};

use crate::api::Role;
use crate::auth::Auth;

/// Where each role lands after signing in.
pub fn home_path(role: Role) -> &'static str {
    match role {
        Role::SystemAdmin => "/approvals",
        Role::TenantAdmin => "/tenant",
        Role::User => "/account",
    }
}

/// `/`: sends the signed-in person to their role's home.
#[component]
pub fn RoleHome() -> impl IntoView {
    let auth = Auth::expect();
    move || auth.user().map(|user| view! { <Redirect path=home_path(user.role) /> })
}

/// Shows `children` only to `role`; anyone else gets a clear "not allowed" page and never
/// the page's data (its component is not even created).
#[component]
pub fn ForRole(role: Role, children: ChildrenFn) -> impl IntoView {
    let auth = Auth::expect();
    move || {
        let allowed = auth.user().is_some_and(|user| user.role == role);
        if allowed { children().into_any() } else { view! { <NotAllowed /> }.into_any() }
    }
}

#[component]
fn NotAllowed() -> impl IntoView {
    view! {
        <main class="page">
            <section class="card empty">
                <h1>"Not allowed"</h1>
                <p>"Your account cannot see this page."</p>
                <A href="/">"Go to your home page"</A>
            </section>
        </main>
    }
}
