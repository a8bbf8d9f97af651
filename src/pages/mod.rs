//! One module per page.

pub mod login;
pub mod not_found;
pub mod overview;
