//! Newtypes for identifiers, so a character id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A user of the hub (one person, many characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserId(pub Uuid);

impl UserId {
    pub fn new(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for UserId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

macro_rules! eve_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// EVE ids fit in `i64` (Postgres `BIGINT`). In JSON they are numbers: every EVE entity id
        /// in use is far below 2^53, unlike item ids and ISK amounts, which travel as strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>().map(Self)
            }
        }
    };
}

eve_id!(
    /// An EVE Online character id.
    CharacterId
);
eve_id!(
    /// An EVE Online corporation id.
    CorporationId
);

/// A call about one character (to its token store, its sync object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterRequest {
    pub character_id: CharacterId,
}

/// A call about one corporation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorporationRequest {
    pub corporation_id: CorporationId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_json_and_text() {
        let c: CharacterId = "2112625428".parse().unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "2112625428");
        let u = UserId::new(Uuid::nil());
        let back: UserId = u.to_string().parse().unwrap();
        assert_eq!(back, u);
        assert!("not-a-number".parse::<CharacterId>().is_err());
    }
}
