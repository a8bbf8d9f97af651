//! The header every signed-in page shares: who is signed in, the connection, sign-out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::Auth;
use crate::components::connection_badge::ConnectionBadge;

#[component]
pub fn Header() -> impl IntoView {
    let auth = Auth::expect();
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
            <A href="/" attr:class="header__brand">"Herald"</A>
            <ConnectionBadge />
            <div class="header__end">
                {person}
                <button type="button" class="button button--quiet" on:click=move |_| auth.sign_out()>
                    "Sign out"
                </button>
            </div>
        </header>
    }
}
