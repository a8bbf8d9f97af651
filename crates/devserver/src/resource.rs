//! Laravel's API resources: what a route answers with, wrapped as `{"data": …}`.
//!
//! A route that answers with records says so by its return type, [`Data`] or (for a record it
//! made) [`Created`], so the wrapper is written once. Catch-up, which adds `next_after`, and
//! the cursor pages (`herald_contract::CursorPage`: `next_cursor`, `prev_cursor`, `per_page`)
//! are the answers with more beside `data`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// 200 with `{"data": …}`.
#[derive(Debug)]
pub struct Data<T>(pub T);

/// 201 with `{"data": …}`: the record the request made.
#[derive(Debug)]
pub struct Created<T>(pub T);

#[derive(Serialize)]
struct Wrapped<T> {
    data: T,
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        Json(Wrapped { data: self.0 }).into_response()
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Data(self.0)).into_response()
    }
}
