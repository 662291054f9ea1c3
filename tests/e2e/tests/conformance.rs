//! The ports' conformance suites on the workerd adapters: Durable Object SQLite, Postgres through
//! Hyperdrive and `fetch`, run inside workerd by the `tests/conformance-worker` harness (the native
//! adapters run the same suites in `crates/hub-conformance/tests`).

// Wall-clock deadlines of the harness are not domain time.
#![allow(clippy::disallowed_methods)]

use e2e::{free_port, repo_root, spawn_wrangler, stop_group};
use hub_conformance::{http, Report};
use hub_native::pg::TestDatabase;
use std::time::{Duration, Instant};

/// Stops the harness when the test ends, passing or not.
struct Harness(std::process::Child, std::path::PathBuf);

impl Drop for Harness {
    fn drop(&mut self) {
        stop_group(&mut self.0);
        if std::thread::panicking() {
            eprintln!("wrangler log:\n{}", std::fs::read_to_string(&self.1).unwrap_or_default());
        }
        if let Some(dir) = self.1.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn report(client: &reqwest::Client, url: &str) -> Report {
    let deadline = Instant::now() + Duration::from_mins(2);
    loop {
        match client.get(url).send().await {
            Ok(resp) if resp.status().is_success() => return resp.json().await.expect("a report"),
            Ok(resp) if Instant::now() > deadline => panic!("{url}: {}", resp.status()),
            Err(e) if Instant::now() > deadline => panic!("{url}: {e}"),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

#[tokio::test]
async fn the_workerd_adapters_conform() {
    let database = TestDatabase::create().await;
    let work = std::env::temp_dir().join(format!("hub-conformance-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(work.join("state")).unwrap();
    let port = free_port();
    let config = repo_root().join("tests/conformance-worker/wrangler.toml");
    let log = work.join("wrangler.log");
    let child = spawn_wrangler(&[config], port, &work.join("state"), &database.url, &log);
    let _harness = Harness(child, log);
    let base = http::peer::start().await.unwrap();
    let closed = http::peer::closed_origin().unwrap();

    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let origin = format!("http://127.0.0.1:{port}");
    let reports = [
        report(&client, &format!("{origin}/conformance/sql")).await,
        report(&client, &format!("{origin}/conformance/postgres")).await,
        report(&client, &format!("{origin}/conformance/http?base={base}&closed={closed}")).await,
    ];
    for report in &reports {
        assert!(report.cases.len() >= 5, "{report:?}");
        assert!(report.passed(), "{}", report.failures());
    }
}
