//! The route table: which page each address shows, who may see it, and which pages come in
//! a chunk.
//!
//! `/login` is the only page in the main wasm. Every page a signed-in person sees is a lazy
//! route, and the header around them comes with the services ([`crate::signed_in`]): with the
//! `split` feature (the release build) each is a split point, and `xtask/src/app_build.rs`
//! moves their code into chunks fetched after sign-in (or at once when a reload finds a stored
//! session: `public/start.js`), the pages' in one and the services' in another. Without it
//! (Trunk's development build, the browser unit tests) the same routes are plain async routes
//! in one wasm. A chunk that cannot be fetched is waited for, with a Retry banner
//! ([`crate::components::chunk_retry`]).

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, ProtectedParentRoute, Redirect, Route, Routes};
use leptos_router::{Lazy, LazyRoute, NavigateOptions, path};

use crate::api::Role;
use crate::auth::{Auth, Session};
use crate::pages::login::LoginPage;
use crate::pages::{ForRole, home_path};
use crate::services::ServicesReady;
use crate::signed_in::SignedInViews;

/// Herald's pages, inside the app's `<Router>`. The session decides access to everything but
/// `/login`: while a stored session is being checked a splash shows (never the sign-in form),
/// and a signed-out person is sent to `/login`.
#[component]
pub fn AppRoutes() -> impl IntoView {
    let session = Auth::expect().session();
    // A memo, so the pages are not rebuilt (losing their state) when the session changes
    // without changing access, as when the person edits their profile.
    let access = Memo::new(move |_| match session.get() {
        Session::Restoring => None,
        Session::SignedOut { .. } => Some(false),
        Session::SignedIn(_) => Some(true),
    });
    view! {
            // Every address matches a route (`*any` once signed in), so the fallback never shows.
            <Routes fallback=|| ()>
                <Route path=path!("/login") view=LoginPage />
                <ProtectedParentRoute
                    path=path!("")
                    condition=move || access.get()
                    redirect_path=|| "/login"
                    fallback=|| view! { <p class="splash">"Restoring your session…"</p> }
                    view=Outlet
                >
                    <ParentRoute path=path!("") view={Lazy::<SignedInShell>::new()}>
                        <Route path=path!("") view=RoleHome />
                        <Route path=path!("approvals") view={Lazy::<ApprovalsRoute>::new()} />
                        <Route path=path!("tenant") view={Lazy::<TenantRoute>::new()} />
                        <Route path=path!("account") view={Lazy::<AccountRoute>::new()} />
                        <Route path=path!("notifications") view={Lazy::<NotificationsRoute>::new()} />
                        <Route path=path!("*any") view={Lazy::<NotFoundRoute>::new()} />
                    </ParentRoute>
                </ProtectedParentRoute>
            </Routes>
    }
}

/// Navigation that takes the place of the current history entry, for redirects: Back does not
/// return to a page that only sent the person on (a sign-in page once signed in, `/` before a
/// role's home).
pub fn replacing() -> NavigateOptions {
    NavigateOptions { replace: true, ..NavigateOptions::default() }
}

/// What every signed-in page shares: the header, then the page, once the services and the
/// header are there. Its own code is a `Show` and an `Outlet`, in the main wasm; the header
/// comes in the services' chunk ([`crate::signed_in`]). It is a lazy route all the same, whose
/// `preload` loads that chunk: leptos_router awaits it before it leaves the current page, so
/// signing in keeps the sign-in page on screen until the chunk is there (or while Retry waits
/// for it).
pub struct SignedInShell;

impl LazyRoute for SignedInShell {
    fn data() -> Self {
        SignedInShell
    }

    async fn view(this: Self) -> AnyView {
        let _ = this;
        let ready = ServicesReady::expect();
        view! {
            <Show
                when=move || ready.get()
                fallback=|| view! { <p class="splash">"Restoring your session…"</p> }
            >
                {SignedInViews::expect().header()}
                <Outlet />
            </Show>
        }
        .into_any()
    }

    async fn preload() {
        crate::services::preload().await;
    }
}

/// `/`: sends the signed-in person to their role's home.
#[component]
fn RoleHome() -> impl IntoView {
    let auth = Auth::expect();
    move || auth.user().map(|user| view! { <Redirect path=home_path(user.role) options=replacing() /> })
}

/// Declares a lazy route whose view is `$view`, made by `$view_fn`. With the `split` feature
/// `$view_fn` is a split point in the split module `pages`, which all the pages share: the
/// release build fetches the pages' code as one chunk (with one more for what they share with
/// the services) rather than one per page and per combination of pages that share code, which
/// was 41 files in all. Every chunk is fetched at idle or on reload anyway (`public/start.js`),
/// so smaller pieces bought nothing but requests. (`#[lazy_route]` cannot do this: it names
/// each page's module after the page.) Its `preload` loads the chunk, as `#[lazy_route]`'s
/// does: leptos_router awaits it before it leaves the current page, which so stays on screen
/// while the chunk comes (or while Retry waits for it). Without `split` the same view is an
/// ordinary async one, since a split point only links once the release build's split step has
/// run.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $view_fn:ident => $view:expr) => {
        $(#[$doc])*
        pub struct $route;

        #[cfg(feature = "split")]
        const _: () = {
            #[leptos::wasm_split::wasm_split(
                pages,
                wasm_split_path = ::leptos::wasm_split,
                preload(load_chunk)
            )]
            fn $view_fn(this: $route) -> AnyView {
                let _ = this;
                $view.into_any()
            }

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(this: Self) -> AnyView {
                    $view_fn(this).await
                }

                async fn preload() {
                    load_chunk().await;
                }
            }
        };

        #[cfg(not(feature = "split"))]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(this: Self) -> AnyView {
                let _ = this;
                $view.into_any()
            }
        }
    };
}

lazy_page! {
    /// `/approvals`, for system admins.
    ApprovalsRoute, approvals_view => view! {
        <ForRole role=Role::SystemAdmin><crate::pages::approvals::ApprovalsPage /></ForRole>
    }
}

lazy_page! {
    /// `/tenant`, for tenant admins.
    TenantRoute, tenant_view => view! {
        <ForRole role=Role::TenantAdmin><crate::pages::tenant::TenantPage /></ForRole>
    }
}

lazy_page! {
    /// `/account`, for everyone signed in.
    AccountRoute, account_view => view! { <crate::pages::account::AccountPage /> }
}

lazy_page! {
    /// `/notifications`: the history, for everyone signed in.
    NotificationsRoute, notifications_view => view! { <crate::pages::notifications::NotificationsPage /> }
}

lazy_page! {
    /// Any other address, once signed in.
    NotFoundRoute, not_found_view => view! { <crate::pages::not_found::NotFoundPage /> }
}
