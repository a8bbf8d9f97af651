use crate::router::Link;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <main class="page">
            <section class="card empty">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <Link href="/">"Go to your home page"</Link>
            </section>
        </main>
    }
}
