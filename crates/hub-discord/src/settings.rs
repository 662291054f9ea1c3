//! The deployment's Discord settings: the application (`DISCORD_CLIENT_ID`, `DISCORD_CLIENT_SECRET`,
//! both secrets), the bot (`DISCORD_BOT_TOKEN`, a secret), and the URLs (Discord's by default; the
//! local peer's in tests and the demo).

use hub_sso::client::ClientConfig;

const DEFAULT_API_BASE: &str = "https://discord.com/api/v10";
const DEFAULT_AUTHORIZE_URL: &str = "https://discord.com/oauth2/authorize";
const DEFAULT_TOKEN_URL: &str = "https://discord.com/api/oauth2/token";
const DEFAULT_REVOKE_URL: &str = "https://discord.com/api/oauth2/token/revoke";
/// What linking asks for: who the user is, and adding them to guilds.
pub const SCOPES: [&str; 2] = ["identify", "guilds.join"];
/// How often every linked member is read and repaired (`DISCORD_RECONCILE_INTERVAL_SECS`).
pub const DEFAULT_RECONCILE_INTERVAL_SECS: i64 = 86_400;

/// A setting that is missing or blank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Discord is not configured: {0} is missing")]
pub struct MissingSetting(pub &'static str);

#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// `https://discord.com/api/v10`, without a trailing slash.
    pub api_base: String,
    pub bot_token: String,
    /// OAuth2 for linking (redirect `<PUBLIC_ORIGIN>/api/discord/callback`).
    pub client: ClientConfig,
    pub reconcile_interval_secs: i64,
}

impl DiscordConfig {
    pub fn from_settings(setting: impl Fn(&str) -> Option<String>) -> Result<Self, MissingSetting> {
        let var = |name: &str| setting(name).filter(|v| !v.trim().is_empty());
        let origin = hub_app::public_origin(&setting).ok_or(MissingSetting("PUBLIC_ORIGIN"))?;
        Ok(Self {
            api_base: var("DISCORD_API_BASE")
                .unwrap_or_else(|| DEFAULT_API_BASE.into())
                .trim_end_matches('/')
                .to_owned(),
            bot_token: var("DISCORD_BOT_TOKEN").ok_or(MissingSetting("DISCORD_BOT_TOKEN"))?,
            client: ClientConfig {
                authorize_url: var("DISCORD_AUTHORIZE_URL").unwrap_or_else(|| DEFAULT_AUTHORIZE_URL.into()),
                token_url: var("DISCORD_TOKEN_URL").unwrap_or_else(|| DEFAULT_TOKEN_URL.into()),
                revoke_url: var("DISCORD_REVOKE_URL").unwrap_or_else(|| DEFAULT_REVOKE_URL.into()),
                client_id: var("DISCORD_CLIENT_ID").ok_or(MissingSetting("DISCORD_CLIENT_ID"))?,
                client_secret: var("DISCORD_CLIENT_SECRET").ok_or(MissingSetting("DISCORD_CLIENT_SECRET"))?,
                redirect_uri: format!("{origin}/api/discord/callback"),
            },
            reconcile_interval_secs: var("DISCORD_RECONCILE_INTERVAL_SECS")
                .and_then(|v| v.parse().ok())
                .filter(|v| *v >= 60)
                .unwrap_or(DEFAULT_RECONCILE_INTERVAL_SECS),
        })
    }
}
