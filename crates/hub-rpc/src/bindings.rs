//! Binding names, in one place. They must match the wrangler configs under `wrangler/`.

/// The Hyperdrive binding every worker uses to reach Postgres.
pub const HYPERDRIVE: &str = "HYPERDRIVE";

// Durable Object namespaces, each hosted by the worker of the same name.
pub const CORE_STATE: &str = "CORE_STATE";
/// One object per user: their Discord sync.
pub const DISCORD: &str = "DISCORD";
/// The Discord rate limiter of the deployment's bot, and the reconcile (discord worker).
pub const DISCORD_LIMITER: &str = "DISCORD_LIMITER";
pub const DISCORD_RECONCILER: &str = "DISCORD_RECONCILER";
pub const GROUPS: &str = "GROUPS";
pub const NOTIFICATIONS: &str = "NOTIFICATIONS";
pub const EVE_TOKEN_STORE: &str = "EVE_TOKEN_STORE";
pub const EVE_CHARACTER_DATA: &str = "EVE_CHARACTER_DATA";
/// The ESI error-limit coordinator (hosted by the eve-character-data worker).
pub const ESI_BUDGET: &str = "ESI_BUDGET";
pub const EVE_CORPORATION_DATA: &str = "EVE_CORPORATION_DATA";
pub const EVE_STATIC_DATA: &str = "EVE_STATIC_DATA";

/// The service binding of a worker, as every worker that calls it binds it.
pub fn service_binding(service: hub_domain::Service) -> &'static str {
    use hub_domain::Service;
    match service {
        Service::Core => "CORE_SERVICE",
        Service::Discord => "DISCORD_SERVICE",
        Service::Groups => "GROUPS_SERVICE",
        Service::Notifications => "NOTIFICATIONS_SERVICE",
        Service::EveTokenStore => "EVE_TOKEN_STORE_SERVICE",
        Service::EveCharacterData => "EVE_CHARACTER_DATA_SERVICE",
        Service::EveCorporationData => "EVE_CORPORATION_DATA_SERVICE",
        Service::EveStaticData => "EVE_STATIC_DATA_SERVICE",
        Service::Ui => "UI_SERVICE",
    }
}
