//! Request bodies read the way Laravel's `$request->input()` reads them.
//!
//! pusher-js posts `/broadcasting/auth` as a form, Herald's app posts JSON, and Laravel
//! accepts either at every route; so does [`Input`]. Like Laravel, a body that does not parse
//! counts as empty, so a malformed body is answered with the same per-field 422 as a missing
//! field rather than with a parser's message. The field checks word their messages as
//! Laravel's validator does ("The email field is required.").

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use herald_contract::signing::is_valid_socket_id;
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldErrors};

/// The fields of a request body, from JSON or a form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Input(Map<String, Value>);

/// Whether a field must be in the body (`required`) or is checked only when sent (`sometimes`,
/// for the partial updates of `PATCH`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Required,
    IfSent,
    /// Checked only when filled: absent, null and blank all count as not given (Laravel's
    /// `nullable` after `ConvertEmptyStringsToNull`), as list filters such as `?status=` are.
    Nullable,
}

/// The longest text a field takes unless it says otherwise: a `VARCHAR(255)` in Laravel's
/// default migrations.
pub const MAX_TEXT: usize = 255;

/// The shortest password a new one may be.
pub const MIN_PASSWORD: usize = 8;

/// The body limit every route shares (see [`crate::router`]).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

impl Input {
    /// Reads `body` according to `content_type`: JSON (`application/json`, `*+json`), a form
    /// (`application/x-www-form-urlencoded`), or, with no content type, whichever parses.
    /// Anything else, and a body that is not a JSON object, is empty input.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Input {
        let essence =
            content_type.map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/json") => Input::from_json(body),
            Some(kind) if kind.ends_with("+json") => Input::from_json(body),
            Some("application/x-www-form-urlencoded") => Input::from_form(body),
            None | Some("") => {
                let json = Input::from_json(body);
                if json.0.is_empty() { Input::from_form(body) } else { json }
            }
            Some(_) => Input::default(),
        }
    }

    /// The parameters of a query string, read like a form.
    pub fn from_query(query: Option<&str>) -> Input {
        Input::from_form(query.unwrap_or_default().as_bytes())
    }

    fn from_json(body: &[u8]) -> Input {
        match serde_json::from_slice(body) {
            Ok(Value::Object(fields)) => Input(fields),
            _ => Input::default(),
        }
    }

    fn from_form(body: &[u8]) -> Input {
        // As in PHP, a repeated key keeps its last value.
        let fields = form_urlencoded::parse(body)
            .map(|(key, value)| (key.into_owned(), Value::String(value.into_owned())))
            .collect();
        Input(fields)
    }

    /// Whether the field was sent at all, whatever its value.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// The field's value, unless it counts as absent for Laravel's `required`: missing, null,
    /// a string of only whitespace, or an empty array or object.
    pub fn filled(&self, field: &str) -> Option<&Value> {
        self.0.get(field).filter(|value| match value {
            Value::Null => false,
            Value::String(text) => !text.trim().is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Object(fields) => !fields.is_empty(),
            Value::Bool(_) | Value::Number(_) => true,
        })
    }

    /// A required string, trimmed as Laravel's `TrimStrings` middleware trims input. Adds
    /// "required" or "must be a string" to `errors` and returns `None` when it is not one.
    pub fn required_string(&self, field: &str, errors: &mut FieldErrors) -> Option<String> {
        self.required_text(field, errors).map(|text| text.trim().to_owned())
    }

    /// A required string kept exactly as sent, for passwords (which `TrimStrings` leaves alone).
    pub fn required_secret(&self, field: &str, errors: &mut FieldErrors) -> Option<String> {
        self.required_text(field, errors).map(str::to_owned)
    }

    fn required_text(&self, field: &str, errors: &mut FieldErrors) -> Option<&str> {
        match self.filled(field) {
            None => {
                errors.add(field, format!("The {} field is required.", label(field)));
                None
            }
            Some(Value::String(text)) => Some(text),
            Some(_) => {
                errors.add(field, format!("The {} field must be a string.", label(field)));
                None
            }
        }
    }

    /// A text field checked as Laravel's `string|max:N` under `required` (`Presence::Required`)
    /// or `sometimes|required` (`Presence::IfSent`: checked only when the body has the field),
    /// trimmed. `None` when absent or invalid; the reason, if any, is added to `errors`.
    pub fn text(
        &self,
        field: &str,
        presence: Presence,
        max_chars: usize,
        errors: &mut FieldErrors,
    ) -> Option<String> {
        if presence == Presence::IfSent && !self.0.contains_key(field) {
            return None;
        }
        if presence == Presence::Nullable && self.filled(field).is_none() {
            return None;
        }
        let text = self.required_string(field, errors)?;
        if text.chars().count() > max_chars {
            errors.add(
                field,
                format!("The {} field must not be greater than {max_chars} characters.", label(field)),
            );
            return None;
        }
        Some(text)
    }

    /// The `reason` of a request that takes nothing else (a suspension): 422 when it is missing
    /// or longer than [`MAX_TEXT`].
    pub fn required_reason(&self) -> Result<String, ApiError> {
        let mut errors = FieldErrors::default();
        let reason = self.text("reason", Presence::Required, MAX_TEXT, &mut errors);
        errors.into_result()?;
        Ok(reason.unwrap_or_default())
    }

    /// A required string that `valid` accepts, as Laravel's `regex:` rule checks a format.
    pub fn formatted(
        &self,
        field: &str,
        valid: fn(&str) -> bool,
        errors: &mut FieldErrors,
    ) -> Option<String> {
        let message = format!("The {} field format is invalid.", label(field));
        check(self.required_string(field, errors), |text| valid(text), field, message, errors)
    }

    /// A text field that must also look like an email address (Laravel's lenient `email` rule).
    pub fn email(&self, field: &str, presence: Presence, errors: &mut FieldErrors) -> Option<String> {
        let email = self.text(field, presence, MAX_TEXT, errors)?;
        if !looks_like_email(&email) {
            errors.add(field, format!("The {} field must be a valid email address.", label(field)));
            return None;
        }
        Some(email)
    }

    /// A text field whose value must be one of `choices` (Laravel's `in:` rule): the matching value.
    pub fn choice<T: Copy>(
        &self,
        field: &str,
        presence: Presence,
        choices: &[(&str, T)],
        errors: &mut FieldErrors,
    ) -> Option<T> {
        let text = self.text(field, presence, MAX_TEXT, errors)?;
        let found = choices.iter().find(|(name, _)| *name == text).map(|(_, value)| *value);
        if found.is_none() {
            errors.add(field, format!("The selected {} is invalid.", label(field)));
        }
        found
    }

    /// A new password as Laravel's `Password::min(8)` and `confirmed` rules check it: at least
    /// 8 characters, at most 255, and the same as `{field}_confirmation`. Kept exactly as sent.
    pub fn new_password(&self, field: &str, errors: &mut FieldErrors) -> Option<String> {
        let password = self.required_secret(field, errors)?;
        let length = password.chars().count();
        if length < MIN_PASSWORD {
            errors.add(
                field,
                format!("The {} field must be at least {MIN_PASSWORD} characters.", label(field)),
            );
            return None;
        }
        if length > MAX_TEXT {
            errors.add(
                field,
                format!("The {} field must not be greater than {MAX_TEXT} characters.", label(field)),
            );
            return None;
        }
        let confirmation = self.0.get(&format!("{field}_confirmation")).and_then(Value::as_str);
        if confirmation != Some(password.as_str()) {
            errors.add(field, format!("The {} field confirmation does not match.", label(field)));
            return None;
        }
        Some(password)
    }

    /// An optional non-negative integer: a JSON number or a string of digits, as Laravel's
    /// `integer` rule accepts. `None` when absent, and also when present but not an integer,
    /// in which case "must be an integer" is added to `errors`.
    pub fn optional_integer(&self, field: &str, errors: &mut FieldErrors) -> Option<u64> {
        let value = self.filled(field)?;
        let integer = match value {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.trim().parse::<u64>().ok(),
            _ => None,
        };
        if integer.is_none() {
            errors.add(field, format!("The {} field must be an integer.", label(field)));
        }
        integer
    }

    /// A required non-negative integer; see [`Input::optional_integer`].
    pub fn required_integer(&self, field: &str, errors: &mut FieldErrors) -> Option<u64> {
        if self.filled(field).is_none() {
            errors.add(field, format!("The {} field is required.", label(field)));
            return None;
        }
        self.optional_integer(field, errors)
    }

    /// A boolean checked only when filled: `None` when absent, null or blank; otherwise as
    /// [`Input::optional_boolean`] reads it (`?unread=1`, `{"read": false}`).
    pub fn filled_boolean(&self, field: &str, errors: &mut FieldErrors) -> Option<bool> {
        self.filled(field)?;
        Some(self.optional_boolean(field, errors))
    }

    /// An optional boolean as Laravel's `boolean` rule takes it: `true`, `false`, `1`, `0`,
    /// `"1"` or `"0"` (a form sends strings); absent or null is `false`. Anything else adds
    /// "must be true or false" to `errors` and counts as `false`.
    pub fn optional_boolean(&self, field: &str, errors: &mut FieldErrors) -> bool {
        let value = match self.0.get(field) {
            None | Some(Value::Null) => return false,
            Some(value) => value,
        };
        let boolean = match value {
            Value::Bool(boolean) => Some(*boolean),
            Value::Number(number) => match number.as_u64() {
                Some(0) => Some(false),
                Some(1) => Some(true),
                _ => None,
            },
            Value::String(text) => match text.as_str() {
                "0" => Some(false),
                "1" => Some(true),
                _ => None,
            },
            _ => None,
        };
        boolean.unwrap_or_else(|| {
            errors.add(field, format!("The {} field must be true or false.", label(field)));
            false
        })
    }

    /// An optional JSON object. Adds "must be an object" and returns `None` for anything else.
    pub fn optional_object(&self, field: &str, errors: &mut FieldErrors) -> Option<Map<String, Value>> {
        match self.0.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Object(fields)) => Some(fields.clone()),
            Some(_) => {
                errors.add(field, format!("The {} field must be an object.", label(field)));
                None
            }
        }
    }
}

/// Laravel's `email` rule in its lenient form: one `@` with something on both sides and no
/// whitespace. Enough to tell a typo from an address; the lookup decides the rest.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// How Laravel names a field in messages: `tenant_id` becomes "tenant id".
pub fn label(field: &str) -> String {
    field.replace('_', " ")
}

/// The socket whose request this is, from the `X-Socket-ID` header Echo adds to the app's
/// requests: the one socket a change's events are not sent to (Laravel's `toOthers()`).
/// A header that is not a socket id is a 422, not silently ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin(Option<String>);

impl Origin {
    pub fn socket_id(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Origin, ApiError> {
        let socket_id = parts
            .headers
            .get("x-socket-id")
            .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
            .filter(|socket_id| !socket_id.is_empty());
        match socket_id {
            Some(socket_id) if !is_valid_socket_id(&socket_id) => {
                Err(ApiError::invalid("socket_id", "The X-Socket-ID header is not a valid socket id."))
            }
            socket_id => Ok(Origin(socket_id)),
        }
    }
}

/// A request that changes data, read in Laravel's order: who is asking and whether they may
/// (`Who`, an extractor answering 401, 404 or 403; `()` where anyone may), the socket it came from ([`Origin`]), then
/// its body ([`Input`], whose fields the route checks for the 422). Laravel's form request.
pub struct ChangeRequest<Who> {
    pub who: Who,
    pub origin: Origin,
    pub input: Input,
}

impl<S, Who> FromRequest<S> for ChangeRequest<Who>
where
    S: Send + Sync,
    Who: FromRequestParts<S> + Send,
    ApiError: From<Who::Rejection>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let who = Who::from_request_parts(&mut parts, state).await?;
        let origin = Origin::from_request_parts(&mut parts, state).await?;
        let input = Input::from_request(Request::from_parts(parts, body), state).await?;
        Ok(ChangeRequest { who, origin, input })
    }
}

/// `value` (a field as one of [`Input`]'s readers gave it) when `valid` holds for it; `None` when
/// it does not, with `message` for `field` in `errors`: a field's own rule beyond the reader's.
pub fn check<T>(
    value: Option<T>,
    valid: impl FnOnce(&T) -> bool,
    field: &str,
    message: impl Into<String>,
    errors: &mut FieldErrors,
) -> Option<T> {
    let value = value?;
    if valid(&value) {
        Some(value)
    } else {
        errors.add(field, message);
        None
    }
}

/// The id in a route such as `/api/users/{user}`: canonical decimal digits, or 404 as
/// Laravel's route-model binding answers any id it cannot find.
pub fn route_id(text: &str) -> Result<u64, ApiError> {
    text.parse::<u64>().ok().filter(|id| id.to_string() == text).ok_or_else(ApiError::not_found)
}

/// Reading the body honours the router's size limit: too large is a 413, not a 500.
impl<S: Send + Sync> FromRequest<S> for Input {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Input, ApiError> {
        let content_type =
            request.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let body = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.")
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "The request body could not be read.")
            }
        })?;
        Ok(Input::parse(content_type.as_deref(), &body))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::FieldErrors;
    use crate::input::Input;

    #[test]
    fn json_and_form_bodies_give_the_same_fields() {
        let json = Input::parse(
            Some("application/json; charset=utf-8"),
            br#"{"socket_id":"1.2","channel_name":"private-user.1"}"#,
        );
        let form = Input::parse(
            Some("application/x-www-form-urlencoded"),
            b"socket_id=1.2&channel_name=private-user.1",
        );
        assert_eq!(json, form);
        assert_eq!(Input::parse(None, b"socket_id=1.2&channel_name=private-user.1"), form);
    }

    #[test]
    fn a_body_that_does_not_parse_is_empty_input() {
        for (content_type, body) in [
            (Some("application/json"), &b"{\"email\":"[..]),
            (Some("application/json"), b"[1, 2]"),
            (Some("text/plain"), b"email=a@b.c"),
        ] {
            assert_eq!(Input::parse(content_type, body), Input::default(), "{body:?}");
        }
    }

    #[test]
    fn required_strings_are_trimmed_except_secrets() {
        let input = Input::parse(
            Some("application/json"),
            json!({"email": "  a@b.c ", "password": " pw ", "blank": "  ", "n": 5}).to_string().as_bytes(),
        );
        let mut errors = FieldErrors::default();
        assert_eq!(input.required_string("email", &mut errors).as_deref(), Some("a@b.c"));
        assert_eq!(input.required_secret("password", &mut errors).as_deref(), Some(" pw "));
        assert_eq!(input.required_string("blank", &mut errors), None);
        assert_eq!(input.required_string("n", &mut errors), None);
        assert_eq!(input.required_integer("missing_id", &mut errors), None);
        let response = crate::error::ApiError::validation(errors);
        assert_eq!(
            serde_json::to_value(&response.errors).unwrap(),
            json!({
                "blank": ["The blank field is required."],
                "n": ["The n field must be a string."],
                "missing_id": ["The missing id field is required."],
            })
        );
    }

    #[test]
    fn integers_may_be_numbers_or_digit_strings() {
        let input = Input::parse(None, br#"{"a": 4, "b": "7", "c": -1, "d": 1.5, "e": "x"}"#);
        let mut errors = FieldErrors::default();
        assert_eq!(input.optional_integer("a", &mut errors), Some(4));
        assert_eq!(input.optional_integer("b", &mut errors), Some(7));
        assert_eq!(input.optional_integer("absent", &mut errors), None);
        assert!(errors.is_empty());
        for field in ["c", "d", "e"] {
            let mut errors = FieldErrors::default();
            assert_eq!(input.optional_integer(field, &mut errors), None, "{field}");
            assert!(!errors.is_empty(), "{field} is reported");
        }
    }

    #[test]
    fn booleans_are_what_laravels_boolean_rule_takes() {
        let input = Input::parse(
            None,
            br#"{"t": true, "f": false, "one": 1, "zero": "0", "null": null, "two": 2, "yes": "yes", "list": []}"#,
        );
        let mut errors = FieldErrors::default();
        let read: Vec<bool> = ["t", "f", "one", "zero", "null", "absent"]
            .map(|field| input.optional_boolean(field, &mut errors))
            .into();
        assert_eq!(read, [true, false, true, false, false, false]);
        assert!(errors.is_empty());
        for field in ["two", "yes", "list"] {
            let mut errors = FieldErrors::default();
            assert!(!input.optional_boolean(field, &mut errors), "{field}");
            let expected = json!({ field: [format!("The {field} field must be true or false.")] });
            assert_eq!(serde_json::to_value(&errors).unwrap(), expected);
        }
        let form = Input::parse(Some("application/x-www-form-urlencoded"), b"remember=1");
        assert!(form.optional_boolean("remember", &mut errors));
    }
}
