//! Accounts: users and their characters, sessions, the audit log and site-admin rights, in
//! Postgres, owned by the core worker. Other services read sessions (authentication) and write
//! through the core worker's [`rpc::Accounts`] interface.
//!
//! - [`session`]: 128-bit session tokens of which only the SHA-256 is stored, idle and absolute
//!   lifetimes, the `__Host-` cookie, and the per-session CSRF token.
//! - [`accounts`]: users and their characters, site-admin bootstrap, transfers.
//! - [`admin`]: site admins granting and revoking the right, and bans.
//! - [`audit`]: the audit log.
//! - [`extract`]: `Session` and `SiteAdmin`, the extractors every authenticated route starts with.
//!
//! Nothing here knows about workerd or a database driver.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod extract;
pub mod rpc;
pub mod secrets;
pub mod session;

pub use extract::{Session, SiteAdmin};
pub use rpc::Accounts;
