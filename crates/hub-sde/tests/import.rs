//! The importer against real Postgres: the shipped fixture, format edge cases, idempotent re-imports, and
//! an import stopped midway.

use hub_native::pg::TestDatabase;
use hub_sde::{import, import_zip, load, Outcome};
use std::io::Write;

fn fixture() -> String {
    format!("{}/../../tests/sde-fixture/sde-fixture.zip", env!("CARGO_MANIFEST_DIR"))
}

/// A zip of `(file name, content)` pairs.
fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, content) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

async fn text(client: &tokio_postgres::Client, sql: &str) -> String {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

async fn count(client: &tokio_postgres::Client, table: &str) -> i64 {
    client.query_one(&format!("SELECT count(*) FROM sde.{table}"), &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn the_fixture_imports_once_and_names_what_the_hub_shows() {
    let db = TestDatabase::create().await;
    let mut client = hub_sde::connect(&db.url).await.unwrap();
    let Outcome::Imported { build, rows, skipped_files, .. } =
        import(&mut client, &fixture(), false).await.unwrap()
    else {
        panic!("the first import must import")
    };
    assert_eq!(build, 3_484_357);
    assert_eq!(skipped_files, 1, "translationLanguages.jsonl is not imported, and reported");
    let rows: std::collections::HashMap<_, _> = rows.into_iter().collect();
    assert_eq!(rows["types"], 24);
    assert_eq!(rows["npc_stations"], 5);
    assert_eq!(text(&client, "SELECT name FROM sde.types WHERE type_id = 34").await, "Tritanium");
    assert_eq!(text(&client, "SELECT names->>'ja' FROM sde.types WHERE type_id = 587").await, "リフター");
    assert_eq!(
        text(&client, "SELECT name FROM sde.npc_stations WHERE station_id = 60003760").await,
        "Jita IV - Moon 4 - Caldari Navy Assembly Plant"
    );
    // A station orbiting a planet, and one whose operation is not part of its name.
    assert_eq!(
        text(&client, "SELECT name FROM sde.npc_stations WHERE station_id = 60000010").await,
        "Tama I - CBD Corporation Logistic Support"
    );
    assert_eq!(
        text(&client, "SELECT name FROM sde.npc_stations WHERE station_id = 60000013").await,
        "Tama III - Moon 2 - CBD Corporation"
    );
    assert_eq!(
        text(&client, "SELECT rank || ' ' || primary_attribute || ' ' || secondary_attribute FROM sde.skills WHERE type_id = 3338").await,
        "8 167 168"
    );
    assert_eq!(
        text(
            &client,
            "SELECT string_agg(skill_id || ':' || level, ',') FROM sde.required_skills WHERE type_id = 587"
        )
        .await,
        "3329:1"
    );
    assert_eq!(
        text(&client, "SELECT security::text FROM sde.solar_systems WHERE solar_system_id = 30003323").await,
        "-0.0131"
    );
    assert_eq!(
        text(&client, "SELECT skipped->'files'->>0 FROM sde.build").await,
        "translationLanguages.jsonl"
    );

    // The same build again: nothing to do. Forced: the same data, swapped in again.
    assert_eq!(
        import(&mut client, &fixture(), false).await.unwrap(),
        Outcome::AlreadyCurrent { build: 3_484_357 }
    );
    assert!(matches!(import(&mut client, &fixture(), true).await.unwrap(), Outcome::Imported { .. }));
    assert_eq!(count(&client, "types").await, 24);
    assert_eq!(count(&client, "build").await, 1);
    let schemas: i64 = client
        .query_one("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'sde%'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(schemas, 1, "no staging or retired schema is left behind");
}

#[tokio::test]
async fn the_real_format_edge_cases_parse_and_bad_lines_are_named() {
    let db = TestDatabase::create().await;
    let mut client = hub_sde::connect(&db.url).await.unwrap();
    let good = zip_of(&[
        ("_sde.jsonl", "{\"_key\": \"sde\", \"buildNumber\": 7, \"releaseDate\": \"2026-01-01T00:00:00Z\"}\r\n"),
        // No `published`, no English (another language shown), an unknown field, a blank line.
        ("categories.jsonl", "{\"_key\": 4, \"name\": {\"de\": \"Material\"}, \"newField\": [1]}\n\n"),
        ("groups.jsonl", "{\"_key\": 18, \"categoryID\": 4, \"name\": {\"en\": \"Mineral\"}, \"published\": true}\n"),
        // Integers written as floats, no volume, no market group.
        ("types.jsonl", "{\"_key\": 34.0, \"groupID\": 18.0, \"name\": {\"en\": \"Tritanium\"}, \"published\": true}\n"),
        ("mapSolarSystems.jsonl", "{\"_key\": 30000142, \"constellationID\": 20000020, \"regionID\": 10000002, \"name\": {\"en\": \"Jita\"}, \"securityStatus\": 0.945913}\n"),
        // Files nested in a folder are found by name.
        ("sde/mapRegions.jsonl", "{\"_key\": 10000002, \"name\": {\"en\": \"The Forge\"}}\n"),
        ("somethingNew.jsonl", "{\"_key\": 1}\n"),
    ]);
    let outcome = import_zip(&mut client, good, None, None, "edge", false, |_| Ok(())).await.unwrap();
    let Outcome::Imported { build, skipped_files, skipped_fields, .. } = outcome else { panic!("imported") };
    assert_eq!((build, skipped_files, skipped_fields), (7, 1, 1));
    assert_eq!(text(&client, "SELECT name FROM sde.categories").await, "Material");
    assert_eq!(text(&client, "SELECT published::text FROM sde.categories").await, "false");
    assert_eq!(text(&client, "SELECT name FROM sde.regions").await, "The Forge");
    assert_eq!(
        text(&client, "SELECT skipped->'fields'->'categories.jsonl'->>0 FROM sde.build").await,
        "newField"
    );

    // A malformed line names its file and line, and the import before it keeps serving.
    let bad = zip_of(&[
        ("_sde.jsonl", "{\"_key\": \"sde\", \"buildNumber\": 8}\n"),
        ("categories.jsonl", "{\"_key\": 4, \"name\": {\"en\": \"Material\"}}\n"),
        ("groups.jsonl", "{\"_key\": 18, \"categoryID\": 4, \"name\": {\"en\": \"Mineral\"}}\n"),
        ("types.jsonl", "{\"_key\": 34, \"groupID\": 18, \"name\": {\"en\": \"Tritanium\"}}\n{\"_key\": 35, \"groupID\": \"eighteen\"}\n"),
        ("mapSolarSystems.jsonl", ""),
    ]);
    let err = import_zip(&mut client, bad, None, Some(7), "bad", false, |_| Ok(())).await.unwrap_err();
    assert_eq!(err.to_string(), "types.jsonl line 2: `groupID` must be an integer, not \"eighteen\"");
    let missing = zip_of(&[("_sde.jsonl", "{\"_key\": \"sde\", \"buildNumber\": 9}\n")]);
    let err =
        import_zip(&mut client, missing, None, Some(7), "missing", false, |_| Ok(())).await.unwrap_err();
    assert!(err.to_string().contains("no categories.jsonl"), "{err}");
    assert_eq!(load::current_build(&client).await.unwrap(), Some(7));
    assert_eq!(text(&client, "SELECT name FROM sde.types").await, "Tritanium");
}

#[tokio::test]
async fn an_import_stopped_midway_leaves_the_old_data_serving() {
    let db = TestDatabase::create().await;
    let mut client = hub_sde::connect(&db.url).await.unwrap();
    import(&mut client, &fixture(), false).await.unwrap();
    let replacement = zip_of(&[
        ("_sde.jsonl", "{\"_key\": \"sde\", \"buildNumber\": 99}\n"),
        ("categories.jsonl", "{\"_key\": 4, \"name\": {\"en\": \"Material\"}, \"published\": true}\n"),
        ("groups.jsonl", "{\"_key\": 18, \"categoryID\": 4, \"name\": {\"en\": \"Mineral\"}, \"published\": true}\n"),
        ("types.jsonl", "{\"_key\": 34, \"groupID\": 18, \"name\": {\"en\": \"Renamed Tritanium\"}, \"published\": true}\n"),
        ("mapSolarSystems.jsonl", ""),
    ]);
    // Stopped after the types are staged, and again just before the swap.
    for stop_at in ["types", "swap"] {
        let err = import_zip(&mut client, replacement.clone(), None, Some(3_484_357), "x", false, |table| {
            if table == stop_at {
                Err(format!("killed at {table}"))
            } else {
                Ok(())
            }
        })
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), format!("stopped: killed at {stop_at}"));
        // A reader on another connection sees the old import, whole.
        let reader = hub_sde::connect(&db.url).await.unwrap();
        assert_eq!(load::current_build(&reader).await.unwrap(), Some(3_484_357));
        assert_eq!(text(&reader, "SELECT name FROM sde.types WHERE type_id = 34").await, "Tritanium");
        assert_eq!(count(&reader, "types").await, 24);
    }
    // The process dies mid-import: its connection ends, the lock with it, and the next import runs.
    drop(client);
    let mut client = hub_sde::connect(&db.url).await.unwrap();
    let outcome =
        import_zip(&mut client, replacement, None, Some(3_484_357), "x", false, |_| Ok(())).await.unwrap();
    assert!(matches!(outcome, Outcome::Imported { build: 99, .. }));
    assert_eq!(text(&client, "SELECT name FROM sde.types WHERE type_id = 34").await, "Renamed Tritanium");
    assert_eq!(count(&client, "npc_stations").await, 0);
}

#[tokio::test]
async fn one_import_at_a_time() {
    let db = TestDatabase::create().await;
    let holder = hub_sde::connect(&db.url).await.unwrap();
    holder.execute("SELECT pg_advisory_lock(5999996879118356564)", &[]).await.unwrap();
    let mut client = hub_sde::connect(&db.url).await.unwrap();
    let err = import(&mut client, &fixture(), false).await.unwrap_err();
    assert_eq!(err.to_string(), "another SDE import is running on this database");
    assert_eq!(load::current_build(&client).await.unwrap(), None);
}
