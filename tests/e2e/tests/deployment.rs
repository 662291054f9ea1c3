//! The deployment's shape, from the wrangler configs: only the ui worker is reachable from outside.

use e2e::{repo_root, CONFIGS};

#[test]
fn only_the_ui_worker_is_reachable_from_outside() {
    for worker in CONFIGS {
        let path = repo_root().join(format!("wrangler/{worker}.toml"));
        let config = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let settings: Vec<&str> =
            config.lines().map(str::trim).filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
        let routed = settings.iter().any(|l| l.starts_with("route") || l.starts_with("[[routes]]"));
        if worker == "ui" {
            continue;
        }
        assert!(settings.contains(&"workers_dev = false"), "{worker}: no workers.dev URL");
        assert!(settings.contains(&"preview_urls = false"), "{worker}: no preview URLs");
        assert!(!routed, "{worker}: no routes");
    }
}
