//! The header every signed-in page shares: where to go, who is signed in, the connection,
//! the notification bell and sign-out.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Role;
use crate::auth::Auth;
use crate::components::connection_badge::ConnectionBadge;
use crate::notifications::Notifications;

#[component]
pub fn Header() -> impl IntoView {
    let auth = Auth::expect();
    let notifications = Notifications::expect();
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
    let unread = move || notifications.unread();
    let bell_label = move || match unread() {
        0 => "Notifications, none unread".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <header class="header">
            <A href="/" attr:class="header__brand">"Herald"</A>
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
                <A href="/notifications" attr:class="bell" attr:aria-label=bell_label>
                    <svg class="bell__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                        <path
                            d="M12 3a6 6 0 0 0-6 6v3.6L4.3 15.4A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.6L18 12.6V9a6 6 0 0 0-6-6Zm0 19a3 3 0 0 0 2.8-2H9.2A3 3 0 0 0 12 22Z"
                            fill="currentColor"
                        />
                    </svg>
                    <Show when=move || { unread() > 0 }>
                        <span class="bell__count" aria-hidden="true">{unread}</span>
                    </Show>
                </A>
                {person}
                <button type="button" class="button button--quiet" on:click=move |_| auth.sign_out()>
                    "Sign out"
                </button>
            </div>
        </header>
    }
}
