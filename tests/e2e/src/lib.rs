//! The local stack under test: a fresh migrated database, a fresh persistence directory, and one
//! `wrangler dev` session running all nine workers on free loopback ports.
//!
//! [`Stack`] stops everything it started when dropped, including when a test panics.

// Wall-clock deadlines of the harness are not domain time; the Clock port is for the product.
#![allow(clippy::disallowed_methods)]

use hub_native::pg::TestDatabase;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every worker config, primary (the one that listens) first.
pub const CONFIGS: [&str; 9] = [
    "ui",
    "core",
    "discord",
    "groups",
    "notifications",
    "eve-token-store",
    "eve-character-data",
    "eve-corporation-data",
    "eve-static-data",
];

pub struct Stack {
    pub base_url: String,
    pub http: reqwest::Client,
    database: TestDatabase,
    work_dir: PathBuf,
    child: Option<Child>,
    port: u16,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

impl Stack {
    /// Starts the stack and waits until every worker's health route answers 200.
    pub async fn start() -> Self {
        let database = TestDatabase::create().await;
        let work_dir = std::env::temp_dir().join(format!("hub-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(work_dir.join("state")).expect("work dir");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client");
        let mut stack =
            Self { base_url: String::new(), http, database, work_dir, child: None, port: free_port() };
        stack.launch().await;
        stack
    }

    /// Stops wrangler and starts it again on the same database and persistence directory.
    pub async fn restart(&mut self) {
        self.stop();
        self.port = free_port();
        self.launch().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self.http.get(self.url(path)).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or_else(|e| panic!("GET {path}: body is not JSON: {e}"));
        (status, body)
    }

    fn log_path(&self) -> PathBuf {
        self.work_dir.join("wrangler.log")
    }

    /// Waits up to 10 s for a line of wrangler's output that contains every one of `needles`.
    pub async fn wait_for_log_line(&self, needles: &[&str]) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| needles.iter().all(|n| l.contains(n))) {
                return Some(line.to_owned());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        None
    }

    /// The last lines wrangler printed, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    async fn launch(&mut self) {
        use std::os::unix::process::CommandExt;
        let root = repo_root();
        let wrangler =
            std::env::var("WRANGLER").unwrap_or_else(|_| root.join("scripts/wrangler").display().to_string());
        let log = File::options().create(true).append(true).open(self.log_path()).expect("log file");
        let mut cmd = Command::new(wrangler);
        cmd.current_dir(&root).arg("dev");
        for config in CONFIGS {
            cmd.arg("-c").arg(format!("wrangler/{config}.toml"));
        }
        cmd.args(["--ip", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .arg("--inspector-port")
            .arg(free_port().to_string())
            .arg("--persist-to")
            .arg(self.work_dir.join("state"))
            .arg("--show-interactive-dev-session=false")
            .env("CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE", &self.database.url)
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0);
        self.child = Some(cmd.spawn().expect("spawning wrangler (run the suite through `just test`)"));
        self.base_url = format!("http://127.0.0.1:{}", self.port);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_mins(3);
        let mut pending: Vec<&str> = CONFIGS.to_vec();
        while !pending.is_empty() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("wrangler exited early ({status}):\n{}", self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "stack not ready; waiting for {pending:?}:\n{}",
                self.log_tail()
            );
            let mut still = Vec::new();
            for svc in pending {
                let path = if svc == "ui" { "/health".to_owned() } else { format!("/health/{svc}") };
                let ok = matches!(
                    self.http.get(self.url(&path)).timeout(Duration::from_secs(10)).send().await,
                    Ok(r) if r.status().as_u16() == 200
                );
                if !ok {
                    still.push(svc);
                }
            }
            pending = still;
            if !pending.is_empty() {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let Ok(pid) = i32::try_from(child.id()) else { return };
        // The whole process group: wrangler and the workerd it started.
        signal_group(pid, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        signal_group(pid, libc::SIGKILL);
        let _ = child.wait();
    }
}

#[allow(unsafe_code)]
fn signal_group(pid: i32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group we created; no memory involved.
    unsafe {
        libc::kill(-pid, signal);
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("wrangler log ({}):\n{}", self.log_path().display(), self.log_tail());
        } else {
            let _ = std::fs::remove_dir_all(&self.work_dir);
        }
    }
}
