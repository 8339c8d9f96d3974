// A test's panic is its failure report; the workspace's no-unwrap rule is for server code.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;

use http_body_util::BodyExt;

use super::*;

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ (i / 251) as u8).collect()
}

/// A file the page cache was asked to forget (written, flushed, then `POSIX_FADV_DONTNEED`):
/// its chunks come from the blocking pool, where the file system lets that be told.
fn cold_file(data: &[u8]) -> (tempfile::TempDir, std::fs::File) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cold.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(data).unwrap();
    f.sync_all().unwrap();
    let f = std::fs::File::open(&path).unwrap();
    #[cfg(target_os = "linux")]
    let _ = rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed);
    (dir, f)
}

#[tokio::test]
async fn a_file_streams_exactly_its_range_cached_or_not() {
    let data = pattern(3 * CHUNK as usize + 123);
    for (start, len) in [(0, data.len()), (1000, 2 * CHUNK as usize + 5), (CHUNK as usize, 1)] {
        let (_dir, file) = cold_file(&data);
        let body = file_body(file, start, len);
        assert_eq!(hyper::body::Body::size_hint(&body).exact(), Some(len as u64));
        let got = body.collect().await.unwrap().to_bytes();
        assert!(got == data[start..start + len], "{start} {len}");
    }
}

#[tokio::test]
async fn a_file_shorter_than_promised_is_an_error() {
    let (_dir, file) = cold_file(&pattern(1000));
    assert!(file_body(file, 0, 2000).collect().await.is_err());
}

fn file_body(f: std::fs::File, start: usize, len: usize) -> Body {
    file(f, start as u64, len as u64)
}
