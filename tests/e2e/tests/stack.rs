//! End-to-end: the nine workers in one `wrangler dev` session against a fresh Postgres database.

use e2e::{Stack, CONFIGS};
use serde_json::Value;

fn health_path(svc: &str) -> String {
    if svc == "ui" {
        "/health".to_owned()
    } else {
        format!("/health/{svc}")
    }
}

#[tokio::test]
async fn every_worker_proves_postgres_and_its_durable_object() {
    let stack = Stack::start().await;
    for svc in CONFIGS {
        let (status, body) = stack.deep_health(svc).await;
        assert_eq!(status, 200, "{svc}: {body}");
        assert_eq!(body["service"], svc);
        assert_eq!(body["status"], "ok", "{svc}: {body}");
        assert_eq!(body["database"]["status"], "ok", "{svc}: {body}");
        assert!(body["database"]["detail"]["schema_version"].as_i64().unwrap() >= 1, "{svc}: {body}");
        assert!(body["database"]["detail"].get("users").is_none(), "no counts of anything: {body}");
        if svc == "ui" {
            assert!(body.get("durable_object").is_none(), "ui holds no Durable Object: {body}");
        } else {
            assert_eq!(body["durable_object"]["status"], "ok", "{svc}: {body}");
            assert!(body["durable_object"]["detail"]["probes"].as_i64().unwrap() >= 1, "{svc}: {body}");
        }
    }
}

#[tokio::test]
async fn unauthenticated_health_writes_nothing_and_tells_little() {
    let stack = Stack::start().await;
    let (_, before) = stack.deep_health("groups").await;
    let probes = before["durable_object"]["detail"]["probes"].as_i64().expect("probe count");
    for svc in CONFIGS {
        for _ in 0..3 {
            let (status, body) = stack.get_json(&health_path(svc)).await;
            assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "{svc}: {body}");
            assert!(body.get("durable_object").is_none(), "no object is touched: {body}");
            assert!(body["database"].get("detail").is_none(), "nothing about the data: {body}");
        }
    }
    let (_, after) = stack.deep_health("groups").await;
    assert_eq!(
        after["durable_object"]["detail"]["probes"].as_i64(),
        Some(probes + 1),
        "only the deep probes wrote"
    );

    // The operator's report needs the operator's token.
    for path in ["/health/deep", "/health/groups/deep", "/health/core/deep"] {
        let (status, body) = stack.get_json(path).await;
        assert_eq!(status, 401, "{path}: {body}");
        let resp = stack
            .http
            .get(stack.url(path))
            .bearer_auth("a-guess-of-the-operator-token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{path}");
    }
    // So does the probe socket, which writes to an object.
    let ws_url = stack.url("/health/ws").replacen("http://", "ws://", 1);
    match tokio_tungstenite::connect_async(ws_url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 401);
        }
        other => {
            panic!("the probe socket opened without the operator token: {:?}", other.map(|(_, r)| r.status()))
        }
    }
}

#[tokio::test]
async fn core_makes_a_typed_call_into_a_durable_object_of_another_worker() {
    let stack = Stack::start().await;
    // eve-token-store probes its own object; core then probes the same object across workers.
    let (_, own) = stack.deep_health("eve-token-store").await;
    let before = own["durable_object"]["detail"]["probes"].as_i64().expect("probe count");
    let (status, core) = stack.deep_health("core").await;
    assert_eq!(status, 200, "{core}");
    let deps = core["dependencies"].as_array().expect("core reports its dependencies");
    let token_store =
        deps.iter().find(|d| d["service"] == "eve-token-store").expect("eve-token-store dependency");
    assert_eq!(token_store["status"], "ok", "{core}");
    assert_eq!(
        token_store["detail"]["probes"].as_i64(),
        Some(before + 1),
        "core reached the same object: {core}"
    );
    assert_eq!(
        token_store["detail"]["first_probe_at_ms"], own["durable_object"]["detail"]["first_probe_at_ms"],
        "{core}"
    );
}

#[tokio::test]
async fn durable_object_sqlite_writes_survive_a_restart() {
    let mut stack = Stack::start().await;
    let (_, first) = stack.deep_health("groups").await;
    let (_, second) = stack.deep_health("groups").await;
    let probes = second["durable_object"]["detail"]["probes"].as_i64().unwrap();
    assert_eq!(probes, first["durable_object"]["detail"]["probes"].as_i64().unwrap() + 1);

    stack.restart().await;

    let (status, after) = stack.deep_health("groups").await;
    assert_eq!(status, 200, "{after}");
    let detail = &after["durable_object"]["detail"];
    // The history is continuous.
    assert_eq!(detail["probes"].as_i64(), Some(probes + 1), "{after}");
    assert_eq!(detail["first_probe_at_ms"], second["durable_object"]["detail"]["first_probe_at_ms"]);
}

#[tokio::test]
async fn errors_are_json_with_the_right_status_and_requests_carry_ids() {
    let stack = Stack::start().await;

    let (status, body) = stack.get_json("/no/such/file.txt").await;
    assert_eq!(status, 404);
    assert_eq!(body, serde_json::json!({"error": "not_found", "message": "no such file: /no/such/file.txt"}));

    // Forwarded to core over the service binding: core's own JSON 404.
    let (status, body) = stack.get_json("/api/nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "no route for GET /api/nope");

    let (status, body) = stack.get_json("/health/not-a-service").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");

    let resp = stack
        .http
        .post(stack.url("/api/anything"))
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "payload_too_large");

    let resp = stack.http.delete(stack.url("/health")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);

    // Error responses carry the request id, the caller's when it sent a sane one.
    let resp =
        stack.http.get(stack.url("/nope.txt")).header("x-request-id", "e2e-trace-1").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "e2e-trace-1");
    let resp = stack.http.get(stack.url("/nope.txt")).header("x-request-id", "bad id!").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 32, "an unusable id is replaced by a fresh one");
    // It crosses workers: core's 404, forwarded by ui, carries the id ui was given.
    let resp =
        stack.http.get(stack.url("/api/nope")).header("x-request-id", "e2e-trace-2").send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "e2e-trace-2");

    // Both workers logged the refusal as one JSON object per line, under the same request id.
    for service in ["ui", "core"] {
        let line = stack
            .wait_for_log_line(&[&format!("[{service}]"), r#""request_id":"e2e-trace-2""#, "request refused"])
            .await
            .unwrap_or_else(|| panic!("no {service} log line for the request:\n{}", stack.log_tail()));
        let json: Value = serde_json::from_str(&line[line.find('{').unwrap()..]).expect("a JSON log line");
        assert_eq!(json["service"], service, "{line}");
        assert_eq!(json["status"], 404, "{line}");
        assert_eq!(json["level"], "INFO", "{line}");
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, parsed as JSON (control frames skipped).
async fn next_json(socket: &mut Socket) -> Value {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match socket.next().await.expect("socket open").expect("frame") {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("JSON message"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_hibernatable_websocket_reaches_a_durable_object_through_two_workers() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let stack = Stack::start().await;
    let ws_url = stack.url("/health/ws").replacen("http://", "ws://", 1);
    let mut request = ws_url.as_str().into_client_request().unwrap();
    let bearer = format!("Bearer {}", e2e::OPERATOR_TOKEN);
    request.headers_mut().insert("authorization", bearer.parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.expect("upgrade");
    assert_eq!(response.status().as_u16(), 101);

    let hello = next_json(&mut socket).await;
    assert_eq!(hello["type"], "hello", "{hello}");
    let first = hello["probe"]["probes"].as_i64().expect("probe count");

    socket.send(Message::Text("probe".into())).await.unwrap();
    let probe = next_json(&mut socket).await;
    assert_eq!(probe["type"], "probe", "{probe}");
    assert_eq!(probe["probe"]["probes"].as_i64(), Some(first + 1), "the object wrote SQLite again: {probe}");

    // Answered by the runtime's auto-response, without waking the object.
    socket.send(Message::Text("ping".into())).await.unwrap();
    match socket.next().await.expect("socket open").expect("frame") {
        Message::Text(text) => assert_eq!(text.as_str(), "pong"),
        other => panic!("expected pong, got {other:?}"),
    }

    socket.send(Message::Text("nonsense".into())).await.unwrap();
    let error = next_json(&mut socket).await;
    assert_eq!(error["type"], "error", "{error}");

    socket.close(None).await.unwrap();

    // A plain GET is not an upgrade: the object refuses it with JSON.
    let (status, body) = stack.operator_get("/health/ws").await;
    assert_eq!(status, 426, "{body}");
    assert_eq!(body["error"], "upgrade_required");
}
