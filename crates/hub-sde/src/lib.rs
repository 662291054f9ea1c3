//! The SDE importer: CCP's official JSON Lines SDE zip into the `sde` schema of Postgres.
//!
//! - From a zip file, a zip URL, or CCP's `latest.jsonl` (the default): with `latest.jsonl` the build
//!   number is known before the download, and a build already imported is skipped without one.
//! - Parsed streaming, line by line ([`sde`]); unknown files and fields reported, a malformed line
//!   named by file and line ([`records`]).
//! - Loaded with COPY into a staging schema and swapped in one transaction ([`load`]).
#![forbid(unsafe_code)]

pub mod load;
pub mod records;
pub mod sde;

use std::io::Cursor;
use std::time::Duration;

/// CCP's record of the current build.
pub const LATEST_URL: &str = "https://developers.eveonline.com/static-data/tranquility/latest.jsonl";

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] sde::ReadError),
    #[error(transparent)]
    Load(#[from] load::LoadError),
    #[error("cannot read {0}: {1}")]
    File(String, std::io::Error),
    #[error("download of {0} failed: {1}")]
    Download(String, String),
    #[error("{0} holds no `sde` build record")]
    NoBuildRecord(String),
}

impl From<tokio_postgres::Error> for ImportError {
    fn from(e: tokio_postgres::Error) -> Self {
        ImportError::Load(load::LoadError::Postgres(e))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The build was imported: rows per table, and what was skipped.
    Imported { build: i64, rows: load::RowCounts, skipped_files: usize, skipped_fields: usize },
    /// This build already serves.
    AlreadyCurrent { build: i64 },
}

/// Imports from `source` (a path, a zip URL, or a `latest.jsonl` URL) unless its build already serves
/// (`force` imports anyway).
pub async fn import(
    client: &mut tokio_postgres::Client,
    source: &str,
    force: bool,
) -> Result<Outcome, ImportError> {
    let current = load::current_build(client).await?;
    let is_url = source.starts_with("http://") || source.starts_with("https://");
    let (zip, build_hint) = if is_url && source.to_ascii_lowercase().ends_with(".jsonl") {
        let latest = download(source).await?;
        let build = latest_build(&latest).ok_or_else(|| ImportError::NoBuildRecord(source.to_owned()))?;
        if current == Some(build.number) && !force {
            return Ok(Outcome::AlreadyCurrent { build: build.number });
        }
        let base = source.rsplit_once('/').map_or(source, |(base, _)| base);
        let zip_url = format!("{base}/eve-online-static-data-{}-jsonl.zip", build.number);
        (download(&zip_url).await?, Some(build))
    } else if is_url {
        (download(source).await?, None)
    } else {
        (std::fs::read(source).map_err(|e| ImportError::File(source.to_owned(), e))?, None)
    };
    import_zip(client, zip, build_hint, current, source, force, |_| Ok(())).await
}

/// Imports a zip already in memory. `checkpoint` runs after each staged table (see [`load::load`]).
pub async fn import_zip(
    client: &mut tokio_postgres::Client,
    zip: Vec<u8>,
    build_hint: Option<sde::Build>,
    current: Option<i64>,
    source: &str,
    force: bool,
    checkpoint: impl FnMut(&str) -> Result<(), String>,
) -> Result<Outcome, ImportError> {
    let parsed = tokio::task::spawn_blocking(move || sde::read_zip(Cursor::new(zip)))
        .await
        .map_err(|e| ImportError::Download("the zip".into(), e.to_string()))??;
    let build = parsed.build.clone().or(build_hint).ok_or(load::LoadError::NoBuild)?;
    if current == Some(build.number) && !force {
        return Ok(Outcome::AlreadyCurrent { build: build.number });
    }
    let rows = load::load(client, &parsed, &build, source, checkpoint).await?;
    Ok(Outcome::Imported {
        build: build.number,
        rows,
        skipped_files: parsed.skipped.files.len(),
        skipped_fields: parsed.skipped.fields.values().map(std::collections::BTreeSet::len).sum(),
    })
}

/// The `sde` record of a `latest.jsonl` (or `_sde.jsonl`).
pub fn latest_build(text: &[u8]) -> Option<sde::Build> {
    String::from_utf8_lossy(text).lines().find_map(|line| {
        let value: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
        if value.get("_key")?.as_str()? != "sde" {
            return None;
        }
        Some(sde::Build {
            number: value.get("buildNumber")?.as_i64()?,
            release_date: value.get("releaseDate").and_then(|d| d.as_str()).map(str::to_owned),
        })
    })
}

async fn download(url: &str) -> Result<Vec<u8>, ImportError> {
    let failed = |e: String| ImportError::Download(url.to_owned(), e);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_mins(10))
        .user_agent("eve-auth-hub sde-import")
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let response = client.get(url).send().await.map_err(|e| failed(e.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("status {}", response.status())));
    }
    Ok(response.bytes().await.map_err(|e| failed(e.to_string()))?.to_vec())
}

/// The importer's connection: the native adapter's, unwrapped (COPY needs the client itself).
pub async fn connect(database_url: &str) -> Result<tokio_postgres::Client, hub_ports::PgError> {
    hub_native::pg::connect(database_url).await.map(|pg| pg.0)
}
