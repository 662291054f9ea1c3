//! The interfaces of the objects that sync EVE data through ESI, one per character and one per
//! corporation. They call each other (a character's sync reports its corporation membership; a
//! director's registration asks for the character's roles), so both are declared here, below
//! hub-chardata and hub-corpdata.

use hub_domain::{CharacterId, CharacterRequest, CorporationId, CorporationRequest, UserId};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ts")]
use ts_rs::TS;

/// `POST /api/characters/:id/sync` and `POST /api/corporations/:id/sync`, and the objects'
/// `sync_now`: how each dataset went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct SyncRunReport {
    pub datasets: Vec<DatasetRunView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
pub struct DatasetRunView {
    pub dataset: String,
    pub status: String,
    pub message: Option<String>,
}

/// `GET /corporations/{id}/` as far as the hub needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCorporation {
    pub name: String,
    pub ticker: String,
    pub ceo_id: Option<i64>,
    pub alliance_id: Option<i64>,
    pub member_count: Option<i64>,
}

impl PublicCorporation {
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

/// A character that its own sync found in a corporation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedMember {
    pub corporation_id: CorporationId,
    pub character_id: CharacterId,
    pub owner: Option<UserId>,
    /// Its roles, just read with its own token, include Director.
    pub director: bool,
}

hub_rpc::rpc_interface! {
    /// Served by the eve-character-data worker's `EveCharacterData` object, one per character.
    pub interface CharacterSync as "character-sync", handler CharacterSyncHandler, client CharacterSyncClient, object EVE_CHARACTER_DATA by CharacterId {
        /// Starts (or resumes) syncing the character: every dataset is due now.
        fn start(CharacterRequest) -> ();
        /// Syncs every dataset now, whatever its schedule, and reports how it went.
        fn sync_now(CharacterRequest) -> SyncRunReport;
        /// Reads the character's corporation and roles from ESI now (a director's registration
        /// verifies them); the facts land in Postgres.
        fn refresh_roles(CharacterRequest) -> ();
    }
}

hub_rpc::rpc_interface! {
    /// Served by the eve-corporation-data worker's `EveCorporationData` object, one per corporation.
    pub interface CorporationSync as "corporation-sync", handler CorporationSyncHandler, client CorporationSyncClient, object EVE_CORPORATION_DATA by CorporationId {
        /// Syncs the corporation's datasets now through its directors and reports how it went;
        /// concurrent calls share one run.
        fn sync_now(CorporationRequest) -> SyncRunReport;
        /// Refreshes the corporation's public information (name, ticker, CEO) from ESI, honouring
        /// its `Expires`; `None` when ESI knows no such corporation.
        fn refresh_info(CorporationRequest) -> Option<PublicCorporation>;
        /// A character's sync saw it in this corporation: the public information is refreshed (the
        /// CEO fact stays fresh), and a Director logging in registers the corporation.
        fn observe_member(ObservedMember) -> ();
    }
}
