use super::*;

#[test]
fn a_key_is_new_once_in_memory_and_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let used = Used::new(Some(dir.path()));
    assert_eq!(used.in_memory("k1", 100, 10), First::Yes);
    assert_eq!(used.in_memory("k1", 100, 10), First::No);
    assert_eq!(used.in_memory("k1", 100, 101), First::Yes, "forgotten once its state expired");
    assert_eq!(used.on_disk("k1", 100).unwrap(), First::Yes);
    assert_eq!(used.on_disk("k1", 100).unwrap(), First::No);
    // another process sharing the folder agrees
    let other = Used::new(Some(dir.path()));
    assert_eq!(other.on_disk("k1", 100).unwrap(), First::No);
    assert_eq!(other.on_disk("k2", 200).unwrap(), First::Yes);
    used.prune(150);
    assert_eq!(other.on_disk("k1", 100).unwrap(), First::Yes, "pruned after it expired");
    assert_eq!(other.on_disk("k2", 200).unwrap(), First::No, "kept while it may come back");
}
