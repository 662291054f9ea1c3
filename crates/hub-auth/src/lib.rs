//! Logging in: single-use, browser-bound login state with PKCE S256 in the core worker's objects
//! ([`oauth`]), the login use case from the callback to the session ([`login`]), and the core
//! worker's routes ([`routes`]).
//!
//! Nothing here knows about workerd or a database driver.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod accounts_service;
pub mod api;
pub mod login;
pub mod oauth;
pub mod object;
pub mod routes;

pub use accounts_service::AccountsService;
pub use routes::routes;
