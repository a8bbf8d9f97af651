//! The header every signed-in page shares: where to go, who is signed in, the connection,
//! the notification bell and sign-out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Role;
use crate::auth::Auth;
use crate::components::bell::Bell;
use crate::components::connection_badge::ConnectionBadge;

#[component]
pub fn Header() -> impl IntoView {
    let auth = Auth::expect();
    let role = move || auth.user().map(|u| u.role);
    let person = move || {
        auth.user().map(|user| {
            view! {
                <span class="header__person">
                    <span class="header__name">{user.name}</span>
                    <span class="header__role">{user.role.label()}</span>
                </span>
            }
        })
    };
    view! {
        <header class="header">
            <A href="/" exact=true attr:class="header__brand">"Herald"</A>
            <nav class="header__nav" aria-label="Main">
                <Show when=move || role() == Some(Role::SystemAdmin)>
                    <A href="/approvals">"Approvals"</A>
                </Show>
                <Show when=move || role() == Some(Role::TenantAdmin)>
                    <A href="/tenant">"Tenant"</A>
                </Show>
                <A href="/account">"Account"</A>
            </nav>
            <ConnectionBadge />
            <div class="header__end">
                <Bell />
                {person}
                <button type="button" class="button button--quiet" on:click=move |_| auth.sign_out()>
                    "Sign out"
                </button>
            </div>
        </header>
    }
}
