use super::*;
use hub_native::SqliteStorage;
use hub_ports::{ManualClock, SeededRandom, TransportError};
use std::cell::RefCell;

const T0: i64 = 1_795_692_600_000; // Thu, 26 Nov 2026 11:30:00 GMT

/// A scripted answer: `Ok` is any HTTP response, `Err` a transport failure.
type Answer = Result<OutboundResponse, TransportError>;

type Handler = Box<dyn FnMut(&OutboundRequest) -> Result<OutboundResponse, TransportError>>;

/// ESI played by a closure over each request; records what was sent.
struct FakeEsi {
    handler: RefCell<Handler>,
    requests: RefCell<Vec<OutboundRequest>>,
}

impl FakeEsi {
    fn new(
        handler: impl FnMut(&OutboundRequest) -> Result<OutboundResponse, TransportError> + 'static,
    ) -> Self {
        Self { handler: RefCell::new(Box::new(handler)), requests: RefCell::new(Vec::new()) }
    }

    fn sent(&self) -> usize {
        self.requests.borrow().len()
    }
}

impl HttpTransport for FakeEsi {
    async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, TransportError> {
        self.requests.borrow_mut().push(request.clone());
        (self.handler.borrow_mut())(&request)
    }
}

/// Sleeping advances the manual clock.
struct ClockSleep<'a>(&'a ManualClock, RefCell<Vec<u64>>);

impl Sleep for ClockSleep<'_> {
    async fn sleep_ms(&self, ms: u64) {
        self.1.borrow_mut().push(ms);
        self.0.advance_ms(i64::try_from(ms).unwrap());
    }
}

fn header(request: &OutboundRequest, name: &str) -> Option<String> {
    request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

fn page_of(request: &OutboundRequest) -> i64 {
    request.url.split("page=").nth(1).and_then(|p| p.parse().ok()).unwrap_or(1)
}

#[allow(clippy::unnecessary_wraps)] // an `Answer`, like every handler's
fn ok(body: &str, etag: &str, extra: &[(&str, &str)]) -> Answer {
    let mut headers = vec![
        ("ETag".to_owned(), etag.to_owned()),
        ("Expires".to_owned(), "Thu, 26 Nov 2026 11:35:00 GMT".to_owned()),
        ("X-ESI-Error-Limit-Remain".to_owned(), "100".to_owned()),
        ("X-ESI-Error-Limit-Reset".to_owned(), "60".to_owned()),
    ];
    headers.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Ok(OutboundResponse { status: 200, headers, body: body.as_bytes().to_vec() })
}

#[allow(clippy::unnecessary_wraps)] // an `Answer`, like every handler's
fn status(code: u16, extra: &[(&str, &str)]) -> Answer {
    Ok(OutboundResponse {
        status: code,
        headers: extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        body: br#"{"error":"scripted"}"#.to_vec(),
    })
}

struct World {
    config: EsiConfig,
    storage: SqliteStorage,
    clock: ManualClock,
    breaker: LocalBreaker,
    random: SeededRandom,
}

impl World {
    fn new() -> Self {
        let storage = SqliteStorage::in_memory();
        cache::migrate(&storage).unwrap();
        cache::migrate(&storage).unwrap();
        Self {
            config: EsiConfig {
                base_url: "https://esi.example".into(),
                user_agent: "eve-hub/0.1 (ops@example.org)".into(),
                compatibility_date: "2025-08-26".into(),
                page_concurrency: 4,
            },
            storage,
            clock: ManualClock::at(T0),
            breaker: LocalBreaker::default(),
            random: SeededRandom::new(3),
        }
    }

    fn client<'a, H: HttpTransport>(
        &'a self,
        http: &'a H,
        sleep: &'a ClockSleep<'a>,
    ) -> Esi<'a, H, SqliteStorage, ManualClock, LocalBreaker, ClockSleep<'a>, SeededRandom> {
        Esi {
            config: &self.config,
            http,
            storage: &self.storage,
            clock: &self.clock,
            budget: &self.breaker,
            sleep,
            random: &self.random,
            stats: Stats::default(),
        }
    }
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn wallet(character: i64) -> Route {
    Route::authenticated(
        format!("/characters/{character}/wallet/"),
        CharacterId(character),
        "token".into(),
        Priority::Background,
    )
}

#[test]
fn headers_cache_until_expires_then_if_none_match_and_304() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let esi_peer = FakeEsi::new(|req| {
        if header(req, "If-None-Match").as_deref() == Some("\"v1\"") {
            status(304, &[("Expires", "Thu, 26 Nov 2026 11:40:00 GMT"), ("ETag", "\"v1\"")])
        } else {
            ok("1234.5", "\"v1\"", &[])
        }
    });
    let esi = world.client(&esi_peer, &sleep);
    let first = run(esi.get(&wallet(7))).unwrap();
    assert_eq!((first.source, first.body.as_slice()), (Source::Network, b"1234.5".as_slice()));
    let sent = esi_peer.requests.borrow()[0].clone();
    assert_eq!(sent.url, "https://esi.example/characters/7/wallet/");
    assert_eq!(header(&sent, "User-Agent").as_deref(), Some("eve-hub/0.1 (ops@example.org)"));
    assert_eq!(header(&sent, "X-Compatibility-Date").as_deref(), Some("2025-08-26"));
    assert_eq!(header(&sent, "Authorization").as_deref(), Some("Bearer token"));

    // Before Expires: no request at all.
    world.clock.advance_ms(60_000);
    assert_eq!(run(esi.get(&wallet(7))).unwrap().source, Source::Cache);
    assert_eq!(esi_peer.sent(), 1);
    assert_eq!(run(esi.get_if_changed(&wallet(7))), Err(EsiError::NotModified));

    // After Expires: a conditional request; the 304 serves the cached body and moves Expires.
    world.clock.advance_ms(5 * 60_000);
    let again = run(esi.get(&wallet(7))).unwrap();
    assert_eq!((again.source, again.body.as_slice()), (Source::NotModified, b"1234.5".as_slice()));
    assert_eq!(again.expires_at_ms, T0 + 10 * 60_000);
    assert_eq!(esi.stats.bodies.get(), 1, "one body downloaded in all");

    // The cache is per character on authenticated routes.
    assert_eq!(run(esi.get(&wallet(8))).unwrap().source, Source::Network);
}

#[test]
fn paged_results_are_fetched_concurrently_and_refetched_whole_when_pages_disagree() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let round = std::rc::Rc::new(Cell::new(0));
    let round_in = std::rc::Rc::clone(&round);
    let esi_peer = FakeEsi::new(move |req| {
        let page = page_of(req);
        // In round 1, page 3 already shows the next version (the data changed mid-sync).
        let version = if (round_in.get() == 1 && page == 3) || round_in.get() >= 2 { "B" } else { "A" };
        let last_modified =
            if version == "A" { "Thu, 26 Nov 2026 11:00:00 GMT" } else { "Thu, 26 Nov 2026 11:31:00 GMT" };
        if page == 3 && round_in.get() == 1 {
            round_in.set(2);
        }
        ok(
            &format!("[\"{version}{page}\"]"),
            &format!("\"{version}{page}\""),
            &[("X-Pages", "4"), ("Last-Modified", last_modified)],
        )
    });
    let esi = world.client(&esi_peer, &sleep);
    let all = run(esi.get_all_pages(&wallet(9))).unwrap();
    assert_eq!(all.pages.len(), 4);
    assert!(all.changed);
    assert_eq!(esi_peer.sent(), 4);

    // The next sync: page 3 changed while we read; the set is fetched again as a whole.
    world.clock.advance_ms(10 * 60_000);
    round.set(1);
    let all = run(esi.get_all_pages(&wallet(9))).unwrap();
    let bodies: Vec<String> = all.pages.iter().map(|p| String::from_utf8(p.clone()).unwrap()).collect();
    assert_eq!(bodies, vec!["[\"B1\"]", "[\"B2\"]", "[\"B3\"]", "[\"B4\"]"], "one consistent version");
    assert_eq!(esi_peer.sent(), 4 + 4 + 4, "4 conditional, then 4 unconditional");
    let unconditional = &esi_peer.requests.borrow()[8..];
    assert!(unconditional.iter().all(|r| header(r, "If-None-Match").is_none()));
}

#[test]
fn unchanged_paged_data_downloads_no_bodies() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let esi_peer = FakeEsi::new(|req| {
        let page = page_of(req);
        if header(req, "If-None-Match").is_some() {
            status(304, &[("Expires", "Thu, 26 Nov 2026 12:00:00 GMT"), ("X-Pages", "3")])
        } else {
            ok(
                &format!("[{page}]"),
                &format!("\"p{page}\""),
                &[("X-Pages", "3"), ("Last-Modified", "Thu, 26 Nov 2026 11:00:00 GMT")],
            )
        }
    });
    let esi = world.client(&esi_peer, &sleep);
    run(esi.get_all_pages(&wallet(10))).unwrap();
    let downloaded = esi.stats.body_bytes.get();
    world.clock.advance_ms(6 * 60_000);
    let again = run(esi.get_all_pages(&wallet(10))).unwrap();
    assert!(!again.changed);
    assert_eq!(again.pages.len(), 3);
    assert_eq!(esi.stats.body_bytes.get(), downloaded, "a resync of unchanged data downloads no body");
    assert_eq!(esi.stats.not_modified.get(), 3);
    // Within Expires not even a request.
    let before = esi_peer.sent();
    run(esi.get_all_pages(&wallet(10))).unwrap();
    assert_eq!(esi_peer.sent(), before);
}

#[test]
fn server_errors_retry_with_backoff_then_give_up_typed() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let calls = std::rc::Rc::new(Cell::new(0));
    let counter = std::rc::Rc::clone(&calls);
    let esi_peer = FakeEsi::new(move |_| {
        counter.set(counter.get() + 1);
        match counter.get() {
            1 => status(502, &[("X-ESI-Error-Limit-Remain", "99"), ("X-ESI-Error-Limit-Reset", "50")]),
            2 => Err(TransportError::Timeout),
            3 => ok("ok", "\"e\"", &[]),
            _ => status(503, &[]),
        }
    });
    let esi = world.client(&esi_peer, &sleep);
    assert_eq!(run(esi.get(&Route::public("/status/", Priority::Essential))).unwrap().body, b"ok");
    let waits = sleep.1.borrow().clone();
    assert_eq!(waits.len(), 2);
    assert!((500..=750).contains(&waits[0]) && (1000..=1500).contains(&waits[1]), "{waits:?}");

    // Bounded: the first attempt and MAX_RETRIES more.
    let err = run(esi.get(&Route::public("/universe/types/", Priority::Essential))).unwrap_err();
    assert_eq!(err, EsiError::Server { status: 503 });
    assert_eq!(calls.get(), 3 + 1 + 3);
}

#[test]
fn typed_errors_for_forbidden_not_found_and_rate_limits() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let esi_peer = FakeEsi::new(|req| match req.url.as_str() {
        u if u.ends_with("/roles/") => status(403, &[]),
        u if u.ends_with("/gone/") => status(404, &[]),
        _ => status(
            429,
            &[
                ("Retry-After", "30"),
                ("X-Ratelimit-Group", "char-wallet"),
                ("X-Ratelimit-Limit", "150/15m"),
                ("X-Ratelimit-Remaining", "0"),
            ],
        ),
    });
    let esi = world.client(&esi_peer, &sleep);
    assert!(
        matches!(run(esi.get(&Route::public("/corporations/1/roles/", Priority::Background))), Err(EsiError::Forbidden(m)) if m == "scripted")
    );
    assert_eq!(run(esi.get(&Route::public("/gone/", Priority::Background))), Err(EsiError::NotFound));
    assert_eq!(run(esi.get(&wallet(11))), Err(EsiError::RateLimited { retry_at_ms: T0 + 30_000 }));
}

#[test]
fn floating_window_rate_limits_pause_a_group_per_character() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let esi_peer = FakeEsi::new(|_| {
        ok(
            "1",
            "\"w\"",
            &[
                ("X-Ratelimit-Group", "char-wallet"),
                ("X-Ratelimit-Limit", "150/15m"),
                ("X-Ratelimit-Remaining", "1"),
            ],
        )
        .map(|mut r| {
            // Already expired: every call goes to ESI.
            r.headers.retain(|(k, _)| k != "Expires");
            r
        })
    });
    let esi = world.client(&esi_peer, &sleep);
    run(esi.get(&wallet(12))).unwrap();
    world.clock.advance_ms(1_000);
    // One token left in the group: wait until the window gives one back (15 min / 150 = 6 s).
    assert_eq!(run(esi.get(&wallet(12))), Err(EsiError::RateLimited { retry_at_ms: T0 + 6_000 }));
    assert_eq!(esi_peer.sent(), 1);
    // Another character's budget is its own... once ESI told us its group.
    run(esi.get(&wallet(13))).unwrap();
    world.clock.advance_ms(5_000);
    run(esi.get(&wallet(12))).unwrap();
    assert_eq!(esi_peer.sent(), 3);
}

#[test]
fn the_breaker_stops_background_calls_early_and_everything_after_a_420() {
    let world = World::new();
    let sleep = ClockSleep(&world.clock, RefCell::default());
    let remain = std::rc::Rc::new(Cell::new(60));
    let remain_in = std::rc::Rc::clone(&remain);
    let esi_peer = FakeEsi::new(move |_| {
        let left = remain_in.get();
        remain_in.set(left - 5);
        let left = left.to_string();
        if left.starts_with('-') || left == "0" {
            return status(420, &[("X-ESI-Error-Limit-Remain", "0"), ("X-ESI-Error-Limit-Reset", "40")]);
        }
        status(500, &[("X-ESI-Error-Limit-Remain", &left), ("X-ESI-Error-Limit-Reset", "40")])
    });
    let esi = world.client(&esi_peer, &sleep);
    // A storm of 500s: the retries are bounded, then background calls stop once fewer than 50
    // errors remain, and no call goes out while paused.
    let err = run(esi.get(&Route::public("/a/", Priority::Background))).unwrap_err();
    assert_eq!(err, EsiError::Server { status: 500 });
    let background_calls = esi_peer.sent();
    assert_eq!(background_calls, 4);
    let paused = run(esi.get(&Route::public("/b/", Priority::Background))).unwrap_err();
    assert!(matches!(paused, EsiError::ErrorLimited { .. }), "{paused:?}");
    assert_eq!(esi_peer.sent(), background_calls, "no call while paused");
    assert!(
        world.breaker.state.borrow().remain.unwrap() >= breaker::BACKGROUND_FLOOR - 5,
        "stopped well before zero"
    );

    // Essential calls may dig into the reserve, never below its floor.
    for _ in 0..10 {
        if let Err(EsiError::ErrorLimited { .. }) = run(esi.get(&Route::public("/c/", Priority::Essential))) {
            break;
        }
    }
    let left = world.breaker.state.borrow().remain.unwrap();
    assert!((breaker::ESSENTIAL_FLOOR - 5..breaker::ESSENTIAL_FLOOR).contains(&left), "{left}");

    // A 420 stops everything until the reset.
    world.breaker.state.borrow_mut().observe(world.clock.now_ms(), 420, Some(0), Some(40));
    let blocked = run(esi.get(&Route::public("/d/", Priority::Essential))).unwrap_err();
    assert!(
        matches!(blocked, EsiError::ErrorLimited { reset_at_ms } if reset_at_ms >= world.clock.now_ms() + 39_000)
    );
    world.clock.advance_ms(41_000);
    remain.set(100);
    let _ = run(esi.get(&Route::public("/e/", Priority::Background)));
    assert!(esi_peer.sent() > background_calls, "calls resume after the reset");
}
