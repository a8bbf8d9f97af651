//! Catch-up paging: reading back, page by page, the events after a position.
//!
//! The backend's catch-up endpoint answers `{data: [...], next_after}` (CONTRACT.md), oldest
//! first, at most `limit` events a page. [`Paging`] decides what to ask for next and when
//! it is done; the shell does the requests. What an error means is
//! [`crate::Client::handle_page`]'s to decide.

use herald_contract::EventRecord;
use serde::Deserialize;

/// Events asked for per request.
pub const PAGE_SIZE: u32 = 500;

/// At most this many requests per catch-up: more than the history can hold in any case.
pub const MAX_PAGES: usize = 20;

/// One answer of the catch-up endpoint, as the shell's HTTP client decodes it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page {
    /// The events the socket missed, as the contract's records (the answer's `data`).
    #[serde(rename = "data")]
    pub events: Vec<EventRecord>,
    /// Where the next page starts; `None` when there is none.
    #[serde(default)]
    pub next_after: Option<String>,
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// 401: the session is over.
    Unauthenticated,
    /// 422: the backend does not know the position (its data was reset).
    PositionRefused { message: String },
    /// Anything else: the network, a server error, an answer that did not decode.
    Failed { message: String },
}

/// What to do after a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Ask for the page after this position.
    Fetch { after: String },
    /// Every event read back, oldest first.
    Done(Vec<EventRecord>),
}

/// A catch-up in progress: where the next page starts and what was read so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    after: String,
    pages: usize,
    events: Vec<EventRecord>,
}

impl Paging {
    /// A catch-up of what came after `after`; its first request is for [`Paging::after`].
    pub fn new(after: String) -> Paging {
        Paging { after, pages: 0, events: Vec::new() }
    }

    /// Where the page to ask for next starts.
    pub fn after(&self) -> &str {
        &self.after
    }

    /// Takes the answer to the request for [`Paging::after`]. A short page, no `next_after`,
    /// a `next_after` that does not move, or [`MAX_PAGES`] requests end the catch-up.
    pub fn take(&mut self, page: Page) -> Next {
        self.pages += 1;
        let full = page.events.len() >= PAGE_SIZE as usize;
        self.events.extend(page.events);
        match page.next_after {
            Some(next) if full && next != self.after && self.pages < MAX_PAGES => {
                self.after.clone_from(&next);
                Next::Fetch { after: next }
            }
            _ => Next::Done(std::mem::take(&mut self.events)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use herald_contract::EventRecord;

    use crate::catch_up::{MAX_PAGES, Next, PAGE_SIZE, Page, Paging};

    #[test]
    fn a_page_reads_the_endpoints_data_and_next_after() {
        let answer = json!({
            "data": [{"id": "evt-1", "event": "UserCreated", "channel": "private-tenant.1", "data": {}}],
            "next_after": "evt-1",
        });
        let page: Page = serde_json::from_value(answer).expect("the contract's answer decodes");
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].id, "evt-1");
        assert_eq!(page.next_after.as_deref(), Some("evt-1"));
        // A backend may leave `next_after` out on the last page.
        let last: Page = serde_json::from_value(json!({"data": []})).expect("decodes without next_after");
        assert_eq!(last, Page { events: Vec::new(), next_after: None });
    }

    fn events(from: usize, count: usize) -> Vec<EventRecord> {
        (from..from + count)
            .map(|n| EventRecord {
                id: format!("evt-{n}"),
                occurred_at: String::new(),
                event: "UserCreated".into(),
                channel: Some("private-tenant.1".into()),
                data: json!({ "id": format!("evt-{n}") }),
            })
            .collect()
    }

    fn page(from: usize, count: usize, next_after: Option<&str>) -> Page {
        Page { events: events(from, count), next_after: next_after.map(str::to_owned) }
    }

    fn ids(next: Next) -> Vec<String> {
        match next {
            Next::Done(events) => events.iter().map(|e| e.data["id"].as_str().unwrap().to_owned()).collect(),
            Next::Fetch { after } => panic!("asked for another page after {after}"),
        }
    }

    #[test]
    fn a_short_page_is_the_last() {
        let mut paging = Paging::new("evt-0".into());
        assert_eq!(paging.after(), "evt-0");
        let next = paging.take(page(1, 3, Some("evt-3")));
        assert_eq!(ids(next), ["evt-1", "evt-2", "evt-3"]);
    }

    #[test]
    fn full_pages_are_followed_from_next_after_and_gathered_in_order() {
        let size = PAGE_SIZE as usize;
        let mut paging = Paging::new("evt-0".into());
        let first_last = format!("evt-{size}");
        assert_eq!(paging.take(page(1, size, Some(&first_last))), Next::Fetch { after: first_last.clone() });
        assert_eq!(paging.after(), first_last);
        let next = paging.take(page(size + 1, 2, None));
        let read = ids(next);
        assert_eq!(read.len(), size + 2);
        assert_eq!(read.first().map(String::as_str), Some("evt-1"));
        assert_eq!(read.last(), Some(&format!("evt-{}", size + 2)));
    }

    #[test]
    fn a_full_page_without_a_way_on_ends_the_catch_up() {
        let size = PAGE_SIZE as usize;
        // No next_after.
        assert!(
            matches!(Paging::new("a".into()).take(page(1, size, None)), Next::Done(e) if e.len() == size)
        );
        // A next_after that does not move would ask for the same page for ever.
        assert!(matches!(Paging::new("a".into()).take(page(1, size, Some("a"))), Next::Done(_)));
    }

    #[test]
    fn at_most_max_pages_are_asked_for() {
        let size = PAGE_SIZE as usize;
        let mut paging = Paging::new("evt-0".into());
        let mut requests = 1;
        loop {
            let from = (requests - 1) * size + 1;
            let last = format!("evt-{}", from + size - 1);
            match paging.take(page(from, size, Some(&last))) {
                Next::Fetch { after } => {
                    assert_eq!(after, last);
                    requests += 1;
                }
                Next::Done(events) => {
                    assert_eq!(events.len(), MAX_PAGES * size);
                    break;
                }
            }
        }
        assert_eq!(requests, MAX_PAGES);
    }
}
