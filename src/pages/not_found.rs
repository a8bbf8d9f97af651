//! The page for an address that names no page.

use leptos::prelude::*;

use crate::pages::DeadEnd;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <DeadEnd title="Page not found" reason="There is nothing at this address." /> }
}
