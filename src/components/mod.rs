//! Pieces of the page shell shared by every page.

pub mod bell;
pub mod card;
pub mod chunk_retry;
pub mod connection_badge;
pub mod feed;
pub mod forms;
pub mod header;
pub mod toaster;
