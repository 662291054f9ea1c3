//! Loading a parsed SDE into Postgres: every table COPYed into a fresh staging schema, then the staging
//! schema swapped for `sde` in one transaction. Readers see the old import until the commit and the new
//! one after it; an import that dies before the commit leaves the old data serving (and its staging
//! schema is dropped by the next import).

use crate::records::Text;
use crate::sde::{Build, Sde};
use futures::SinkExt;
use std::fmt::Write as _;
use tokio_postgres::Client;

/// One import at a time per database (`pg_try_advisory_lock`).
const IMPORT_LOCK: i64 = 0x5344_455f_494d_5054; // "SDE_IMPT"
const STAGING: &str = "sde_staging";
const RETIRED: &str = "sde_retired";

/// The tables of the `sde` schema, in load order.
pub const TABLES: [&str; 15] = [
    "build",
    "categories",
    "groups",
    "market_groups",
    "types",
    "skills",
    "required_skills",
    "dogma_attributes",
    "factions",
    "regions",
    "constellations",
    "solar_systems",
    "station_operations",
    "npc_corporations",
    "npc_stations",
];

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("another SDE import is running on this database")]
    Busy,
    #[error("the SDE has no build number (no `_sde.jsonl` record and none given)")]
    NoBuild,
    #[error("stopped: {0}")]
    Stopped(String),
}

/// Rows loaded per table.
pub type RowCounts = Vec<(&'static str, u64)>;

/// The build that serves now, if any.
pub async fn current_build(client: &Client) -> Result<Option<i64>, LoadError> {
    let row = client.query_opt("SELECT build_number FROM sde.build LIMIT 1", &[]).await?;
    Ok(row.map(|r| r.get(0)))
}

/// Loads `sde` as build `build` and swaps it in. `checkpoint` runs after each table is staged (tests use
/// it to stop an import midway).
pub async fn load(
    client: &mut Client,
    sde: &Sde,
    build: &Build,
    source: &str,
    mut checkpoint: impl FnMut(&str) -> Result<(), String>,
) -> Result<RowCounts, LoadError> {
    let locked: bool = client.query_one("SELECT pg_try_advisory_lock($1)", &[&IMPORT_LOCK]).await?.get(0);
    if !locked {
        return Err(LoadError::Busy);
    }
    let result = stage_and_swap(client, sde, build, source, &mut checkpoint).await;
    // The lock is the session's: released here, or by the connection's end if this process dies.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&IMPORT_LOCK]).await;
    result
}

async fn stage_and_swap(
    client: &mut Client,
    sde: &Sde,
    build: &Build,
    source: &str,
    checkpoint: &mut impl FnMut(&str) -> Result<(), String>,
) -> Result<RowCounts, LoadError> {
    let mut ddl = format!("DROP SCHEMA IF EXISTS {STAGING} CASCADE; CREATE SCHEMA {STAGING};");
    for table in TABLES {
        let _ = write!(ddl, "CREATE TABLE {STAGING}.{table} (LIKE sde.{table} INCLUDING ALL);");
    }
    client.batch_execute(&ddl).await?;
    let mut counts = Vec::with_capacity(TABLES.len());
    for table in TABLES.iter().skip(1) {
        let (columns, rows) = copy_rows(sde, table);
        let loaded = copy(client, table, columns, &rows).await?;
        counts.push((*table, loaded));
        checkpoint(table).map_err(LoadError::Stopped)?;
    }
    let row_counts = serde_json::Value::Object(
        counts.iter().map(|(t, n)| ((*t).to_owned(), serde_json::Value::from(*n))).collect(),
    );
    client
        .execute(
            &format!(
                "INSERT INTO {STAGING}.build (build_number, release_date, source, row_counts, skipped)
                 VALUES ($1, $2, $3, $4, $5)"
            ),
            &[&build.number, &build.release_date, &source, &row_counts, &sde.skipped.to_json()],
        )
        .await?;
    counts.insert(0, ("build", 1));
    checkpoint("swap").map_err(LoadError::Stopped)?;
    let swap = client.transaction().await?;
    swap.batch_execute(&format!(
        "ALTER SCHEMA sde RENAME TO {RETIRED};
         ALTER SCHEMA {STAGING} RENAME TO sde;
         DROP SCHEMA {RETIRED} CASCADE;"
    ))
    .await?;
    swap.commit().await?;
    Ok(counts)
}

/// COPY text format: tab-separated, `\N` for null, backslash escapes.
#[derive(Clone, Copy)]
enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(&'a str),
    Json(&'a serde_json::Value),
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<Option<i64>> for Cell<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null, Cell::Int)
    }
}

impl From<Option<f64>> for Cell<'_> {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::Float)
    }
}

impl From<f64> for Cell<'_> {
    fn from(v: f64) -> Self {
        Cell::Float(v)
    }
}

impl From<bool> for Cell<'_> {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Str(v)
    }
}

impl<'a> From<&'a Option<String>> for Cell<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().map_or(Cell::Null, Cell::Str)
    }
}

fn push_cell(out: &mut String, cell: Cell<'_>) {
    match cell {
        Cell::Null => out.push_str("\\N"),
        Cell::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Cell::Float(v) => {
            let _ = write!(out, "{v}");
        }
        Cell::Bool(v) => out.push(if v { 't' } else { 'f' }),
        Cell::Str(s) => escape(out, s),
        Cell::Json(v) => escape(out, &v.to_string()),
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn text(t: &Text) -> [Cell<'_>; 2] {
    [Cell::Str(&t.en), Cell::Json(&t.all)]
}

/// One table's columns and its rows as COPY text.
#[allow(clippy::too_many_lines)]
fn copy_rows(sde: &Sde, table: &str) -> (&'static str, String) {
    let mut out = String::new();
    let mut row = |cells: &[Cell<'_>]| {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            push_cell(&mut out, *cell);
        }
        out.push('\n');
    };
    let columns = match table {
        "categories" => {
            for c in &sde.categories {
                let [n, ns] = text(&c.name);
                row(&[c.id.into(), n, ns, c.published.into()]);
            }
            "category_id, name, names, published"
        }
        "groups" => {
            for g in &sde.groups {
                let [n, ns] = text(&g.name);
                row(&[g.id.into(), g.category_id.into(), n, ns, g.published.into()]);
            }
            "group_id, category_id, name, names, published"
        }
        "market_groups" => {
            for g in &sde.market_groups {
                let [n, ns] = text(&g.name);
                row(&[g.id.into(), g.parent_id.into(), n, ns]);
            }
            "market_group_id, parent_group_id, name, names"
        }
        "types" => {
            for t in &sde.types {
                let [n, ns] = text(&t.name);
                row(&[
                    t.id.into(),
                    t.group_id.into(),
                    t.market_group_id.into(),
                    n,
                    ns,
                    t.published.into(),
                    t.volume.into(),
                ]);
            }
            "type_id, group_id, market_group_id, name, names, published, volume"
        }
        "skills" => {
            for s in &sde.skills {
                row(&[
                    s.type_id.into(),
                    s.rank.into(),
                    s.primary_attribute.into(),
                    s.secondary_attribute.into(),
                ]);
            }
            "type_id, rank, primary_attribute, secondary_attribute"
        }
        "required_skills" => {
            for q in &sde.required_skills {
                row(&[q.type_id.into(), q.skill_id.into(), q.level.into()]);
            }
            "type_id, skill_id, level"
        }
        "dogma_attributes" => {
            for a in &sde.dogma_attributes {
                row(&[a.id.into(), a.name.as_str().into(), (&a.display_name).into()]);
            }
            "attribute_id, name, display_name"
        }
        "factions" => {
            for f in &sde.factions {
                let [n, ns] = text(&f.name);
                row(&[f.id.into(), n, ns, f.corporation_id.into()]);
            }
            "faction_id, name, names, corporation_id"
        }
        "regions" => {
            for r in &sde.regions {
                let [n, ns] = text(&r.name);
                row(&[r.id.into(), n, ns, r.faction_id.into()]);
            }
            "region_id, name, names, faction_id"
        }
        "constellations" => {
            for c in &sde.constellations {
                let [n, ns] = text(&c.name);
                row(&[c.id.into(), c.region_id.into(), n, ns]);
            }
            "constellation_id, region_id, name, names"
        }
        "solar_systems" => {
            for s in &sde.solar_systems {
                let [n, ns] = text(&s.name);
                row(&[s.id.into(), s.constellation_id.into(), s.region_id.into(), n, ns, s.security.into()]);
            }
            "solar_system_id, constellation_id, region_id, name, names, security"
        }
        "station_operations" => {
            for o in &sde.station_operations {
                let [n, ns] = text(&o.name);
                row(&[o.id.into(), n, ns]);
            }
            "operation_id, name, names"
        }
        "npc_corporations" => {
            for c in &sde.npc_corporations {
                let [n, ns] = text(&c.name);
                row(&[c.id.into(), n, ns, (&c.ticker).into(), c.faction_id.into()]);
            }
            "corporation_id, name, names, ticker, faction_id"
        }
        "npc_stations" => {
            for s in &sde.npc_stations {
                row(&[
                    s.id.into(),
                    s.solar_system_id.into(),
                    s.type_id.into(),
                    s.owner_id.into(),
                    s.operation_id.into(),
                    s.name.as_str().into(),
                ]);
            }
            "station_id, solar_system_id, type_id, owner_id, operation_id, name"
        }
        other => unreachable!("no rows for table {other}"),
    };
    (columns, out)
}

/// COPYs the rows into the staging table, in chunks of about a megabyte.
async fn copy(client: &Client, table: &str, columns: &str, rows: &str) -> Result<u64, LoadError> {
    const CHUNK: usize = 1 << 20;
    let sink =
        client.copy_in::<_, bytes::Bytes>(&format!("COPY {STAGING}.{table} ({columns}) FROM STDIN")).await?;
    futures::pin_mut!(sink);
    let mut rest = rows;
    while !rest.is_empty() {
        // Cut after a newline so no chunk splits a character (COPY itself accepts any split).
        let cut = if rest.len() <= CHUNK {
            rest.len()
        } else {
            rest[..CHUNK].rfind('\n').map_or(rest.len(), |i| i + 1)
        };
        sink.send(bytes::Bytes::copy_from_slice(&rest.as_bytes()[..cut])).await?;
        rest = &rest[cut..];
    }
    Ok(sink.as_mut().finish().await?)
}
