//! Small files of a folder kept in memory (`origin.file_cache`), so that serving one again
//! costs one `stat` instead of opening, checking, reading and closing it: four system calls
//! less per request, most of what a small file costs beyond the request itself.
//!
//! A kept copy is only ever served for the path it was read from, and only while that path
//! still leads to the very same version of the very same file: same device and inode, same
//! length, same modification and change times to the nanosecond. Any write, truncation,
//! rename, new hard link or replacement changes one of them (the change time moves on every
//! one), and the next request reads the file again. The bytes were read through the checked
//! path ([`super::open`]), so a path that later leads elsewhere (a symlink put in its way, say)
//! finds another inode and is checked afresh. A file changed less than [`SETTLE`] ago is not
//! kept: two writes within one tick of the file system's clock could leave equal times.

use std::fmt;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use moka::sync::Cache;

use super::Head;

/// Largest file kept: what one read answers whole.
pub const MAX_FILE: u64 = crate::body::CHUNK;

/// How long a file must have been left alone before it is kept.
const SETTLE: Duration = Duration::from_secs(1);

/// What an entry costs beyond its bytes and its path (the `Arc`s, the head, moka's node).
const OVERHEAD: usize = 320;

/// The kept files of one folder origin, bounded by bytes.
pub struct Memo {
    files: Cache<PathBuf, Arc<Kept>>,
}

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memo").field("files", &self.files.entry_count()).finish()
    }
}

/// One version of one file, and what its answers carry.
pub struct Kept {
    version: Version,
    pub head: Arc<Head>,
    pub bytes: Bytes,
}

/// What tells one version of a file from any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Version {
    fn of(meta: &Metadata) -> Version {
        Version {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

impl Memo {
    /// `None` for a budget of `0`: nothing kept.
    pub fn new(max_bytes: u64) -> Option<Memo> {
        (max_bytes > 0).then(|| Memo {
            files: Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|path: &PathBuf, kept: &Arc<Kept>| {
                    let n = kept.bytes.len() + path.as_os_str().len() + OVERHEAD;
                    u32::try_from(n).unwrap_or(u32::MAX)
                })
                .build(),
        })
    }

    /// The kept copy of `path`, if the file there is still the one that was read.
    pub fn get(&self, path: &Path) -> Option<Arc<Kept>> {
        let kept = self.files.get(path)?;
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() && Version::of(&meta) == kept.version => Some(kept),
            _ => {
                self.files.invalidate(path);
                None
            }
        }
    }

    /// Keeps `bytes`, the whole of the file `path` whose open handle's metadata is `meta`, if
    /// it is small and has settled by `now`.
    pub fn keep(&self, path: &Path, meta: &Metadata, head: &Arc<Head>, bytes: &Bytes, now: SystemTime) {
        if meta.len() > MAX_FILE || bytes.len() as u64 != meta.len() {
            return;
        }
        let nanos = u32::try_from(meta.ctime_nsec()).unwrap_or(0);
        let changed = UNIX_EPOCH + Duration::new(meta.ctime().max(0).unsigned_abs(), nanos);
        if now.duration_since(changed).map_or(true, |age| age <= SETTLE) {
            return;
        }
        let kept = Kept { version: Version::of(meta), head: head.clone(), bytes: bytes.clone() };
        self.files.insert(path.to_path_buf(), Arc::new(kept));
    }

    /// How many files are kept (tests).
    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.files.run_pending_tasks();
        self.files.entry_count()
    }
}
