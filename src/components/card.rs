//! A card: a page's section, named for assistive technology by its own heading.

use leptos::prelude::*;

/// A `<section class="card">` labelled by its `<h2>` `title`, whose element id is `id` (unique
/// on the page). `wide` spans the page's grid.
#[component]
pub fn Card(
    id: &'static str,
    title: &'static str,
    /// Whether the card spans every column of the page's grid. Default false.
    #[prop(optional)]
    wide: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card" class:card--wide=wide aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {children()}
        </section>
    }
}
