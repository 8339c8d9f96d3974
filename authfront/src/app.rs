//! Builds everything from a [`Config`] and runs it: load → build → serve → drain.

use std::sync::Arc;

use authfront_core::config::Config;
use authfront_core::proxy;
use authfront_core::revocation::Revocations;
use authfront_core::site::Site;

use crate::cache::Cache;
use crate::idp::Idp;
use crate::origin::{Origins, http};
use crate::refresher::Refresher;
use crate::store::Revoker;

/// Everything a request needs, built once.
#[derive(Debug)]
pub struct App {
    pub site: Site,
    pub idp: Idp,
    /// The default origin and every route's.
    pub origins: Origins,
    /// The edge cache, shared by every origin that is cached.
    pub cache: Arc<Cache>,
    /// Refreshes under way and just done, per session (shared with the attempts' tasks).
    pub refresher: Arc<Refresher>,
    /// The revocation list (embedded file or Redis), synced in the background once started.
    pub revoker: Arc<Revoker>,
}

impl App {
    pub fn build(config: Config) -> anyhow::Result<App> {
        let idp = Idp::new(&config.oidc).map_err(|e| anyhow::anyhow!("{e}"))?;
        let shared = Arc::new(http::Shared {
            proxy: config.proxy.clone(),
            protected: authfront_core::screen::Protected::new(&config),
            own_cookies: proxy::OwnCookies::new(&config),
            public_url: config.server.public_url.clone(),
        });
        let origins = Origins::build(&config, &shared).map_err(|e| anyhow::anyhow!("{e}"))?;
        let cache = Arc::new(Cache::new(config.cache.clone()));
        let revoker = Arc::new(Revoker::open(&config.store, config.session.lifetime_secs)?);
        Ok(App { site: Site::new(config), idp, origins, cache, refresher: Arc::default(), revoker })
    }

    /// The revocations in force now (lock-free).
    pub fn revocations(&self) -> Arc<Revocations> {
        self.revoker.snapshot()
    }

    /// Unix seconds now: the one clock reading a request gets.
    pub fn now(&self) -> u64 {
        crate::clock::unix_now()
    }
}
