//! Corporations as the hub knows them: their public information from ESI (name, ticker, CEO), the
//! registry of managed corporations (the ones the hub serves), the listing a user sees, the
//! recruiting ones, and the member view for their admins.

use hub_domain::{CharacterId, UserId};
use hub_ports::{PgError, PgRow, PgValue, Postgres};
use serde::{Deserialize, Serialize};

pub use hub_esi::sync::PublicCorporation;

/// Stores what ESI said about a corporation just now (also when it was unchanged: the sync time
/// is what keeps its CEO fact fresh).
pub async fn store_public(
    pg: &impl Postgres,
    corporation: i64,
    info: &PublicCorporation,
) -> Result<(), PgError> {
    pg.execute(
        "INSERT INTO eve_corporations (corporation_id, name, ticker, alliance_id, ceo_id, member_count, synced_at)
         VALUES ($1, $2, $3, $4, $5, $6::bigint, now())
         ON CONFLICT (corporation_id) DO UPDATE SET name = excluded.name, ticker = excluded.ticker,
            alliance_id = excluded.alliance_id, ceo_id = excluded.ceo_id, member_count = excluded.member_count,
            synced_at = excluded.synced_at",
        &[
            PgValue::Int(corporation),
            PgValue::Text(info.name.clone()),
            PgValue::Text(info.ticker.clone()),
            info.alliance_id.map_or(PgValue::Null, PgValue::Int),
            info.ceo_id.map_or(PgValue::Null, PgValue::Int),
            info.member_count.map_or(PgValue::Null, PgValue::Int),
        ],
    )
    .await?;
    Ok(())
}

/// How a managed corporation came to be registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RegisteredVia {
    SiteAdmin,
    /// A character holding the Director role logged in.
    DirectorLogin,
}

impl RegisteredVia {
    fn as_str(self) -> &'static str {
        match self {
            RegisteredVia::SiteAdmin => "site_admin",
            RegisteredVia::DirectorLogin => "director_login",
        }
    }

    fn parse(text: &str) -> Result<Self, PgError> {
        match text {
            "site_admin" => Ok(RegisteredVia::SiteAdmin),
            "director_login" => Ok(RegisteredVia::DirectorLogin),
            other => Err(PgError::RowShape(format!("unknown registration `{other}`"))),
        }
    }
}

/// What the hub records about a corporation it serves. The flags are independent yes/no facts
/// admins set, as the registry has them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Managed {
    pub is_member: bool,
    pub is_alt: bool,
    pub is_special: bool,
    pub is_recruiting: bool,
    pub short_description: String,
    pub description: String,
    pub background_sync: bool,
    pub registered_via: RegisteredVia,
    pub created_at_ms: i64,
}

/// A corporation as users see it in listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CorporationSummary {
    pub corporation_id: i64,
    /// `null` until ESI was asked about it.
    pub name: Option<String>,
    pub ticker: Option<String>,
    pub alliance_id: Option<i64>,
    pub member_count: Option<i64>,
    /// `null` when the hub does not serve it.
    pub managed: Option<Managed>,
    /// The caller's characters in it.
    pub my_characters: Vec<MyCharacter>,
    /// Whether the caller administers it (site admin, CEO or Director).
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MyCharacter {
    pub id: CharacterId,
    pub name: String,
}

/// Columns of `eve_corporations e` and `managed_corporations m`, read by [`summary_row`] from `at`.
const SUMMARY_COLUMNS: &str =
    "e.name, e.ticker, e.alliance_id, e.member_count::bigint, m.corporation_id IS NOT NULL,
    coalesce(m.is_member, false), coalesce(m.is_alt, false), coalesce(m.is_special, false),
    coalesce(m.is_recruiting, false), coalesce(m.short_description, ''), coalesce(m.description, ''),
    coalesce(m.background_sync, false), coalesce(m.registered_via, 'site_admin'),
    coalesce((extract(epoch from m.created_at) * 1000)::bigint, 0)";

fn summary_row(corporation_id: i64, row: &PgRow, at: usize) -> Result<CorporationSummary, PgError> {
    let managed = if row.boolean(at + 4)? {
        Some(Managed {
            is_member: row.boolean(at + 5)?,
            is_alt: row.boolean(at + 6)?,
            is_special: row.boolean(at + 7)?,
            is_recruiting: row.boolean(at + 8)?,
            short_description: row.text(at + 9)?,
            description: row.text(at + 10)?,
            background_sync: row.boolean(at + 11)?,
            registered_via: RegisteredVia::parse(&row.text(at + 12)?)?,
            created_at_ms: row.int(at + 13)?,
        })
    } else {
        None
    };
    Ok(CorporationSummary {
        corporation_id,
        name: row.opt_text(at)?,
        ticker: row.opt_text(at + 1)?,
        alliance_id: row.opt_int(at + 2)?,
        member_count: row.opt_int(at + 3)?,
        managed,
        my_characters: Vec::new(),
        is_admin: false,
    })
}

/// The corporations a user sees: those of their own characters and every managed one, by name.
/// `administered` lists the corporations the user administers (see `rights`); a site admin
/// administers all of them.
pub async fn list_for_user(
    pg: &impl Postgres,
    user: UserId,
    site_admin: bool,
    administered: &[i64],
) -> Result<Vec<CorporationSummary>, PgError> {
    let rows = pg
        .query(
            &format!(
                "WITH ids AS (
                    SELECT corporation_id FROM characters WHERE user_id = $1 AND corporation_id IS NOT NULL
                    UNION SELECT corporation_id FROM managed_corporations)
                 SELECT ids.corporation_id, {SUMMARY_COLUMNS},
                    coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name) ORDER BY c.name)
                        FROM characters c WHERE c.user_id = $1 AND c.corporation_id = ids.corporation_id), '[]'::jsonb)
                 FROM ids
                 LEFT JOIN eve_corporations e ON e.corporation_id = ids.corporation_id
                 LEFT JOIN managed_corporations m ON m.corporation_id = ids.corporation_id
                 ORDER BY lower(e.name) NULLS LAST, ids.corporation_id"
            ),
            &[PgValue::Uuid(user.0)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let id = row.int(0)?;
            let mut summary = summary_row(id, row, 1)?;
            summary.my_characters = match row.get(15)? {
                PgValue::Json(v) => serde_json::from_value(v.clone())
                    .map_err(|e| PgError::RowShape(format!("characters: {e}")))?,
                _ => Vec::new(),
            };
            summary.is_admin = site_admin || administered.contains(&id);
            Ok(summary)
        })
        .collect()
}

/// One corporation's summary, or `Ok(None)` when the hub knows nothing about it.
pub async fn summary(pg: &impl Postgres, corporation: i64) -> Result<Option<CorporationSummary>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM (SELECT $1::bigint AS id) ids
                 LEFT JOIN eve_corporations e ON e.corporation_id = ids.id
                 LEFT JOIN managed_corporations m ON m.corporation_id = ids.id
                 WHERE e.corporation_id IS NOT NULL OR m.corporation_id IS NOT NULL"
            ),
            &[PgValue::Int(corporation)],
        )
        .await?;
    rows.first().map(|row| summary_row(corporation, row, 0)).transpose()
}

/// Corporations the hub knows (it asked ESI about them) but does not serve, by name.
pub async fn known_unmanaged(pg: &impl Postgres) -> Result<Vec<CorporationSummary>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT e.corporation_id, {SUMMARY_COLUMNS} FROM eve_corporations e
                 LEFT JOIN managed_corporations m ON m.corporation_id = e.corporation_id
                 WHERE m.corporation_id IS NULL ORDER BY lower(e.name), e.corporation_id LIMIT 500"
            ),
            &[],
        )
        .await?;
    rows.iter().map(|row| summary_row(row.int(0)?, row, 1)).collect()
}

/// The member corporations that recruit, by name: what players browse.
pub async fn recruiting(pg: &impl Postgres) -> Result<Vec<CorporationSummary>, PgError> {
    let rows = pg
        .query(
            &format!(
                "SELECT m.corporation_id, {SUMMARY_COLUMNS} FROM managed_corporations m
                 LEFT JOIN eve_corporations e ON e.corporation_id = m.corporation_id
                 WHERE m.is_member AND m.is_recruiting ORDER BY lower(e.name) NULLS LAST, m.corporation_id"
            ),
            &[],
        )
        .await?;
    rows.iter().map(|row| summary_row(row.int(0)?, row, 1)).collect()
}

/// A managed corporation's flags and texts; absent fields keep their value. Only site admins
/// change `is_member`, `is_alt`, `is_special` and `background_sync`; corporation admins change the
/// rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ManagedPatch {
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_member: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_alt: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_special: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub background_sync: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub is_recruiting: Option<bool>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub short_description: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
}

impl ManagedPatch {
    /// Whether the patch touches a field only site admins may change.
    pub fn needs_site_admin(&self) -> bool {
        self.is_member.is_some()
            || self.is_alt.is_some()
            || self.is_special.is_some()
            || self.background_sync.is_some()
    }

    /// Checks the texts: a short description of at most 280 characters, a full one of at most 5,000.
    pub fn validate(&self) -> Result<(), String> {
        if self.short_description.as_ref().is_some_and(|t| t.chars().count() > 280) {
            return Err("short_description must be at most 280 characters".into());
        }
        if self.description.as_ref().is_some_and(|t| t.chars().count() > 5000) {
            return Err("description must be at most 5000 characters".into());
        }
        Ok(())
    }
}

/// Registers a corporation the hub serves; `Ok(false)` when it already was (nothing changes).
pub async fn register(
    pg: &impl Postgres,
    corporation: i64,
    via: RegisteredVia,
    by: Option<UserId>,
    patch: &ManagedPatch,
) -> Result<bool, PgError> {
    let inserted = pg
        .query(
            "INSERT INTO managed_corporations (corporation_id, registered_via, registered_by, is_member, is_alt, is_special,
                background_sync, is_recruiting, short_description, description)
             VALUES ($1, $2, $3, coalesce($4, false), coalesce($5, false), coalesce($6, false), coalesce($7, true),
                coalesce($8, false), coalesce($9, ''), coalesce($10, ''))
             ON CONFLICT (corporation_id) DO NOTHING RETURNING corporation_id",
            &[
                PgValue::Int(corporation),
                PgValue::Text(via.as_str().into()),
                by.map_or(PgValue::Null, |u| PgValue::Uuid(u.0)),
                opt_bool(patch.is_member),
                opt_bool(patch.is_alt),
                opt_bool(patch.is_special),
                opt_bool(patch.background_sync),
                opt_bool(patch.is_recruiting),
                opt_text(patch.short_description.as_deref()),
                opt_text(patch.description.as_deref()),
            ],
        )
        .await?;
    Ok(!inserted.is_empty())
}

fn opt_bool(value: Option<bool>) -> PgValue {
    value.map_or(PgValue::Null, PgValue::Bool)
}

fn opt_text(value: Option<&str>) -> PgValue {
    value.map_or(PgValue::Null, |t| PgValue::Text(t.trim().to_owned()))
}

/// Applies a patch; `Ok(false)` when the corporation is not managed.
pub async fn update(pg: &impl Postgres, corporation: i64, patch: &ManagedPatch) -> Result<bool, PgError> {
    let changed = pg
        .execute(
            "UPDATE managed_corporations SET is_member = coalesce($2, is_member), is_alt = coalesce($3, is_alt),
                is_special = coalesce($4, is_special), background_sync = coalesce($5, background_sync),
                is_recruiting = coalesce($6, is_recruiting), short_description = coalesce($7, short_description),
                description = coalesce($8, description), updated_at = now()
             WHERE corporation_id = $1",
            &[
                PgValue::Int(corporation),
                opt_bool(patch.is_member),
                opt_bool(patch.is_alt),
                opt_bool(patch.is_special),
                opt_bool(patch.background_sync),
                opt_bool(patch.is_recruiting),
                opt_text(patch.short_description.as_deref()),
                opt_text(patch.description.as_deref()),
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// Stops serving a corporation (its directors and synced data stay until removed); `Ok(false)`
/// when it was not managed.
pub async fn unregister(pg: &impl Postgres, corporation: i64) -> Result<bool, PgError> {
    let removed = pg
        .execute("DELETE FROM managed_corporations WHERE corporation_id = $1", &[PgValue::Int(corporation)])
        .await?;
    Ok(removed == 1)
}

/// Whether the corporation's data syncs by alarm: it is managed with `background_sync`.
pub async fn syncs_in_background(pg: &impl Postgres, corporation: i64) -> Result<bool, PgError> {
    let rows = pg
        .query(
            "SELECT EXISTS (SELECT 1 FROM managed_corporations WHERE corporation_id = $1 AND background_sync)",
            &[PgValue::Int(corporation)],
        )
        .await?;
    rows.first().map_or(Ok(false), |r| r.boolean(0))
}

/// One member of a corporation as its admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberView {
    pub character_id: CharacterId,
    /// Known when the character is on the hub.
    pub character_name: Option<String>,
    pub has_account: bool,
    pub main_character_id: Option<CharacterId>,
    pub main_character_name: Option<String>,
    /// From member tracking.
    pub joined_at_ms: Option<i64>,
    pub last_login_at_ms: Option<i64>,
    pub last_logoff_at_ms: Option<i64>,
}

/// The corporation's members (as its directors last synced them), most recently logged in first.
/// Returns the page and the total.
pub async fn member_view(
    pg: &impl Postgres,
    corporation: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MemberView>, i64), PgError> {
    let ms = |column: &str| format!("(extract(epoch from {column}) * 1000)::bigint");
    let rows = pg
        .query(
            &format!(
                "SELECT m.character_id, c.name, c.user_id IS NOT NULL, mc.id, mc.name, {}, {}, {}, count(*) OVER ()
                 FROM corporation_members m
                 LEFT JOIN characters c ON c.id = m.character_id
                 LEFT JOIN users u ON u.id = c.user_id
                 LEFT JOIN characters mc ON mc.id = u.main_character_id
                 LEFT JOIN corporation_member_tracking t
                    ON t.corporation_id = m.corporation_id AND t.character_id = m.character_id
                 WHERE m.corporation_id = $1
                 ORDER BY t.logon_date DESC NULLS LAST, m.character_id LIMIT $2 OFFSET $3",
                ms("t.start_date"),
                ms("t.logon_date"),
                ms("t.logoff_date")
            ),
            &[PgValue::Int(corporation), PgValue::Int(limit), PgValue::Int(offset)],
        )
        .await?;
    let total = rows.first().map_or(Ok(0), |r| r.int(8))?;
    let members = rows
        .iter()
        .map(|r| {
            Ok(MemberView {
                character_id: CharacterId(r.int(0)?),
                character_name: r.opt_text(1)?,
                has_account: r.boolean(2)?,
                main_character_id: r.opt_int(3)?.map(CharacterId),
                main_character_name: r.opt_text(4)?,
                joined_at_ms: r.opt_int(5)?,
                last_login_at_ms: r.opt_int(6)?,
                last_logoff_at_ms: r.opt_int(7)?,
            })
        })
        .collect::<Result<_, PgError>>()?;
    Ok((members, total))
}
