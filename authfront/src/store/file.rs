//! The embedded store: one append-only JSON-lines file, `revocations.jsonl`, in the folder of
//! `store.path`. One entry per line (`{"kind":"sid","value":"…","at":1700000000}`), each
//! written with one `write` and made durable (fsync) before the revocation is reported done.
//!
//! Several processes may share the folder (instances on one machine, the `authfront revoke`
//! command): writers and the compaction take an exclusive advisory lock on
//! `revocations.lock`; readers need none, since they only consume whole lines and notice a
//! compacted (replaced) file by its inode. Compaction happens when a process opens the store: the
//! entries too old to matter are dropped and the rest written to a new file that replaces the
//! old one atomically (rename). Never deletes the folder or anything else in it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use authfront_core::revocation::Entry;

use super::StoreError;

const DATA: &str = "revocations.jsonl";
const LOCK: &str = "revocations.lock";
/// Revocations name users and sessions: readable by the service user only.
const FILE_MODE: u32 = 0o600;
const DIR_MODE: u32 = 0o700;

#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    data: PathBuf,
    /// Where reading stopped: the file (by inode) and the end of its last whole line read.
    cursor: Mutex<Cursor>,
}

/// What one read found.
struct Read {
    entries: Vec<Entry>,
    /// Lines that were not entries.
    skipped: usize,
    /// The end of the last whole line.
    offset: u64,
    /// The end of the file (beyond `offset` when the last line is unfinished).
    len: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    dev: u64,
    ino: u64,
    offset: u64,
}

impl FileStore {
    /// Creates the folder if needed, compacts the file (dropping entries made before
    /// `keep_from`) and returns the entries kept.
    pub fn open(dir: &Path, keep_from: u64) -> Result<(FileStore, Vec<Entry>), StoreError> {
        let err = |what, source| StoreError::File { path: dir.to_path_buf(), what, source };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(|e| err("cannot create the folder", e))?;
        let inner = Inner { dir: dir.to_path_buf(), data: dir.join(DATA), cursor: Mutex::new(Cursor::default()) };
        let kept = {
            let _lock = inner.lock()?;
            let read = match inner.open_data()? {
                Some(mut f) => Some(inner.read_from(&mut f, 0)?),
                None => None,
            };
            let (kept, clean) = match read {
                Some(r) => {
                    let total = r.entries.len();
                    let kept: Vec<Entry> = r.entries.into_iter().filter(|e| e.at >= keep_from).collect();
                    let clean = kept.len() == total && r.skipped == 0 && r.offset == r.len;
                    (kept, clean)
                }
                None => (Vec::new(), false),
            };
            if !clean {
                inner.rewrite(&kept)?;
            }
            // Positioned at the end of the file: the kept entries are returned.
            let meta = fs::metadata(&inner.data).map_err(|e| inner.error("cannot read", e))?;
            *inner.cursor() = Cursor { dev: meta.dev(), ino: meta.ino(), offset: meta.len() };
            kept
        };
        Ok((FileStore { inner: Arc::new(inner) }, kept))
    }

    /// The data file.
    pub fn path(&self) -> &Path {
        &self.inner.data
    }

    /// Appends one entry and makes it durable.
    pub async fn append(&self, e: &Entry) -> Result<(), StoreError> {
        let inner = self.inner.clone();
        let e = e.clone();
        blocking(move || inner.append(&e)).await
    }

    /// The entries written since the last read, by this process or any other.
    pub async fn read_new(&self) -> Result<Vec<Entry>, StoreError> {
        let inner = self.inner.clone();
        blocking(move || inner.read_new()).await
    }

    /// Every entry in the file now (whoever wrote it), without moving the read position.
    pub async fn read_all(&self) -> Result<Vec<Entry>, StoreError> {
        let inner = self.inner.clone();
        blocking(move || match inner.open_data()? {
            Some(mut f) => Ok(inner.read_from(&mut f, 0)?.entries),
            None => Ok(Vec::new()),
        })
        .await
    }

    /// Rewrites the file without `done` (under the writers' lock, so that entries appended
    /// meanwhile by anyone stay); returns what is left.
    pub async fn remove(&self, done: Vec<Entry>) -> Result<Vec<Entry>, StoreError> {
        let inner = self.inner.clone();
        blocking(move || {
            let _lock = inner.lock()?;
            let all = match inner.open_data()? {
                Some(mut f) => inner.read_from(&mut f, 0)?.entries,
                None => Vec::new(),
            };
            let left: Vec<Entry> = all.into_iter().filter(|e| !done.contains(e)).collect();
            inner.rewrite(&left)?;
            Ok(left)
        })
        .await
    }
}

impl Inner {
    fn error(&self, what: &'static str, source: io::Error) -> StoreError {
        StoreError::File { path: self.data.clone(), what, source }
    }

    fn cursor(&self) -> std::sync::MutexGuard<'_, Cursor> {
        self.cursor.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The exclusive lock writers and compaction share; released when the file is dropped.
    fn lock(&self) -> Result<File, StoreError> {
        let path = self.dir.join(LOCK);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(|e| StoreError::File { path: path.clone(), what: "cannot open the lock file", source: e })?;
        f.lock().map_err(|e| StoreError::File { path, what: "cannot lock", source: e })?;
        Ok(f)
    }

    fn append(&self, e: &Entry) -> Result<(), StoreError> {
        let mut line = serde_json::to_vec(e).map_err(|e| self.error("cannot encode an entry", e.into()))?;
        line.push(b'\n');
        let _lock = self.lock()?;
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .mode(FILE_MODE)
            .open(&self.data)
            .map_err(|e| self.error("cannot open for appending", e))?;
        // A writer that crashed mid-line left a fragment: end it, or this entry would be
        // glued to it and lost with it.
        let len = f.metadata().map_err(|e| self.error("cannot read", e))?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(len - 1))
                .and_then(|_| f.read_exact(&mut last))
                .map_err(|e| self.error("cannot read", e))?;
            if last[0] != b'\n' {
                line.insert(0, b'\n');
            }
        }
        f.write_all(&line).map_err(|e| self.error("cannot write", e))?;
        f.sync_data().map_err(|e| self.error("cannot flush to disk", e))
    }

    fn read_new(&self) -> Result<Vec<Entry>, StoreError> {
        // Not there: not created yet, or mid-replacement on a filesystem without atomic rename.
        let Some(mut f) = self.open_data()? else { return Ok(Vec::new()) };
        let meta = f.metadata().map_err(|e| self.error("cannot read", e))?;
        let mut cursor = *self.cursor();
        if (meta.dev(), meta.ino()) != (cursor.dev, cursor.ino) || meta.len() < cursor.offset {
            // Compacted by another process: a new file, read from its start. Entries already
            // known come again; applying them twice changes nothing.
            cursor = Cursor { dev: meta.dev(), ino: meta.ino(), offset: 0 };
        }
        if meta.len() == cursor.offset {
            *self.cursor() = cursor;
            return Ok(Vec::new());
        }
        let read = self.read_from(&mut f, cursor.offset)?;
        *self.cursor() = Cursor { offset: read.offset, ..cursor };
        Ok(read.entries)
    }

    /// The data file, if it exists.
    fn open_data(&self) -> Result<Option<File>, StoreError> {
        match File::open(&self.data) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error("cannot open", e)),
        }
    }

    /// The whole lines of `f` from `offset` on, parsed. A line that does not parse (a torn
    /// write, a hand edit) is skipped with a warning.
    fn read_from(&self, f: &mut File, offset: u64) -> Result<Read, StoreError> {
        let mut bytes = Vec::new();
        f.seek(SeekFrom::Start(offset))
            .and_then(|_| f.read_to_end(&mut bytes))
            .map_err(|e| self.error("cannot read", e))?;
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let mut read =
            Read { entries: Vec::new(), skipped: 0, offset: offset + whole as u64, len: offset + bytes.len() as u64 };
        for (n, line) in bytes[..whole].split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Entry>(line) {
                Ok(e) => read.entries.push(e),
                Err(e) => {
                    read.skipped += 1;
                    tracing::warn!(
                        file = %self.data.display(),
                        offset,
                        line = n + 1,
                        error = %e,
                        "revocations: skipping a line that is not an entry"
                    );
                }
            }
        }
        Ok(read)
    }

    /// Replaces the file with exactly `entries`: written beside it, flushed, renamed over it,
    /// and the rename made durable. The caller holds the lock.
    fn rewrite(&self, entries: &[Entry]) -> Result<(), StoreError> {
        let tmp = self.dir.join(format!("{DATA}.tmp"));
        let mut text = Vec::new();
        for e in entries {
            serde_json::to_writer(&mut text, e).map_err(|e| self.error("cannot encode an entry", e.into()))?;
            text.push(b'\n');
        }
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(FILE_MODE)
            .open(&tmp)
            .map_err(|e| self.error("cannot write the compacted file", e))?;
        f.write_all(&text).and_then(|()| f.sync_all()).map_err(|e| self.error("cannot write the compacted file", e))?;
        fs::rename(&tmp, &self.data).map_err(|e| self.error("cannot replace with the compacted file", e))?;
        File::open(&self.dir).and_then(|d| d.sync_all()).map_err(|e| self.error("cannot flush the folder", e))
    }
}

/// Runs file work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        // Only if the closure panicked; its error is an io error of no particular file.
        Err(e) => Err(StoreError::File {
            path: PathBuf::new(),
            what: "store task failed",
            source: io::Error::other(e.to_string()),
        }),
    }
}
