//! How the web app is served: the cache policy of each file and the security headers of every
//! response the browser sees.

/// HTML is never cached: a deploy must reach browsers at once.
pub const HTML_CACHE: &str = "no-cache, must-revalidate";
/// Files whose name carries a content hash never change.
pub const HASHED_CACHE: &str = "public, max-age=31536000, immutable";
/// Everything else (icons, robots.txt...) for a day, then revalidated.
pub const OTHER_CACHE: &str = "public, max-age=86400, must-revalidate";

/// The Content-Security-Policy: our own scripts and styles only (no inline ones), EVE's image
/// server for portraits, and no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' https://images.evetech.net data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers every response of the ui worker carries (a response's own value wins, e.g. the login
/// callback's `no-referrer`).
pub const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
];

/// The `Cache-Control` for a served file, from its path and content type.
pub fn cache_policy(path: &str, content_type: &str) -> &'static str {
    if content_type.starts_with("text/html") {
        HTML_CACHE
    } else if is_hashed_asset(path) {
        HASHED_CACHE
    } else {
        OTHER_CACHE
    }
}

/// Vite names built files `/assets/<name>-<hash>.<ext>` with an 8-character `[A-Za-z0-9_-]` hash
/// (its default); files without one (from `web/public`) are served from the root instead.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.strip_prefix("/assets/") else { return false };
    if file.contains('/') {
        return false;
    }
    let Some((stem, _ext)) = file.rsplit_once('.') else { return false };
    let bytes = stem.as_bytes();
    bytes.len() > 9
        && bytes[bytes.len() - 9] == b'-'
        && bytes[bytes.len() - 8..].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// Whether a path that matched no file is a client-side route of the app (answered with
/// `index.html`) rather than a missing file (404): routes have no file extension.
pub fn is_app_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !path.starts_with("/api/") && !path.starts_with("/assets/") && !last.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_policy_by_kind() {
        assert_eq!(cache_policy("/", "text/html; charset=utf-8"), HTML_CACHE);
        assert_eq!(cache_policy("/groups/abc", "text/html"), HTML_CACHE);
        assert_eq!(cache_policy("/assets/index-BkX3a9_Q.js", "text/javascript"), HASHED_CACHE);
        assert_eq!(cache_policy("/assets/index-4f2a9c1e.css", "text/css"), HASHED_CACHE);
        assert_eq!(cache_policy("/assets/group-admin-Bx1_-2kQ.js", "text/javascript"), HASHED_CACHE);
        assert_eq!(cache_policy("/assets/logo.svg", "image/svg+xml"), OTHER_CACHE);
        assert_eq!(cache_policy("/favicon.svg", "image/svg+xml"), OTHER_CACHE);
        assert_eq!(cache_policy("/assets/a-b.js", "text/javascript"), OTHER_CACHE, "too short for a hash");
        assert_eq!(cache_policy("/assets/x/y-12345678.js", "text/javascript"), OTHER_CACHE);
    }

    #[test]
    fn app_routes_have_no_extension() {
        assert!(is_app_route("/groups"));
        assert!(is_app_route("/invite/AbC-123_x"));
        assert!(is_app_route("/"));
        assert!(!is_app_route("/missing.js"));
        assert!(!is_app_route("/assets/gone"));
        assert!(!is_app_route("/api/nothing"));
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_no_framing() {
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    }
}
