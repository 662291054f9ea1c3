//! The HTTP API's bodies, gathered from the domain crates that define them, for the TypeScript
//! export (`just types` writes `web/src/api/generated/`; `just test` fails when the committed files
//! drift from these types). Workers never depend on this crate: each uses its own domain's types.
#![forbid(unsafe_code)]

pub use hub_accounts::accounts::{CharacterView, UserSummary, UserView};
pub use hub_accounts::audit::EntryView;
pub use hub_auth::api::*;
pub use hub_chardata::api::*;
pub use hub_corpdata::api::*;
pub use hub_esi::sync::{DatasetRunView, SyncRunReport};
pub use hub_groups::api::*;
pub use hub_http::ApiErrorBody;
pub use hub_notify::api::*;
