//! Durable Object logic, written over the [`hub_ports::SqlStorage`] and [`hub_ports::Clock`] ports so
//! native tests run it against real SQLite (rusqlite) without workerd. Worker crates only wire it up.
#![forbid(unsafe_code)]

pub mod probe;
