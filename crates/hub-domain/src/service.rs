//! The nine services, with their wire names. Binding names live in `hub-worker::bindings`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    Core,
    Discord,
    Groups,
    Notifications,
    EveTokenStore,
    EveCharacterData,
    EveCorporationData,
    EveStaticData,
    Ui,
}

impl Service {
    pub const ALL: [Service; 9] = [
        Service::Core,
        Service::Discord,
        Service::Groups,
        Service::Notifications,
        Service::EveTokenStore,
        Service::EveCharacterData,
        Service::EveCorporationData,
        Service::EveStaticData,
        Service::Ui,
    ];

    /// The worker's script name, as in its wrangler config.
    pub const fn name(self) -> &'static str {
        match self {
            Service::Core => "core",
            Service::Discord => "discord",
            Service::Groups => "groups",
            Service::Notifications => "notifications",
            Service::EveTokenStore => "eve-token-store",
            Service::EveCharacterData => "eve-character-data",
            Service::EveCorporationData => "eve-corporation-data",
            Service::EveStaticData => "eve-static-data",
            Service::Ui => "ui",
        }
    }

    /// Whether the service hosts a Durable Object class (every one but the ui).
    pub const fn has_durable_object(self) -> bool {
        !matches!(self, Service::Ui)
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Returned when a path names no known service.
#[derive(Debug, thiserror::Error)]
#[error("unknown service `{0}`")]
pub struct UnknownService(pub String);

impl FromStr for Service {
    type Err = UnknownService;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Service::ALL.into_iter().find(|svc| svc.name() == s).ok_or_else(|| UnknownService(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for svc in Service::ALL {
            assert_eq!(svc.name().parse::<Service>().unwrap(), svc);
        }
        assert!("nope".parse::<Service>().is_err());
        assert_eq!(serde_json::to_string(&Service::EveTokenStore).unwrap(), "\"eve-token-store\"");
    }
}
