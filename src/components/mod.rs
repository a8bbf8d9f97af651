//! Pieces of the page shell shared by every page.

pub mod connection_badge;
pub mod feed;
pub mod header;
pub mod toaster;
