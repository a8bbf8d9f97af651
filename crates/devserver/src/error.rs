//! Error answers shaped exactly as Laravel sends them.
//!
//! The app (and any Laravel backend it may be pointed at) expects `{"message": "..."}`, plus
//! `"errors": {"field": ["..."]}` on a 422. Every handler returns [`ApiError`] for a client's
//! mistake, so no mistake becomes a 500 or an HTML page.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// An error answer: a status, Laravel's `message`, and for validation failures the messages
/// per field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub errors: FieldErrors,
}

/// Validation messages per field, in the order the fields were checked (as Laravel keeps the
/// order of its rules), not sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, Vec<String>)>);

/// What an extractor that cannot fail (`()`, for routes anyone may call) rejects with.
impl From<std::convert::Infallible> for ApiError {
    fn from(never: std::convert::Infallible) -> ApiError {
        match never {}
    }
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), errors: FieldErrors::default() }
    }

    /// 401, as Laravel's `auth:sanctum` middleware answers.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthenticated.")
    }

    /// 403, as a failed Laravel gate or channel authorization answers.
    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "This action is unauthorized.")
    }

    /// 500 for a fault of the server's own (the database, a stopped task), never for a
    /// client's mistake. The detail goes to the server's log, not to the client.
    pub fn server_error(detail: impl std::fmt::Display) -> ApiError {
        eprintln!("herald-devserver: server error: {detail}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 422 with one message for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        ApiError::validation(errors)
    }

    /// 422 whose `message` is the first field message, followed by "(and N more errors)" when
    /// there are more, as Laravel's `ValidationException` words it.
    pub fn validation(errors: FieldErrors) -> ApiError {
        let first = errors.0.first().and_then(|(_, messages)| messages.first()).cloned();
        let count: usize = errors.0.iter().map(|(_, messages)| messages.len()).sum();
        let message = match (first, count) {
            (None, _) => "The given data was invalid.".to_owned(),
            (Some(first), 0 | 1) => first,
            (Some(first), 2) => format!("{first} (and 1 more error)"),
            (Some(first), more) => format!("{first} (and {} more errors)", more - 1),
        };
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, message, errors }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> ApiError {
        ApiError::server_error(format!("database: {error}"))
    }
}

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        match self.0.iter_mut().find(|(name, _)| name == field) {
            Some((_, messages)) => messages.push(message.into()),
            None => self.0.push((field.to_owned(), vec![message.into()])),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was added, else the 422 that reports everything at once.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() { Ok(()) } else { Err(ApiError::validation(self)) }
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, messages) in &self.0 {
            map.serialize_entry(field, messages)?;
        }
        map.end()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            message: &'a str,
            #[serde(skip_serializing_if = "no_errors")]
            errors: &'a FieldErrors,
        }
        fn no_errors(errors: &&FieldErrors) -> bool {
            errors.is_empty()
        }
        let body = Body { message: &self.message, errors: &self.errors };
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{ApiError, FieldErrors};

    #[test]
    fn the_message_counts_the_other_errors_as_laravel_does() {
        let mut errors = FieldErrors::default();
        errors.add("email", "The email field is required.");
        assert_eq!(ApiError::validation(errors.clone()).message, "The email field is required.");
        errors.add("password", "The password field is required.");
        assert_eq!(
            ApiError::validation(errors.clone()).message,
            "The email field is required. (and 1 more error)"
        );
        errors.add("password", "Another.");
        assert_eq!(ApiError::validation(errors).message, "The email field is required. (and 2 more errors)");
    }
}
