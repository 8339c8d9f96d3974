#![allow(clippy::unwrap_used)] // A panic in a test is a test failure, which is the point.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use authfront_core::config::{Store, StoreKind};
use authfront_core::revocation::Target;
use authfront_core::session::{Session, SessionId};

use super::file::FileStore;
use super::redis::{member, parse_member};
use super::*;
use crate::clock::unix_now as now;

fn entry(kind: &str, value: &str, at: u64) -> Entry {
    Entry { target: Target::from_parts(kind, value.to_owned()).unwrap(), at }
}

fn embedded(dir: &Path) -> Store {
    Store { kind: StoreKind::Embedded(dir.to_path_buf()), sync_interval_secs: 1, queue_path: dir.join("queue") }
}

fn session(sub: &str, sid: Option<&str>, iat: u64) -> Session {
    Session {
        id: SessionId([7; 16]),
        sub: sub.to_owned(),
        sid: sid.map(str::to_owned),
        email: None,
        name: None,
        groups: Vec::new(),
        iat,
        exp: iat + 3600,
        seen: iat,
        refresh_at: None,
        generation: 0,
    }
}

fn data(dir: &Path) -> String {
    fs::read_to_string(dir.join("revocations.jsonl")).unwrap()
}

#[tokio::test]
async fn the_folder_is_created_and_entries_are_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/state");
    let (store, kept) = FileStore::open(&dir, 0).unwrap();
    assert!(kept.is_empty());
    store.append(&entry("sid", "s-1", 100)).await.unwrap();
    store.append(&entry("sub", "alice", 101)).await.unwrap();
    assert_eq!(
        data(&dir),
        "{\"kind\":\"sid\",\"value\":\"s-1\",\"at\":100}\n{\"kind\":\"sub\",\"value\":\"alice\",\"at\":101}\n"
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(fs::metadata(dir.join("revocations.jsonl")).unwrap().permissions().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn another_process_sees_appends_by_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let (writer, _) = FileStore::open(tmp.path(), 0).unwrap();
    let (reader, _) = FileStore::open(tmp.path(), 0).unwrap();
    assert!(reader.read_new().await.unwrap().is_empty());
    writer.append(&entry("sub", "alice", 5)).await.unwrap();
    assert_eq!(reader.read_new().await.unwrap(), [entry("sub", "alice", 5)]);
    assert!(reader.read_new().await.unwrap().is_empty(), "each line is read once");
    writer.append(&entry("session", "00ff", 6)).await.unwrap();
    writer.append(&entry("sid", "x", 7)).await.unwrap();
    assert_eq!(reader.read_new().await.unwrap(), [entry("session", "00ff", 6), entry("sid", "x", 7)]);
}

#[tokio::test]
async fn a_half_written_line_waits_and_a_torn_one_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, _) = FileStore::open(tmp.path(), 0).unwrap();
    let path = tmp.path().join("revocations.jsonl");
    let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"{\"kind\":\"sub\",\"val").unwrap();
    assert!(store.read_new().await.unwrap().is_empty(), "an unfinished line is not read");
    f.write_all(b"ue\":\"bob\",\"at\":9}\n").unwrap();
    assert_eq!(store.read_new().await.unwrap(), [entry("sub", "bob", 9)]);
    // a writer died mid-line: the next append ends the fragment first
    f.write_all(b"{\"kind\":\"si").unwrap();
    store.append(&entry("sid", "y", 10)).await.unwrap();
    assert_eq!(store.read_new().await.unwrap(), [entry("sid", "y", 10)], "the fragment is skipped, the entry kept");
}

#[tokio::test]
async fn opening_compacts_old_entries_and_readers_follow_the_new_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, _) = FileStore::open(tmp.path(), 0).unwrap();
    for (v, at) in [("a", 10), ("b", 20), ("c", 30)] {
        old.append(&entry("sub", v, at)).await.unwrap();
    }
    let (reader, kept) = FileStore::open(tmp.path(), 0).unwrap();
    assert_eq!(kept.len(), 3);
    let before = fs::metadata(tmp.path().join("revocations.jsonl")).unwrap();
    // nothing to drop: the file is left as it is
    let (_, again) = FileStore::open(tmp.path(), 0).unwrap();
    assert_eq!(again.len(), 3);
    use std::os::unix::fs::MetadataExt as _;
    assert_eq!(fs::metadata(tmp.path().join("revocations.jsonl")).unwrap().ino(), before.ino());
    // a process starting later drops what is older than the longest session
    let (_, kept) = FileStore::open(tmp.path(), 20).unwrap();
    assert_eq!(kept, [entry("sub", "b", 20), entry("sub", "c", 30)]);
    assert_eq!(data(tmp.path()).lines().count(), 2);
    old.append(&entry("sub", "d", 40)).await.unwrap();
    // the reader notices the replaced file and reads it from the start
    assert_eq!(reader.read_new().await.unwrap(), [entry("sub", "b", 20), entry("sub", "c", 30), entry("sub", "d", 40)]);
}

#[tokio::test]
async fn a_folder_that_cannot_be_created_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-folder");
    fs::write(&file, "x").unwrap();
    let e = Revoker::open(&embedded(&file.join("state")), 60).unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("store.path "), "{text}");
    assert!(text.contains("not-a-folder/state"), "{text}");
}

#[tokio::test]
async fn the_revoker_applies_at_once_and_picks_up_other_writers() {
    let tmp = tempfile::tempdir().unwrap();
    let now = now();
    let revoker = Revoker::open(&embedded(tmp.path()), 3600).unwrap();
    let alice = session("alice", Some("s-a"), now - 10);
    let bob = session("bob", Some("s-b"), now - 10);
    assert!(!revoker.snapshot().revokes(&alice));
    let before = revoker.snapshot();
    revoker.revoke(entry("sid", "s-a", now)).await.unwrap();
    assert!(revoker.snapshot().revokes(&alice), "applied at once");
    assert!(!before.revokes(&alice), "an old snapshot is unchanged");
    // the admin command in another process
    let (other, _) = FileStore::open(tmp.path(), 0).unwrap();
    other.append(&entry("sub", "bob", now)).await.unwrap();
    assert!(!revoker.snapshot().revokes(&bob));
    revoker.sync().await;
    assert!(revoker.snapshot().revokes(&bob));
    // a restart loads both
    let restarted = Revoker::open(&embedded(tmp.path()), 3600).unwrap();
    assert!(restarted.snapshot().revokes(&alice) && restarted.snapshot().revokes(&bob));
    assert_eq!(restarted.location(), tmp.path().join("revocations.jsonl").display().to_string());
}

#[tokio::test]
async fn entries_older_than_the_session_lifetime_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let now = now();
    let (store, _) = FileStore::open(tmp.path(), 0).unwrap();
    store.append(&entry("sid", "ancient", now - 7200)).await.unwrap();
    store.append(&entry("sid", "recent", now - 60)).await.unwrap();
    let revoker = Revoker::open(&embedded(tmp.path()), 3600).unwrap();
    let list = revoker.snapshot().entries();
    assert_eq!(list.iter().map(|e| e.target.value()).collect::<Vec<_>>(), ["recent"]);
}

#[tokio::test]
async fn a_started_revoker_syncs_by_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let revoker = Revoker::open_and_start(&embedded(tmp.path()), 3600).await.unwrap();
    let (other, _) = FileStore::open(tmp.path(), 0).unwrap();
    other.append(&entry("sub", "carol", now())).await.unwrap();
    let carol = session("carol", None, now() - 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !revoker.snapshot().revokes(&carol) {
        assert!(std::time::Instant::now() < deadline, "not synced within 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_logout_token_id_is_acted_on_once() {
    let tmp = tempfile::tempdir().unwrap();
    let revoker = Revoker::open(&embedded(tmp.path()), 3600).unwrap();
    assert!(revoker.first_sight("jti-1", now() + 60, now()));
    assert!(!revoker.first_sight("jti-1", now() + 60, now()));
    assert!(revoker.first_sight("jti-2", now() + 60, now()));
    // forgotten once its time is over
    assert!(revoker.first_sight("jti-3", now() - 1, now()));
    assert!(revoker.first_sight("jti-3", now() + 60, now()));
    revoker.forget_jti("jti-1");
    assert!(revoker.first_sight("jti-1", now() + 60, now()), "forgotten after a failed write");
}

#[test]
fn redis_members_round_trip_and_urls_hide_passwords() {
    for t in [Target::Sub("a:b".into()), Target::Sid("x".into()), Target::Session("00ff".into())] {
        assert_eq!(parse_member(&member(&t)), Some(t));
    }
    assert_eq!(parse_member("nokind"), None);
    assert_eq!(parse_member("user:x"), None);
    let r = super::redis::RedisStore::open("redis://:hunter2@127.0.0.1:6379/3").unwrap();
    assert!(!r.url().contains("hunter2"), "{}", r.url());
    let e = super::redis::RedisStore::open("redis://user:hunter2@[bad/0").unwrap_err().to_string();
    assert!(e.starts_with("store.redis_url") && !e.contains("hunter2"), "{e}");
}

#[tokio::test]
async fn redis_unreachable_at_start_is_an_error_naming_the_key() {
    // nothing listens on port 1
    let store = Store {
        kind: StoreKind::Redis(authfront_core::config::Secret::new("redis://127.0.0.1:1/0".into())),
        sync_interval_secs: 1,
        queue_path: std::env::temp_dir().join("authfront-test-unused-queue"),
    };
    let e = Revoker::open_and_start(&store, 60).await.unwrap_err().to_string();
    assert!(e.starts_with("store.redis_url redis://127.0.0.1:1/0: cannot connect"), "{e}");
}

/// A store that cannot be written: its data file is a folder (root ignores permissions).
fn break_store(state: &Path) {
    let data = state.join("revocations.jsonl");
    let _ = fs::remove_file(&data);
    fs::create_dir(&data).unwrap();
}

fn repair_store(state: &Path) {
    fs::remove_dir(state.join("revocations.jsonl")).unwrap();
}

#[tokio::test]
async fn a_revocation_the_store_refuses_waits_in_the_queue_and_lands_later() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, queue) = (tmp.path().join("state"), tmp.path().join("queue"));
    let cfg = Store { kind: StoreKind::Embedded(state.clone()), sync_interval_secs: 1, queue_path: queue.clone() };
    let s = session("alice", None, now() - 10);
    let r = Revoker::open(&cfg, 3600).unwrap();
    assert!(!queue.exists(), "no queue folder until one is needed");
    break_store(&state);
    assert_eq!(r.revoke(Entry::session(&s.id, now())).await.unwrap(), Durable::Queued);
    assert!(r.snapshot().revokes(&s), "in force here at once");
    assert_eq!(r.waiting(), 1);
    r.sync().await;
    assert_eq!(r.waiting(), 1, "still refused: still waiting");
    repair_store(&state);
    // a restart before the retry: the queued revocation is in force from the start
    let restarted = Revoker::open(&cfg, 3600).unwrap();
    assert!(restarted.snapshot().revokes(&s));
    assert_eq!(restarted.waiting(), 1);
    restarted.sync().await;
    assert_eq!(restarted.waiting(), 0, "stored once the store takes it");
    assert!(data(&state).contains(&s.id_text()), "{}", data(&state));
    // the queue is empty on disk too: a new process finds nothing waiting
    assert_eq!(Revoker::open(&cfg, 3600).unwrap().waiting(), 0);
}

#[tokio::test]
async fn a_revocation_nothing_on_disk_can_take_waits_in_memory_and_is_retried() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, queue) = (tmp.path().join("state"), tmp.path().join("queue"));
    let cfg = Store { kind: StoreKind::Embedded(state.clone()), sync_interval_secs: 1, queue_path: queue.clone() };
    let s = session("bob", None, now() - 10);
    let r = Revoker::open(&cfg, 3600).unwrap();
    // neither the store nor the queue's folder can be written: a file is in its way
    fs::write(&queue, b"not a folder").unwrap();
    break_store(&state);
    assert!(r.revoke(Entry::session(&s.id, now())).await.is_err(), "not durable: not acknowledged");
    assert!(r.snapshot().revokes(&s), "but in force here");
    assert_eq!(r.waiting(), 1);
    repair_store(&state);
    r.sync().await;
    assert_eq!(r.waiting(), 0);
    assert!(data(&state).contains(&s.id_text()));
}

#[tokio::test]
async fn a_login_is_used_once_across_processes_sharing_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = embedded(&tmp.path().join("state"));
    let a = Revoker::open(&cfg, 3600).unwrap();
    let b = Revoker::open(&cfg, 3600).unwrap();
    let until = now() + 600;
    assert_eq!(a.first_use("00112233445566778899aabbccddeeff", until, now()).await, First::Yes);
    assert_eq!(a.first_use("00112233445566778899aabbccddeeff", until, now()).await, First::No);
    assert_eq!(b.first_use("00112233445566778899aabbccddeeff", until, now()).await, First::No, "another instance");
    assert_eq!(b.first_use("ffeeddccbbaa99887766554433221100", until, now()).await, First::Yes);
}

#[test]
fn a_queue_path_that_is_not_a_folder_is_an_error_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let queue = tmp.path().join("queue");
    fs::write(&queue, b"x").unwrap();
    let cfg = Store { kind: StoreKind::Embedded(tmp.path().join("state")), sync_interval_secs: 1, queue_path: queue };
    let e = Revoker::open(&cfg, 3600).unwrap_err().to_string();
    assert!(e.starts_with("store.queue_path "), "{e}");
}
