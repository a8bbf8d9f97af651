//! Cursor paging as Laravel's `cursorPaginate` does it: keyset pagination over one integer
//! key, newest (highest) first, with opaque cursors.
//!
//! A page is read from the key of the row the last page ended on, never from an offset, so a
//! row inserted while someone pages (it gets a higher key, and lands before their first page)
//! neither repeats a row nor hides one. A cursor is what Laravel's is: base64url (no padding)
//! of `{"id": <key>, "_pointsToNextItems": <bool>}`; clients send it back as it is, and one that
//! does not decode is a 422. The lists answer [`herald_contract::CursorPage`]; the store runs
//! the query a [`PageRequest`] describes ([`Keyset`]), and [`PageRequest::page`] turns what it
//! read into the answer.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use herald_contract::CursorPage;
use herald_contract::feed::{DEFAULT_PER_PAGE, MAX_PER_PAGE};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::input::Input;

/// Which page a request asks for: where to start, and how many rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// `None`: the first page (the newest rows).
    pub cursor: Option<Cursor>,
    /// 1 to [`MAX_PER_PAGE`]; [`DEFAULT_PER_PAGE`] unless the request says.
    pub per_page: u32,
}

/// A position in a list: the key of a row, and which way from it the page goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    /// `true`: the rows after this one (older, `next_cursor`); `false`: the rows before it
    /// (newer, `prev_cursor`).
    pub points_to_next: bool,
}

/// What the store reads for a [`PageRequest`]: rows whose key is beyond `after` (`key <
/// after` going to older rows, `key > after` going to newer), in `descending` or ascending
/// key order, at most `limit` (one more than the page, to know whether there are more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keyset {
    pub after: Option<i64>,
    pub descending: bool,
    pub limit: i64,
}

/// The cursor as Laravel encodes it, field for field.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCursor {
    id: i64,
    #[serde(rename = "_pointsToNextItems")]
    points_to_next_items: bool,
}

/// base64url, without padding when encoding; with or without it when decoding.
const CURSOR_ENCODING: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

impl Cursor {
    pub fn encode(self) -> String {
        let wire = WireCursor { id: self.key, points_to_next_items: self.points_to_next };
        CURSOR_ENCODING.encode(serde_json::to_vec(&wire).unwrap_or_default())
    }

    /// The cursor `text` encodes, or `None` for anything this server did not hand out.
    pub fn decode(text: &str) -> Option<Cursor> {
        let bytes = CURSOR_ENCODING.decode(text.trim()).ok()?;
        let wire: WireCursor = serde_json::from_slice(&bytes).ok()?;
        (wire.id >= 0).then_some(Cursor { key: wire.id, points_to_next: wire.points_to_next_items })
    }
}

impl PageRequest {
    /// `cursor` and `per_page` from a query string. A blank one counts as absent (Laravel's
    /// `ConvertEmptyStringsToNull`); a cursor that does not decode, or a `per_page` that is not
    /// 1 to [`MAX_PER_PAGE`], adds its message to `errors`.
    pub fn read(query: &Input, errors: &mut FieldErrors) -> PageRequest {
        let cursor = match query.filled("cursor") {
            None => None,
            Some(value) => {
                let cursor = value.as_str().and_then(Cursor::decode);
                if cursor.is_none() {
                    errors.add("cursor", "The selected cursor is invalid.");
                }
                cursor
            }
        };
        let per_page = match query.optional_integer("per_page", errors) {
            Some(per_page) if (1..=u64::from(MAX_PER_PAGE)).contains(&per_page) => per_page as u32,
            Some(_) => {
                errors.add("per_page", format!("The per page field must be between 1 and {MAX_PER_PAGE}."));
                DEFAULT_PER_PAGE
            }
            None => DEFAULT_PER_PAGE,
        };
        PageRequest { cursor, per_page }
    }

    /// The rows to read for this page.
    pub fn keyset(&self) -> Keyset {
        let limit = i64::from(self.per_page) + 1;
        match self.cursor {
            None => Keyset { after: None, descending: true, limit },
            Some(Cursor { key, points_to_next }) => {
                Keyset { after: Some(key), descending: points_to_next, limit }
            }
        }
    }

    /// The answer for the rows [`PageRequest::keyset`] read, each with its key, in the order
    /// read. Cursors are set as Laravel sets them: no `prev_cursor` on the first page, no
    /// `next_cursor` on the last, and none on an empty page.
    pub fn page<T>(&self, mut rows: Vec<(i64, T)>) -> CursorPage<T> {
        let per_page = self.per_page as usize;
        let more = rows.len() > per_page;
        rows.truncate(per_page);
        let going_back = self.cursor.is_some_and(|cursor| !cursor.points_to_next);
        if going_back {
            rows.reverse();
        }
        let (has_next, has_prev) = match self.cursor {
            None => (more, false),
            Some(Cursor { points_to_next: true, .. }) => (more, true),
            Some(Cursor { points_to_next: false, .. }) => (true, more),
        };
        let at = |row: Option<&(i64, T)>, points_to_next: bool, wanted: bool| {
            row.filter(|_| wanted).map(|(key, _)| Cursor { key: *key, points_to_next }.encode())
        };
        let next_cursor = at(rows.last(), true, has_next);
        let prev_cursor = at(rows.first(), false, has_prev);
        CursorPage {
            data: rows.into_iter().map(|(_, row)| row).collect(),
            next_cursor,
            prev_cursor,
            per_page: self.per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::error::FieldErrors;
    use crate::input::Input;
    use crate::paging::{Cursor, Keyset, PageRequest};

    fn read(query: &str) -> Result<PageRequest, serde_json::Value> {
        let mut errors = FieldErrors::default();
        let request = PageRequest::read(&Input::from_query(Some(query)), &mut errors);
        if errors.is_empty() { Ok(request) } else { Err(serde_json::to_value(&errors).unwrap()) }
    }

    #[test]
    fn cursors_are_laravels_and_round_trip() {
        let cursor = Cursor { key: 15, points_to_next: true };
        // base64url of {"id":15,"_pointsToNextItems":true}, as Laravel's Cursor::encode gives it.
        assert_eq!(cursor.encode(), "eyJpZCI6MTUsIl9wb2ludHNUb05leHRJdGVtcyI6dHJ1ZX0");
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("eyJpZCI6MTUsIl9wb2ludHNUb05leHRJdGVtcyI6dHJ1ZX0="), Some(cursor));
        for bad in
            ["", "abc", "eyJpZCI6LTF9", "bnVsbA", "eyJpZCI6MSwiX3BvaW50c1RvTmV4dEl0ZW1zIjp0cnVlLCJ4IjoxfQ"]
        {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn per_page_and_cursor_are_checked() {
        assert_eq!(read(""), Ok(PageRequest { cursor: None, per_page: 50 }));
        assert_eq!(read("per_page=&cursor="), Ok(PageRequest { cursor: None, per_page: 50 }));
        assert_eq!(read("per_page=100").unwrap().per_page, 100);
        assert_eq!(
            read("per_page=101"),
            Err(json!({"per_page": ["The per page field must be between 1 and 100."]}))
        );
        assert_eq!(
            read("per_page=0"),
            Err(json!({"per_page": ["The per page field must be between 1 and 100."]}))
        );
        assert_eq!(read("per_page=x"), Err(json!({"per_page": ["The per page field must be an integer."]})));
        assert_eq!(read("cursor=nope"), Err(json!({"cursor": ["The selected cursor is invalid."]})));
    }

    #[test]
    fn pages_set_their_cursors_as_laravel_does() {
        let rows = |keys: &[i64]| keys.iter().map(|&key| (key, key)).collect::<Vec<_>>();
        let first = PageRequest { cursor: None, per_page: 2 };
        assert_eq!(first.keyset(), Keyset { after: None, descending: true, limit: 3 });
        let page = first.page(rows(&[9, 8, 7]));
        assert_eq!(page.data, [9, 8]);
        assert_eq!(
            (page.prev_cursor, page.next_cursor.as_deref().and_then(Cursor::decode)),
            (None, Some(Cursor { key: 8, points_to_next: true }))
        );
        let last = PageRequest { cursor: Some(Cursor { key: 8, points_to_next: true }), per_page: 2 }
            .page(rows(&[7]));
        assert_eq!(last.data, [7]);
        assert_eq!(last.next_cursor, None);
        assert_eq!(
            last.prev_cursor.as_deref().and_then(Cursor::decode),
            Some(Cursor { key: 7, points_to_next: false })
        );
        // Going back from 7: read ascending (8, 9, 10), shown newest first, with more before.
        let back = PageRequest { cursor: Some(Cursor { key: 7, points_to_next: false }), per_page: 2 };
        assert_eq!(back.keyset(), Keyset { after: Some(7), descending: false, limit: 3 });
        let page = back.page(rows(&[8, 9, 10]));
        assert_eq!(page.data, [9, 8]);
        assert_eq!(
            page.next_cursor.as_deref().and_then(Cursor::decode),
            Some(Cursor { key: 8, points_to_next: true })
        );
        assert_eq!(
            page.prev_cursor.as_deref().and_then(Cursor::decode),
            Some(Cursor { key: 9, points_to_next: false })
        );
        let empty = first.page(Vec::<(i64, i64)>::new());
        assert_eq!((empty.next_cursor, empty.prev_cursor), (None, None));
    }
}
