//! Static data and names for the eve-static-data worker: the imported SDE (types, skills, systems,
//! stations) read from Postgres, and names for any mix of ids (the SDE, the entity cache of players'
//! characters, corporations and alliances filled from ESI, Workers KV in front), and player
//! structures named with the asking user's own tokens.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod api;
pub mod names;
pub mod read;
pub mod resolver;
pub mod routes;
pub mod structures;
