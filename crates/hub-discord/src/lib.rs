//! Discord for the hub: the hub's view of who belongs where is the truth, and Discord follows it.
//!
//! - [`accounts`]: one Discord account per user and one user per account, tokens in the vault.
//! - [`guilds`]: the guilds the hub serves, the roles it manages there (read from Discord with the
//!   bot token), and the attachments that entitle users to them.
//! - [`desired`] computes what a user should have in each guild; [`sync`] reads the member and
//!   applies the smallest set of calls.
//! - [`client`] speaks Discord's REST API through [`ratelimit`], the deployment's one limiter.
//! - [`object`] holds the discord worker's objects (each user's syncs [`serialized`]), [`routes`] its routes.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod accounts;
pub mod api;
pub mod client;
pub mod desired;
pub mod guilds;
pub mod object;
pub mod ratelimit;
pub mod routes;
pub mod rpc;
pub mod serialized;
pub mod settings;
pub mod sync;
