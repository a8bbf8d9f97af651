//! The views that only a session needs and that are not pages: the header, which the signed-in
//! shell shows, and the toaster, which `Herald` shows on every page once the services exist
//! (the sign-in page too: it says why a session ended).
//!
//! They are made here rather than named where they are shown so that their code is not in the
//! main wasm: with the `split` feature, [`views`] is a split point in the same split module as
//! `services::load` (`signed_in`), so the release build puts the services, the header and the
//! toaster in one chunk, which a signed-in page needs all of anyway. The code that shows them
//! only calls a [`ViewFn`] that `views` made.

use leptos::prelude::*;

use crate::components::header::Header;
use crate::components::toaster::Toaster;

/// The header and the toaster, provided by `Herald` before [`crate::services::ServicesReady`]
/// says so: whatever waits for that may expect them.
#[derive(Clone)]
pub struct SignedInViews {
    header: ViewFn,
    toaster: ViewFn,
}

impl SignedInViews {
    #[track_caller]
    pub fn expect() -> Self {
        expect_context()
    }

    /// The header every signed-in page shares.
    pub fn header(&self) -> AnyView {
        self.header.run()
    }

    /// The toaster, inside the app's `<Router>` (its toasts' links navigate).
    pub fn toaster(&self) -> AnyView {
        self.toaster.run()
    }
}

/// Loads the views' code (the services' chunk in the release build) and makes them.
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(signed_in, wasm_split_path = ::leptos::wasm_split)]
pub fn views() -> SignedInViews {
    make()
}

/// Without the `split` feature there is nothing to fetch.
#[cfg(not(feature = "split"))]
pub async fn views() -> SignedInViews {
    make()
}

fn make() -> SignedInViews {
    SignedInViews {
        header: ViewFn::from(|| view! { <Header /> }),
        toaster: ViewFn::from(|| view! { <Toaster /> }),
    }
}
