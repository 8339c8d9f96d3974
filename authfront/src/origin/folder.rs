//! The folder origin: serves a site from a directory on this machine, the way a static web
//! server would (content types, validators, `304`, ranges, index files, SPA fallback).
//!
//! It must never serve anything outside its root, nor anything the rules did not decide on, nor
//! tell a visitor that such a thing exists: names starting with `.` are hidden
//! (`origin.hidden_files`); a symbolic link on the way is refused (`origin.symlinks = "deny"`),
//! or followed only to a target inside the canonical root that the rules let this request see
//! by the target's own path (`"follow"`); and anything that fails a check, loops, cannot be
//! read or is not a regular file answers exactly like a missing file. It never reads a large
//! file into memory, and it leaves every conditional and range judgement to
//! [`authfront_core::conditional`].
//!
//! Finding, opening and checking a file happen on the request's own worker thread: on a local
//! file system these are a few system calls answered from the kernel's caches in microseconds,
//! less than a trip to tokio's blocking pool and back costs (that trip was most of a small
//! file's price). Its bytes are read there too when the page cache holds them, and on the
//! blocking pool otherwise ([`body::read_cached`]), so that a cold disk never holds up a
//! worker. A path without symbolic links is opened in one system call (`open_plain`); one with
//! them is resolved below the root one name at a time (`resolve`) rather than by
//! `canonicalize`, which would re-read every directory above the root on every request. (A
//! folder on a network file system belongs behind an HTTP origin instead.)

use std::fs::File;
use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{ACCEPT_RANGES, CONTENT_TYPE, ETAG, LAST_MODIFIED};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};

use authfront_core::conditional::{self, Answer, Validators};
use authfront_core::config::{HiddenFiles, Symlinks};
use authfront_core::error::Error;
use authfront_core::path::{NormPath, normalize};
use authfront_core::route::{self, INDEX};

use crate::body::{self, Body, CHUNK};
use memo::{Kept, Memo};

/// A directory served as a website.
#[derive(Debug, Clone)]
pub struct Folder {
    /// Canonical (absolute, symlinks resolved), so that "inside the root" is a prefix test.
    root: Arc<Path>,
    /// `/dir/` serves `/dir/index.html`, `/dir` redirects to `/dir/`.
    static_site: bool,
    /// Navigations to nothing serve `/index.html`, for client-side routing.
    spa: bool,
    /// Small files kept in memory, `None` when `file_cache` is `0`.
    memo: Option<Arc<Memo>>,
    hidden_files: HiddenFiles,
    symlinks: Symlinks,
}

/// Whether the rules let the request being served see a path (a symlink's target): the core's
/// `decide::may_see` for this request's user.
pub type MaySee<'a> = &'a (dyn Fn(&NormPath) -> bool + Sync);

impl Folder {
    /// Blocking (it reads the file system once): call while building, not per request.
    /// `file_cache`: bytes of small files to keep in memory (`0`: none).
    pub fn new(root: &Path, static_site: bool, spa: bool, file_cache: u64) -> io::Result<Folder> {
        let root = std::fs::canonicalize(root)?;
        if !std::fs::metadata(&root)?.is_dir() {
            let msg = format!("{} is not a directory", root.display());
            return Err(io::Error::new(ErrorKind::NotADirectory, msg));
        }
        Ok(Folder {
            root: root.into(),
            static_site,
            spa,
            memo: Memo::new(file_cache).map(Arc::new),
            hidden_files: HiddenFiles::Deny,
            symlinks: Symlinks::Deny,
        })
    }

    /// The same folder with `origin.hidden_files` and `origin.symlinks` as given (both `deny`
    /// unless said).
    pub fn with_rules(mut self, hidden_files: HiddenFiles, symlinks: Symlinks) -> Folder {
        self.hidden_files = hidden_files;
        self.symlinks = symlinks;
        self
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers a `GET` or `HEAD` for `path`. `query` is the raw query string, kept on redirects;
    /// `may_see` tells whether the rules let this request see another path (a symlink's target).
    /// Fails with [`Error::MethodNotAllowed`], [`Error::NotFound`], or [`Error::Origin`] when the
    /// file system fails otherwise (logged for operators, a `502` for visitors).
    pub async fn serve(
        &self,
        path: &NormPath,
        query: Option<&str>,
        req: &Parts,
        may_see: MaySee<'_>,
    ) -> Result<Response<Body>, Error> {
        if req.method != Method::GET && req.method != Method::HEAD {
            return Err(Error::MethodNotAllowed);
        }
        if self.hidden_files == HiddenFiles::Deny && route::hidden(path) {
            return Err(Error::NotFound);
        }
        let lookup = Lookup {
            links: Links {
                root: &self.root,
                follow: self.symlinks == Symlinks::Follow,
                hide: self.hidden_files == HiddenFiles::Deny,
                may_see,
            },
            root: &self.root,
            candidate: self.candidate(path),
            redirect_dirs: self.static_site && !path.ends_with_slash(),
            fallback: self.spa && route::is_navigation(path, &req.headers),
            method: &req.method,
            conditions: &req.headers,
            memo: self.memo.as_deref(),
        };
        let found = lookup.run()?;
        match found {
            Found::Directory => super::redirect(path, query),
            Found::File(served) => served.respond(),
        }
    }

    /// The file a path names; `None` for a directory that only a static site would serve.
    fn candidate(&self, path: &NormPath) -> Option<PathBuf> {
        if path.ends_with_slash() && !self.static_site {
            return None;
        }
        let mut file = self.root.to_path_buf();
        // NormPath has no `..`, empty or `/`-bearing segments; the prefix check after
        // canonicalising is what actually keeps the result inside the root
        file.extend(path.segments());
        if path.ends_with_slash() {
            file.push(INDEX);
        }
        Some(file)
    }
}

/// What a symlink may lead to, for one request.
struct Links<'a> {
    root: &'a Path,
    /// `origin.symlinks = "follow"`; otherwise any symlink on the way is a missing file.
    follow: bool,
    /// `origin.hidden_files = "deny"`: a target's hidden names count as they would in a URL.
    hide: bool,
    may_see: MaySee<'a>,
}

impl Links<'_> {
    /// Whether the file or directory at `real` (canonical, inside the root) may be served to
    /// this request: its own path below the root, as the rules see it, must be one the request
    /// may see, and hidden like any other name.
    fn allows(&self, real: &Path) -> bool {
        let Ok(below) = real.strip_prefix(self.root) else { return false };
        let Some(text) = below.to_str() else { return false };
        match normalize(&format!("/{text}")) {
            Ok(p) => (!self.hide || !route::hidden(&p)) && (self.may_see)(&p),
            Err(_) => false,
        }
    }
}

/// One request's look at the file system.
struct Lookup<'a> {
    links: Links<'a>,
    root: &'a Path,
    candidate: Option<PathBuf>,
    redirect_dirs: bool,
    fallback: bool,
    method: &'a Method,
    /// The request's headers; only its conditions and `Range` are read.
    conditions: &'a HeaderMap,
    memo: Option<&'a Memo>,
}

enum Found {
    /// A directory named without its trailing slash, on a static site.
    Directory,
    File(Served),
}

/// What the file system said about one path inside the root.
enum Entry {
    /// `direct`: reached without a symlink (only such files are kept in memory: a kept copy is
    /// served without asking the rules about a link's target again).
    File(File, std::fs::Metadata, bool),
    Directory,
    Missing,
}

impl Lookup<'_> {
    fn run(self) -> Result<Found, Error> {
        if let Some(candidate) = &self.candidate {
            if let Some(kept) = self.memo.and_then(|m| m.get(candidate)) {
                return Ok(Found::File(self.answer_kept(&kept)));
            }
            match open(&self.links, candidate)? {
                Entry::File(file, meta, direct) => {
                    return self.answer(file, &meta, candidate, direct).map(Found::File);
                }
                Entry::Directory if self.redirect_dirs => return Ok(Found::Directory),
                Entry::Directory | Entry::Missing => {}
            }
        }
        if !self.fallback {
            return Err(Error::NotFound);
        }
        let index = self.root.join(INDEX);
        match open(&self.links, &index)? {
            Entry::File(file, meta, direct) => self.answer(file, &meta, &index, direct).map(Found::File),
            Entry::Directory | Entry::Missing => Err(Error::NotFound),
        }
    }

    /// Judges the request against the file and reads what a small answer needs.
    fn answer(&self, file: File, meta: &std::fs::Metadata, name: &Path, direct: bool) -> Result<Served, Error> {
        let head = Arc::new(Head::of(meta, name)?);
        let sent = self.judge(&head);
        let range = if *self.method == Method::HEAD { None } else { sent.bytes };
        let content = match range {
            None => Content::None,
            // what fits one chunk and is in the page cache is read now, whole (an answer in one
            // write); the rest streams, each chunk read here or on the pool as the cache allows
            // `count` ≤ CHUNK, so the cast is lossless
            Some((start, count)) if count <= CHUNK => match body::read_cached(&file, start, count as usize) {
                Some(Ok(bytes)) if bytes.len() as u64 == count => {
                    if let (Some(memo), 0, true) = (self.memo, start, direct) {
                        // not the request's `now`: whether the file has settled since its last
                        // change is a file-system question, asked at the read, below a second
                        memo.keep(name, meta, &head, &bytes, SystemTime::now());
                    }
                    Content::Bytes(bytes)
                }
                Some(Err(e)) => return Err(Error::Origin(format!("reading {}: {e}", name.display()))),
                // partly cached (or shrunk: the stream will say so), or not cached at all
                Some(Ok(_)) | None => Content::Stream(file, start, count),
            },
            Some((start, count)) => Content::Stream(file, start, count),
        };
        Ok(Served { head, sent, content })
    }

    /// The same answer from a file kept in memory: no system call.
    fn answer_kept(&self, kept: &Kept) -> Served {
        let sent = self.judge(&kept.head);
        let content = match sent.bytes {
            _ if *self.method == Method::HEAD => Content::None,
            // start + count ≤ the length, which is the kept bytes' length
            Some((start, count)) => Content::Bytes(kept.bytes.slice(start as usize..(start + count) as usize)),
            None => Content::None,
        };
        Served { head: kept.head.clone(), sent, content }
    }

    fn judge(&self, head: &Head) -> Answer {
        let outcome = conditional::evaluate(self.method, self.conditions, &head.validators, head.len);
        conditional::answer(outcome, StatusCode::OK, head.len)
    }
}

/// What every answer for one version of a file carries, whatever was asked: worked out once
/// per read, and kept with the file's bytes.
#[derive(Debug)]
struct Head {
    len: u64,
    validators: Validators,
    etag: Option<HeaderValue>,
    last_modified: Option<HeaderValue>,
    content_type: HeaderValue,
}

impl Head {
    fn of(meta: &std::fs::Metadata, name: &Path) -> Result<Head, Error> {
        let len = meta.len();
        let modified = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok());
        // length and modification time to the nanosecond: stable across requests, new after
        // any ordinary rewrite; `.` keeps seconds and nanoseconds from running together
        let etag = modified.map(|m| format!("\"{len:x}-{:x}.{:x}\"", m.as_secs(), m.subsec_nanos()));
        let last_modified = match modified {
            Some(m) => Some(value(httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(m.as_secs())))?),
            None => None,
        };
        Ok(Head {
            len,
            etag: etag.clone().map(value).transpose()?,
            last_modified,
            validators: Validators { etag, last_modified: modified.map(|m| m.as_secs()) },
            content_type: super::content_type(name),
        })
    }
}

/// Opens `candidate` if it is a regular file inside the root, reached without a symlink, or
/// through symlinks `links` allows.
fn open(links: &Links<'_>, candidate: &Path) -> Result<Entry, Error> {
    match open_plain(candidate) {
        Some(Ok(file)) => classify(file, candidate, true),
        Some(Err(e)) => failed(e, candidate),
        None => open_resolved(links, candidate),
    }
}

/// `candidate` opened in one system call when no component of it is a symbolic link: Linux
/// `openat2` with `RESOLVE_NO_SYMLINKS`. A path made of the canonical root and plain names (no
/// `..`) then cannot lead out of the root, so no check is left to do. `None` when the kernel
/// cannot tell (a symlink on the way, a kernel before 5.6, a sandbox refusing the call, …):
/// [`open_resolved`] decides then, and names any error. Like nginx, it opens before it looks
/// (`O_NONBLOCK`, so a FIFO cannot hold the thread; `O_NOCTTY`); [`classify`] refuses anything
/// but a regular file or a directory.
#[cfg(target_os = "linux")]
fn open_plain(candidate: &Path) -> Option<io::Result<File>> {
    use rustix::fs::{CWD, Mode, OFlags, ResolveFlags};
    use rustix::io::Errno;
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY;
    let resolve = ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    match rustix::fs::openat2(CWD, candidate, flags, Mode::empty(), resolve) {
        Ok(fd) => Some(Ok(File::from(fd))),
        // no such name, or not for us: what the full walk would find too
        Err(e @ (Errno::NOENT | Errno::NOTDIR | Errno::ACCESS | Errno::NAMETOOLONG)) => Some(Err(e.into())),
        Err(_) => None,
    }
}

#[cfg(not(target_os = "linux"))]
fn open_plain(_: &Path) -> Option<io::Result<File>> {
    None
}

/// What a visitor asked for is not there, or not for them: one answer for both. A symlink
/// loop or any other failure too (a `502` would tell that something is there); what is not
/// plainly a missing or forbidden name (a loop, a broken disk) is logged for operators.
fn failed(e: io::Error, candidate: &Path) -> Result<Entry, Error> {
    match e.kind() {
        ErrorKind::NotFound | ErrorKind::PermissionDenied | ErrorKind::NotADirectory | ErrorKind::InvalidFilename => {
            Ok(Entry::Missing)
        }
        _ => {
            tracing::warn!(path = %candidate.display(), error = %e, "folder origin: cannot open; answered as missing");
            Ok(Entry::Missing)
        }
    }
}

/// An opened file, by its own metadata: those of the bytes that will be sent.
fn classify(file: File, candidate: &Path, direct: bool) -> Result<Entry, Error> {
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(Entry::File(file, meta, direct)),
        Ok(meta) if meta.is_dir() => Ok(Entry::Directory),
        Ok(_) => Ok(Entry::Missing),
        Err(e) => failed(e, candidate),
    }
}

/// Resolves `candidate` (all symlinks) and opens it if it is a regular file inside the root,
/// symlinks are followed, and the rules allow the target for this request.
fn open_resolved(links: &Links<'_>, candidate: &Path) -> Result<Entry, Error> {
    let (real, meta, linked) = match resolve(links.root, candidate) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(Entry::Missing),
        Err(e) => return failed(e, candidate),
    };
    if !real.starts_with(links.root) {
        return Ok(Entry::Missing);
    }
    // what is served is decided on the target's own path, never on the link's
    if linked && (!links.follow || !links.allows(&real)) {
        return Ok(Entry::Missing);
    }
    // `real` has no symlink left, so this is what will be opened; look before opening, since
    // opening a FIFO would block this thread until someone writes to it
    if meta.is_dir() {
        return Ok(Entry::Directory);
    }
    if !meta.is_file() {
        return Ok(Entry::Missing);
    }
    match File::open(&real) {
        Ok(file) => classify(file, candidate, !linked),
        Err(e) => failed(e, candidate),
    }
}

/// What `std::fs::canonicalize(candidate)` gives, that path's metadata, and whether a symlink
/// was on the way, for a `candidate` made of the canonical `root` and plain names (`None` for
/// anything else) — asking the kernel about the components below the root only. `canonicalize` reads every component of the
/// whole path, the root's included, on every request; here each name below the root costs one
/// `lstat`, which also tells what the last one is. A component that is a symbolic link is
/// resolved in full by `canonicalize`, and the walk goes on from where it leads; the caller
/// still checks that the end lies inside the root.
fn resolve(root: &Path, candidate: &Path) -> io::Result<Option<(PathBuf, std::fs::Metadata, bool)>> {
    let Ok(below) = candidate.strip_prefix(root) else {
        return Ok(None);
    };
    let mut real = root.to_path_buf();
    let mut meta = None;
    let mut linked = false;
    for part in below.components() {
        let Component::Normal(name) = part else {
            return Ok(None);
        };
        real.push(name);
        let m = std::fs::symlink_metadata(&real)?;
        meta = Some(if m.file_type().is_symlink() {
            linked = true;
            real = std::fs::canonicalize(&real)?;
            std::fs::metadata(&real)?
        } else {
            m
        });
    }
    let meta = match meta {
        Some(m) => m,
        None => std::fs::metadata(&real)?,
    };
    Ok(Some((real, meta, linked)))
}

/// A found file, judged, with as much of its body as the answer needs.
struct Served {
    head: Arc<Head>,
    sent: Answer,
    content: Content,
}

enum Content {
    /// `HEAD`, `304`, `412`, `416`.
    None,
    Bytes(Bytes),
    /// The first byte to send, and how many to send.
    Stream(File, u64, u64),
}

impl Served {
    fn respond(self) -> Result<Response<Body>, Error> {
        let body = match self.content {
            Content::None => body::empty(),
            Content::Bytes(bytes) => body::full(bytes),
            Content::Stream(file, start, count) => body::file(file, start, count),
        };
        let mut res = Response::new(body);
        let head = &self.head;
        let h = res.headers_mut();
        if let Some(etag) = &head.etag {
            h.insert(ETAG, etag.clone());
        }
        if let Some(date) = &head.last_modified {
            h.insert(LAST_MODIFIED, date.clone());
        }
        if self.sent.bytes.is_some() {
            h.insert(CONTENT_TYPE, head.content_type.clone());
            h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        }
        self.sent.headers(h);
        Ok(with_status(res, self.sent.status))
    }
}

fn with_status(mut res: Response<Body>, status: StatusCode) -> Response<Body> {
    *res.status_mut() = status;
    res
}

fn value(s: String) -> Result<HeaderValue, Error> {
    HeaderValue::try_from(s).map_err(|e| Error::Internal(format!("header value: {e}")))
}

mod memo;
#[cfg(test)]
mod tests;
