//! The bodies of the eve-character-data worker's routes (exported as TypeScript by `just types`).

use hub_domain::CharacterId;
use serde::Serialize;

#[cfg(feature = "ts")]
use ts_rs::TS;

/// `GET /api/characters/:id/sync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct CharacterSyncStatus {
    pub character_id: CharacterId,
    pub datasets: Vec<crate::read::DatasetStatus>,
}

/// `GET /api/characters/:id/wallet`: the balance as an exact decimal string, `null` before the first sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct WalletResponse {
    pub character_id: CharacterId,
    pub balance: Option<String>,
}

/// `GET /api/characters/:id/wallet/journal`: newest first; `next_before_id` pages back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct JournalPage {
    pub entries: Vec<crate::read::JournalEntry>,
    pub next_before_id: Option<String>,
}

/// `GET /api/characters/:id/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct TransactionsPage {
    pub transactions: Vec<crate::read::Transaction>,
    pub next_before_id: Option<String>,
}

/// `GET /api/characters/:id/orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct OrdersResponse {
    pub orders: Vec<crate::read::Order>,
}
