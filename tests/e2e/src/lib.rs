//! The local stack under test: a fresh migrated database, a fresh persistence directory, and one
//! `wrangler dev` session running all nine workers on free loopback ports.
//!
//! [`Stack`] stops everything it started when dropped, including when a test panics.

// Wall-clock deadlines of the harness are not domain time; the Clock port is for the product.
#![allow(clippy::disallowed_methods)]

pub mod api;
pub mod login;

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
    /// The local EVE SSO (oauth2-mock-server) the stack logs in against.
    pub sso: SsoPeer,
    /// The local ESI the stack syncs character data from.
    pub esi: EsiPeer,
    /// The local Discord (REST API and OAuth2) the discord worker talks to.
    pub discord: DiscordPeer,
    database: TestDatabase,
    /// This stack's `TOKEN_VAULT_KEYS` (`1:<base64 of 32 random bytes>` at the start); a test may
    /// change it before a restart (key rotation).
    pub vault_keys: String,
    work_dir: PathBuf,
    child: Option<Child>,
    port: u16,
    /// Browsers log in through the demo pilot picker (as `just dev` without credentials).
    demo_sso: bool,
}

impl SsoPeerInfo {
    /// A control or stats endpoint of the peer's picker server (`/__issued`, `/__jwks_delay`...).
    pub fn picker_url(&self, path: &str) -> String {
        self.stats_url.replace("/__stats", path)
    }
}

/// The URLs the local SSO printed when it started.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SsoPeerInfo {
    pub issuer: String,
    pub authorize_url: String,
    pub token_url: String,
    pub jwks_url: String,
    /// The JWKS through the picker, which answers as late as `POST <picker>/__jwks_delay?ms=` says.
    pub delayed_jwks_url: String,
    pub client_id: String,
    /// Counters of the peer (`token_requests`, `refresh_grants`).
    pub stats_url: String,
    /// The token endpoint answering after half a second, so concurrent refreshes overlap.
    pub slow_token_url: String,
    pub revoke_url: String,
    /// The demo login page: a list of test pilots in front of `authorize_url`.
    pub demo_authorize_url: String,
    /// `POST ?character_id=&owner=`: tokens refreshed from now on carry the new owner hash.
    pub sell_url: String,
}

pub struct SsoPeer {
    pub info: SsoPeerInfo,
    child: Child,
}

impl SsoPeer {
    fn start(log: &Path) -> Self {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let root = repo_root();
        let mut child = Command::new(root.join("scripts/node22"))
            .arg(root.join("tests/sso-peer/eve-sso.mjs"))
            .arg("0")
            // Shorter than the token store's one-minute margin: the first use after a login refreshes.
            .env("LOGIN_ACCESS_TOKEN_TTL", "50")
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(log).expect("peer log"))
            .process_group(0)
            .spawn()
            .expect("starting the local EVE SSO");
        let stdout = child.stdout.take().expect("peer stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).expect("peer output");
        let info = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!(
                "the local EVE SSO did not start ({e}): {line}{}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        });
        Self { info, child }
    }
}

/// The local ESI (`tests/esi-peer/esi.mjs`): a plain HTTP server with ESI's caching, paging,
/// error-limit and rate-limit behaviour, and control endpoints for tests.
pub struct EsiPeer {
    pub base_url: String,
    child: Child,
}

impl EsiPeer {
    fn start(log: &Path) -> Self {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let root = repo_root();
        let mut child = Command::new(root.join("scripts/node22"))
            .arg(root.join("tests/esi-peer/esi.mjs"))
            .arg("0")
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(log).expect("esi log"))
            .process_group(0)
            .spawn()
            .expect("starting the local ESI");
        let stdout = child.stdout.take().expect("esi stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).expect("esi output");
        let info: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the local ESI did not start ({e}): {line}"));
        Self { base_url: info["base_url"].as_str().expect("base_url").to_owned(), child }
    }

    /// The peer's counters: requests, bodies, bytes, not_modified, errors, error_limit_remain.
    pub async fn stats(&self, http: &reqwest::Client) -> serde_json::Value {
        http.get(format!("{}/__stats", self.base_url))
            .send()
            .await
            .expect("esi stats")
            .json()
            .await
            .expect("json")
    }

    /// Posts to a control endpoint (`/__config`, `/__mutate`, `/__fail`, `/__roles`, ...).
    pub async fn control(&self, http: &reqwest::Client, path: &str, body: serde_json::Value) {
        let resp =
            http.post(format!("{}{path}", self.base_url)).json(&body).send().await.expect("esi control");
        assert!(resp.status().is_success(), "ESI control {path}: {}", resp.status());
    }
}

/// The local Discord (`tests/discord-peer/discord.mjs`): REST API v10 and OAuth2, rate limits per
/// bucket, hierarchy errors, and control endpoints for tests.
pub struct DiscordPeer {
    pub info: DiscordPeerInfo,
    child: Child,
}

/// The URLs and credentials the local Discord printed when it started.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct DiscordPeerInfo {
    pub base_url: String,
    pub api_base: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub bot_token: String,
    pub bot_id: String,
}

impl DiscordPeer {
    fn start(log: &Path, demo: bool) -> Self {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let root = repo_root();
        let mut command = Command::new(root.join("scripts/node22"));
        command.arg(root.join("tests/discord-peer/discord.mjs")).arg("0");
        if demo {
            command.arg("--demo");
        }
        let mut child = command
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(log).expect("discord log"))
            .process_group(0)
            .spawn()
            .expect("starting the local Discord");
        let stdout = child.stdout.take().expect("discord stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).expect("discord output");
        let info = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the local Discord did not start ({e}): {line}"));
        Self { info, child }
    }

    /// Reads a control endpoint (`/__stats`, `/__guild/<id>`).
    pub async fn read(&self, http: &reqwest::Client, path: &str) -> serde_json::Value {
        let resp = http.get(format!("{}{path}", self.info.base_url)).send().await.expect("discord read");
        assert!(resp.status().is_success(), "Discord control {path}: {}", resp.status());
        resp.json().await.expect("json")
    }

    /// Posts to a control endpoint (`/__guild`, `/__member`, `/__user`, `/__ratelimit`, `/__fail`).
    pub async fn control(&self, http: &reqwest::Client, path: &str, body: serde_json::Value) {
        let resp = http
            .post(format!("{}{path}", self.info.base_url))
            .json(&body)
            .send()
            .await
            .expect("discord control");
        assert!(resp.status().is_success(), "Discord control {path}: {}", resp.status());
    }

    /// A member leaves a guild by hand.
    pub async fn leave(&self, http: &reqwest::Client, guild: &str, user: &str) {
        let url = format!("{}/__member?guild={guild}&user={user}", self.info.base_url);
        let resp = http.delete(url).send().await.expect("discord control");
        assert!(resp.status().is_success(), "Discord leave: {}", resp.status());
    }
}

impl Drop for DiscordPeer {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            signal_group(pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Drop for EsiPeer {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            signal_group(pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Drop for SsoPeer {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            signal_group(pid, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// The operator token of every test stack (`Authorization: Bearer` on `/api/ops/*`).
pub const OPERATOR_TOKEN: &str = "e2e-operator-token-0123456789";

/// A fresh vault key: base64 of 32 random bytes.
pub fn new_vault_key() -> String {
    use base64::Engine;
    let mut key = uuid::Uuid::new_v4().as_bytes().to_vec();
    key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// The shipped SDE fixture, imported as `just dev` imports it.
pub async fn import_sde_fixture(database_url: &str) {
    let mut client = hub_sde::connect(database_url).await.expect("connect for the SDE import");
    let zip = repo_root().join("tests/sde-fixture/sde-fixture.zip");
    hub_sde::import(&mut client, zip.to_str().expect("a UTF-8 path"), false)
        .await
        .expect("the SDE fixture imports");
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

impl Stack {
    /// Starts the stack and waits until every worker's health route answers 200.
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// [`Stack::start`] with the demo SSO's pilot picker as the login page, for browser tests.
    pub async fn start_demo() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(demo_sso: bool) -> Self {
        let database = TestDatabase::create().await;
        import_sde_fixture(&database.url).await;
        let work_dir = std::env::temp_dir().join(format!("hub-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(work_dir.join("state")).expect("work dir");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        let sso = SsoPeer::start(&work_dir.join("sso.log"));
        let esi = EsiPeer::start(&work_dir.join("esi.log"));
        let discord = DiscordPeer::start(&work_dir.join("discord.log"), demo_sso);
        let vault_keys = format!("1:{}", new_vault_key());
        let mut stack = Self {
            base_url: String::new(),
            http,
            sso,
            esi,
            discord,
            database,
            vault_keys,
            work_dir,
            child: None,
            port: free_port(),
            demo_sso,
        };
        stack.launch().await;
        stack
    }

    /// Stops wrangler and starts it again on the same database and persistence directory.
    pub async fn restart(&mut self) {
        self.stop();
        self.port = free_port();
        self.launch().await;
    }

    /// The stack's database, for tests that seed data in bulk.
    pub fn database_url(&self) -> &str {
        &self.database.url
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

    /// `GET` with the operator token, as an operator's monitoring would.
    pub async fn operator_get(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or_else(|e| panic!("GET {path}: body is not JSON: {e}"));
        (status, body)
    }

    /// The operator's report of a service (`ui` or another worker's name).
    pub async fn deep_health(&self, service: &str) -> (u16, serde_json::Value) {
        let path =
            if service == "ui" { "/health/deep".to_owned() } else { format!("/health/{service}/deep") };
        self.operator_get(&path).await
    }

    /// Where the stack's Durable Objects keep their SQLite files.
    pub fn state_dir(&self) -> PathBuf {
        self.work_dir.join("state")
    }

    /// Everything wrangler printed so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
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

    /// Copies the wrangler configs beside a `.dev.vars` for this stack (every worker of a
    /// multi-config session reads the `.dev.vars` next to its own config).
    fn write_configs(&self) -> PathBuf {
        let root = repo_root();
        let dir = self.work_dir.join("wrangler");
        std::fs::create_dir_all(&dir).expect("config dir");
        let workers = root.join("workers").display().to_string();
        let web = root.join("web").display().to_string();
        for config in CONFIGS {
            let text = std::fs::read_to_string(root.join(format!("wrangler/{config}.toml")))
                .expect("wrangler config");
            let text = text
                .replace("main = \"../workers/", &format!("main = \"{workers}/"))
                .replace("directory = \"../web/", &format!("directory = \"{web}/"));
            std::fs::write(dir.join(format!("{config}.toml")), text).expect("config copy");
        }
        let sso = &self.sso.info;
        let discord = &self.discord.info;
        let vars = format!(
            "EVE_SSO_CLIENT_ID={}\nEVE_SSO_CLIENT_SECRET=local-test-secret\nEVE_SSO_AUTHORIZE_URL={}\n\
             EVE_SSO_TOKEN_URL={}\nEVE_SSO_JWKS_URL={}\nEVE_SSO_ISSUER={}\nPUBLIC_ORIGIN=http://127.0.0.1:{}\n\
             EVE_SSO_REVOKE_URL={}\nSITE_ADMIN_CHARACTER_IDS={}\nTOKEN_VAULT_KEYS={}\nOPERATOR_TOKEN={OPERATOR_TOKEN}\n\
             ESI_BASE_URL={}\nESI_CONTACT=e2e@example.org\n\
             DISCORD_CLIENT_ID={}\nDISCORD_CLIENT_SECRET={}\nDISCORD_BOT_TOKEN={}\nDISCORD_API_BASE={}\n\
             DISCORD_AUTHORIZE_URL={}\nDISCORD_TOKEN_URL={}\nDISCORD_REVOKE_URL={}\n",
            sso.client_id,
            if self.demo_sso { &sso.demo_authorize_url } else { &sso.authorize_url },
            if self.demo_sso { &sso.token_url } else { &sso.slow_token_url },
            sso.delayed_jwks_url,
            sso.issuer,
            self.port,
            sso.revoke_url,
            // 9000 in the API tests; the demo's Demo Pilot in browser tests, as in `just dev`.
            if self.demo_sso { "9000,90000001" } else { "9000" },
            self.vault_keys,
            self.esi.base_url,
            discord.client_id,
            discord.client_secret,
            discord.bot_token,
            discord.api_base,
            discord.authorize_url,
            discord.token_url,
            discord.revoke_url,
        );
        std::fs::write(dir.join(".dev.vars"), vars).expect(".dev.vars");
        dir
    }

    /// Starts wrangler; when it exits before it is ready (a port picked by [`free_port`] can be
    /// taken by another process before wrangler binds it), once more on new ports.
    async fn launch(&mut self) {
        const ATTEMPTS: u32 = 3;
        for attempt in 1..=ATTEMPTS {
            let configs = self.write_configs();
            let configs: Vec<PathBuf> = CONFIGS.iter().map(|c| configs.join(format!("{c}.toml"))).collect();
            let state = self.work_dir.join("state");
            let child = spawn_wrangler(&configs, self.port, &state, &self.database.url, &self.log_path());
            self.child = Some(child);
            self.base_url = format!("http://127.0.0.1:{}", self.port);
            match self.wait_ready().await {
                Ok(()) => return,
                Err(exit) if attempt < ATTEMPTS => {
                    eprintln!(
                        "wrangler exited early ({exit}), starting it again on new ports:\n{}",
                        self.log_tail()
                    );
                    self.stop();
                    let _ = std::fs::rename(
                        self.log_path(),
                        self.work_dir.join(format!("wrangler.{attempt}.log")),
                    );
                    self.port = free_port();
                }
                Err(exit) => panic!("wrangler exited early ({exit}) {ATTEMPTS} times:\n{}", self.log_tail()),
            }
        }
    }

    /// Waits until every worker answers its health route; `Err` with the exit status when
    /// wrangler exits first.
    async fn wait_ready(&mut self) -> Result<(), std::process::ExitStatus> {
        let deadline = Instant::now() + Duration::from_mins(3);
        let mut pending: Vec<&str> = CONFIGS.to_vec();
        while !pending.is_empty() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(status);
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
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            stop_group(&mut child);
        }
    }
}

/// Starts `wrangler dev` with `configs` (the first one listens on `port`), Durable Object state
/// under `state`, Hyperdrive pointed at `database_url` and its output in `log`, in a process group
/// of its own (see [`stop_group`]).
pub fn spawn_wrangler(configs: &[PathBuf], port: u16, state: &Path, database_url: &str, log: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    let root = repo_root();
    let wrangler =
        std::env::var("WRANGLER").unwrap_or_else(|_| root.join("scripts/wrangler").display().to_string());
    let log = File::options().create(true).append(true).open(log).expect("log file");
    let mut cmd = Command::new(wrangler);
    cmd.current_dir(&root).arg("dev");
    for config in configs {
        cmd.arg("-c").arg(config);
    }
    cmd.args(["--ip", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .arg("--inspector-port")
        .arg(free_port().to_string())
        .arg("--persist-to")
        .arg(state)
        .arg("--show-interactive-dev-session=false")
        .env("CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE", database_url)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .process_group(0);
    cmd.spawn().expect("spawning wrangler (run the suite through `just test`)")
}

/// Stops a process started by [`spawn_wrangler`] and the workerd it started: its whole group.
pub fn stop_group(child: &mut Child) {
    let Ok(pid) = i32::try_from(child.id()) else { return };
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
