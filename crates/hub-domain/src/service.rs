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

    /// The worker that serves an API path: groups, notifications, character, corporation and static
    /// data, and Discord have their own; core the rest.
    pub fn owning_api_path(path: &str) -> Service {
        let under = |prefix: &str| {
            path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
        };
        if under("/api/groups") || under("/api/invitations") || under("/api/invite") {
            Service::Groups
        } else if under("/api/notifications") {
            Service::Notifications
        } else if under("/api/characters") {
            Service::EveCharacterData
        } else if under("/api/corporations") {
            Service::EveCorporationData
        } else if under("/api/discord") {
            Service::Discord
        } else if under("/api/sde")
            || under("/api/types")
            || under("/api/skills")
            || under("/api/universe")
            || under("/api/names")
        {
            Service::EveStaticData
        } else {
            Service::Core
        }
    }

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

    #[test]
    fn api_paths_go_to_their_owners() {
        assert_eq!(Service::owning_api_path("/api/groups"), Service::Groups);
        assert_eq!(Service::owning_api_path("/api/groups/x/join"), Service::Groups);
        assert_eq!(Service::owning_api_path("/api/invite"), Service::Groups);
        assert_eq!(Service::owning_api_path("/api/inviter"), Service::Core);
        assert_eq!(Service::owning_api_path("/api/notifications/1/read"), Service::Notifications);
        assert_eq!(Service::owning_api_path("/api/characters/1/wallet"), Service::EveCharacterData);
        assert_eq!(Service::owning_api_path("/api/corporations"), Service::EveCorporationData);
        assert_eq!(Service::owning_api_path("/api/discord/me"), Service::Discord);
        assert_eq!(Service::owning_api_path("/api/discordx"), Service::Core);
        assert_eq!(Service::owning_api_path("/api/names"), Service::EveStaticData);
        assert_eq!(Service::owning_api_path("/api/types/34"), Service::EveStaticData);
        assert_eq!(Service::owning_api_path("/api/universe/systems/30000142"), Service::EveStaticData);
        assert_eq!(Service::owning_api_path("/api/namesake"), Service::Core);
        assert_eq!(Service::owning_api_path("/api/users/me"), Service::Core);
    }
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
