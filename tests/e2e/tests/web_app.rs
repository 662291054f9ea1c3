//! End-to-end: the web app as the ui worker serves it (cache policy, SPA fallback, security
//! headers), and the browser journeys of `tests/browser/run.mjs` in Debian's Chromium.

use e2e::{repo_root, Stack};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};

fn header(resp: &reqwest::Response, name: impl reqwest::header::AsHeaderName) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_app_is_served_with_its_cache_policy_security_headers_and_spa_fallback() {
    let stack = Stack::start().await;
    let get = |path: &str| stack.http.get(stack.url(path)).send();

    let index = get("/").await.unwrap();
    assert_eq!(index.status().as_u16(), 200);
    assert!(header(&index, CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(header(&index, CACHE_CONTROL), "no-cache, must-revalidate", "HTML is never cached");
    let csp = header(&index, "content-security-policy");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header(&index, "x-content-type-options"), "nosniff");
    assert!(!header(&index, "referrer-policy").is_empty());
    let html = index.text().await.unwrap();

    // Client-side routes get the same document.
    for route in ["/groups", "/invite/SomeCode123", "/admin/audit"] {
        let page = get(route).await.unwrap();
        assert_eq!(page.status().as_u16(), 200, "{route}");
        assert_eq!(header(&page, CACHE_CONTROL), "no-cache, must-revalidate", "{route}");
        assert_eq!(page.text().await.unwrap(), html, "{route} falls back to index.html");
    }

    // Hashed build outputs are immutable for a year.
    let script = html
        .split('"')
        .find(|part| {
            part.starts_with("/assets/") && std::path::Path::new(part).extension().is_some_and(|e| e == "js")
        })
        .unwrap_or_else(|| panic!("no hashed script in index.html:\n{html}"))
        .to_owned();
    let asset = get(&script).await.unwrap();
    assert_eq!(asset.status().as_u16(), 200, "{script}");
    assert_eq!(header(&asset, CACHE_CONTROL), "public, max-age=31536000, immutable", "{script}");
    assert_eq!(header(&asset, "x-content-type-options"), "nosniff");

    // Other files: a day, then revalidated; missing files are 404, not the app.
    let icon = get("/favicon.svg").await.unwrap();
    assert_eq!(icon.status().as_u16(), 200, "web/public/favicon.svg");
    assert_eq!(header(&icon, CACHE_CONTROL), "public, max-age=86400, must-revalidate");
    // Browsers and tools that ask for /favicon.ico by default get one, not a 404.
    let ico = get("/favicon.ico").await.unwrap();
    assert_eq!(ico.status().as_u16(), 200, "web/public/favicon.ico");
    assert_eq!(&ico.bytes().await.unwrap()[..4], [0, 0, 1, 0], "an ICO file");
    assert_eq!(get("/missing.js").await.unwrap().status().as_u16(), 404);
    assert_eq!(get("/assets/missing-AAAAAAAA.js").await.unwrap().status().as_u16(), 404);

    // The API keeps answering JSON, with the security headers too.
    let api = get("/api/users/me").await.unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(header(&api, "x-content-type-options"), "nosniff");
}

/// The browser: Debian's Chromium (package `chromium`) driven by playwright-core.
#[tokio::test]
async fn browser_journeys_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium is missing at {chromium}: `apt-get install chromium` (just test installs it when run as root)"
    );
    let stack = Stack::start_demo().await;
    let root = repo_root();
    let output = tokio::process::Command::new(root.join("scripts/node22"))
        .arg(root.join("tests/browser/run.mjs"))
        .current_dir(&root)
        .env("BASE_URL", &stack.base_url)
        .env("CHROMIUM", &chromium)
        .env("ESI_URL", &stack.esi.base_url)
        .kill_on_drop(true)
        .output()
        .await
        .expect("running the browser tests");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "browser tests failed:\n{stdout}\n{stderr}\n{}", stack.log_tail());
}
