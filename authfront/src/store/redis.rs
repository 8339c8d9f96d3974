//! The shared store: a Redis sorted set, `authfront:revocations`, member `kind:value` (e.g.
//! `sid:8f1c…`), score the revocation time (Unix seconds; `ZADD … GT` keeps the latest), plus a
//! counter, `authfront:revocations:version`, bumped in the same transaction by every write.
//!
//! Each instance polls the counter every sync interval (one `GET`) and re-reads the set only
//! when it moved, so instances agree within about one interval whatever their clocks say, and
//! the cost of an idle list is one tiny command per second. The set is pruned of entries older
//! than the longest session lifetime (`ZREMRANGEBYSCORE`) at start and every few minutes.
//! Needs Redis 6.2 or later (`ZADD GT`). The URL's password never appears in messages.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands as _, Client, RedisError};
use authfront_core::revocation::{Entry, Target};
use tokio::sync::OnceCell;

use super::StoreError;

const KEY: &str = "authfront:revocations";
const VERSION_KEY: &str = "authfront:revocations:version";
/// Authorization responses already used, one key each (`authfront:used-login:<key>`), expiring
/// with their login state.
const USED_PREFIX: &str = "authfront:used-login:";
/// Bound on connecting and on every command: a slow Redis must not hold up revocations.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How often the set is pruned of old entries (any instance may do it; it is idempotent).
const PRUNE_EVERY: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub struct RedisStore {
    client: Client,
    /// The URL without its password, for messages.
    url: String,
    conn: OnceCell<ConnectionManager>,
    /// The counter value the last full read saw; `None` before the first.
    version: Mutex<Option<i64>>,
    last_prune: Mutex<Option<Instant>>,
}

impl RedisStore {
    /// Parses the URL; connects only in [`RedisStore::connect`].
    pub fn open(url: &str) -> Result<RedisStore, StoreError> {
        let shown = redacted(url);
        let client = Client::open(url).map_err(|e| StoreError::Redis {
            url: shown.clone(),
            what: "not a usable Redis URL",
            source: e,
        })?;
        Ok(RedisStore {
            client,
            url: shown,
            conn: OnceCell::new(),
            version: Mutex::new(None),
            last_prune: Mutex::new(None),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connects (once); later commands reconnect by themselves after a failure.
    pub async fn connect(&self) -> Result<(), StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(2);
        self.conn
            .get_or_try_init(|| ConnectionManager::new_with_config(self.client.clone(), config))
            .await
            .map_err(|e| self.error("cannot connect", e))?;
        Ok(())
    }

    fn conn(&self) -> Result<ConnectionManager, StoreError> {
        self.conn.get().cloned().ok_or_else(|| StoreError::NotConnected { url: self.url.clone() })
    }

    fn error(&self, what: &'static str, source: RedisError) -> StoreError {
        StoreError::Redis { url: self.url.clone(), what, source }
    }

    /// Adds (or moves forward) one entry and bumps the counter, in one transaction.
    pub async fn append(&self, e: &Entry) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        ::redis::pipe()
            .atomic()
            .cmd("ZADD")
            .arg(KEY)
            .arg("GT")
            .arg(e.at)
            .arg(member(&e.target))
            .ignore()
            .cmd("INCR")
            .arg(VERSION_KEY)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(|err| self.error("cannot write a revocation", err))
    }

    /// Every entry made at or after `keep_from`, if the counter moved since the last read;
    /// `None` when nothing changed.
    pub async fn load_if_changed(&self, keep_from: u64) -> Result<Option<Vec<Entry>>, StoreError> {
        let mut conn = self.conn()?;
        let version: Option<i64> = conn.get(VERSION_KEY).await.map_err(|e| self.error("cannot read", e))?;
        let seen = *self.version.lock().unwrap_or_else(|p| p.into_inner());
        if seen.is_some() && seen == version {
            return Ok(None);
        }
        let rows: Vec<(String, u64)> =
            conn.zrangebyscore_withscores(KEY, keep_from, "+inf").await.map_err(|e| self.error("cannot read", e))?;
        let entries = rows
            .into_iter()
            .filter_map(|(m, at)| {
                let target = parse_member(&m);
                if target.is_none() {
                    tracing::warn!(member = %m, "revocations: skipping a redis member that is not `kind:value`");
                }
                Some(Entry { target: target?, at })
            })
            .collect();
        // Recorded after the read: a write between the two makes the next poll read again.
        *self.version.lock().unwrap_or_else(|p| p.into_inner()) = Some(version.unwrap_or(0));
        Ok(Some(entries))
    }

    /// Drops entries made before `keep_from`.
    pub async fn prune(&self, keep_from: u64) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let removed: u64 =
            conn.zrembyscore(KEY, "-inf", format!("({keep_from}")).await.map_err(|e| self.error("cannot prune", e))?;
        if removed > 0 {
            tracing::info!(removed, "revocations: pruned old entries from redis");
        }
        *self.last_prune.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        Ok(())
    }

    /// [`RedisStore::prune`], at most once per `PRUNE_EVERY` (ten minutes).
    pub async fn prune_now_and_then(&self, keep_from: u64) -> Result<(), StoreError> {
        let due = self.last_prune.lock().unwrap_or_else(|p| p.into_inner()).is_none_or(|t| t.elapsed() >= PRUNE_EVERY);
        if due { self.prune(keep_from).await } else { Ok(()) }
    }
}

impl RedisStore {
    /// Records `key` as used until `ttl_secs` from now, unless it already is (`SET NX EX`):
    /// true the first time.
    pub async fn first_use(&self, key: &str, ttl_secs: u64) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let set: Option<String> = ::redis::cmd("SET")
            .arg(format!("{USED_PREFIX}{key}"))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl_secs.max(1))
            .query_async(&mut conn)
            .await
            .map_err(|e| self.error("cannot record a used login", e))?;
        Ok(set.is_some())
    }
}

/// `kind:value`, the sorted-set member of a target.
pub fn member(t: &Target) -> String {
    format!("{}:{}", t.kind(), t.value())
}

pub fn parse_member(m: &str) -> Option<Target> {
    let (kind, value) = m.split_once(':')?;
    Target::from_parts(kind, value.to_owned())
}

/// The URL with any password replaced by `***`.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparseable URL)".to_owned(),
    }
}
