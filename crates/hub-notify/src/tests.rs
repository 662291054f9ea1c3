use super::*;
use hub_domain::UserId;
use hub_native::SqliteStorage;

const T0: i64 = 1_800_000_000_000;

fn new(title: &str) -> NewNotification {
    NewNotification {
        user_id: UserId(uuid::Uuid::nil()),
        kind: NotificationKind::InvitationReceived,
        title: title.into(),
        data: serde_json::json!({ "group_id": "g" }),
    }
}

fn storage() -> SqliteStorage {
    let storage = SqliteStorage::in_memory();
    migrate(&storage).unwrap();
    migrate(&storage).unwrap();
    storage
}

#[test]
fn stored_first_then_retried_three_times_until_acknowledged() {
    let s = storage();
    let n = store(&s, T0, &new("one")).unwrap();
    assert_eq!(unacknowledged(&s).unwrap(), vec![n.clone()], "stored before any send");
    assert_eq!(next_alarm_at(&s).unwrap(), Some(T0));
    mark_sent(&s, T0, &[n.id]).unwrap();
    assert_eq!(next_alarm_at(&s).unwrap(), Some(T0 + 5_000), "first retry after 5 s");
    assert!(due_for_retry(&s, T0 + 4_999).unwrap().is_empty());
    assert_eq!(due_for_retry(&s, T0 + 5_000).unwrap().len(), 1);
    mark_sent(&s, T0 + 5_000, &[n.id]).unwrap();
    assert_eq!(next_alarm_at(&s).unwrap(), Some(T0 + 15_000));
    mark_sent(&s, T0 + 15_000, &[n.id]).unwrap();
    assert_eq!(next_alarm_at(&s).unwrap(), Some(T0 + 35_000));
    mark_sent(&s, T0 + 35_000, &[n.id]).unwrap();
    assert_eq!(next_alarm_at(&s).unwrap(), None, "three retries, then it waits for a reconnect");
    assert_eq!(unacknowledged(&s).unwrap().len(), 1, "still delivered on reconnect");

    assert_eq!(ack(&s, T0, &[n.id, 999]).unwrap(), 1);
    assert_eq!(ack(&s, T0, &[n.id]).unwrap(), 0, "acks are idempotent");
    assert!(unacknowledged(&s).unwrap().is_empty());
}

#[test]
fn listing_pages_filters_unread_and_marks_read() {
    let s = storage();
    let ids: Vec<i64> = (0..5).map(|i| store(&s, T0 + i, &new(&format!("n{i}"))).unwrap().id).collect();
    let page = list(&s, false, None, 2).unwrap();
    assert_eq!(page.notifications.iter().map(|n| n.id).collect::<Vec<_>>(), vec![ids[4], ids[3]]);
    assert_eq!((page.unread_count, page.next_before_id), (5, Some(ids[3])));
    let last = list(&s, false, Some(ids[1]), 2).unwrap();
    assert_eq!((last.notifications.len(), last.next_before_id), (1, None));

    assert!(mark_read(&s, T0, ids[4]).unwrap());
    assert!(!mark_read(&s, T0, 12_345).unwrap());
    let unread = list(&s, true, None, 10).unwrap();
    assert_eq!((unread.notifications.len(), unread.unread_count), (4, 4));
    assert_eq!(mark_all_read(&s, T0).unwrap(), 4);
    assert_eq!(list(&s, true, None, 10).unwrap().notifications.len(), 0);
    assert!(list(&s, false, None, 10).unwrap().notifications.iter().all(|n| n.read));
}

#[test]
fn wire_messages() {
    let ack: ClientMessage = serde_json::from_str(r#"{"type":"ack","ids":[1,2]}"#).unwrap();
    assert_eq!(ack, ClientMessage::Ack { ids: vec![1, 2] });
    assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"ack","ids":"x"}"#).is_err());
    let hello = serde_json::to_value(ServerMessage::Hello { unread_count: 3 }).unwrap();
    assert_eq!(hello, serde_json::json!({ "type": "hello", "unread_count": 3 }));
}

#[test]
fn ended_sessions_receive_nothing_and_are_remembered_across_restarts() {
    let storage = storage();
    let socket = SocketSession { connected_at_ms: 0, session_id: "s-1".into(), expires_at_ms: 10_000 };
    assert!(socket.may_receive(1_000, &ended_sessions(&storage).unwrap()));
    end_sessions(&storage, 1_000, &["s-1".into(), "s-1".into()]).unwrap();
    // What a woken (or re-created) object reads from its storage.
    let ended = ended_sessions(&storage).unwrap();
    assert_eq!(ended, vec!["s-1".to_owned()]);
    assert!(!socket.may_receive(1_000, &ended), "ended");
    let other = SocketSession { session_id: "s-2".into(), ..socket.clone() };
    assert!(other.may_receive(1_000, &ended));
    assert!(!other.may_receive(10_000, &ended), "expired");
    assert_eq!(SocketSession::tag("s-2"), "session:s-2");
    // Long after every session could have lived, the record goes.
    end_sessions(&storage, 1_000 + ENDED_SESSION_MEMORY_MS, &[]).unwrap();
    assert!(ended_sessions(&storage).unwrap().is_empty());
}
