//! Builds everything from a [`Config`] and runs it: load → build → serve → drain.

use std::sync::Arc;
use std::time::Duration;

use authfront_core::config::Config;
use authfront_core::proxy;
use authfront_core::revocation::Revocations;
use authfront_core::site::Site;
use tokio::net::TcpListener;

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
    pub refresher: Refresher,
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
        Ok(App { site: Site::new(config), idp, origins, cache, refresher: Refresher::default(), revoker })
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

/// Runs the edge until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let grace = Duration::from_secs(config.server.shutdown_grace_secs);
    let app = Arc::new(App::build(config)?);
    app.revoker.start().await?;
    let listener = TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    tracing::info!(address = %listener.local_addr()?, public_url = %app.site.config.server.public_url, "authfront listening");
    for o in app.origins.iter() {
        tracing::info!(origin = %o.describe(), cached = o.cached() && app.cache.enabled(), "origin ready");
    }
    if let Some(admin) = &app.site.config.admin {
        let addr = admin.listen;
        let admin_listener =
            TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr} (admin): {e}"))?;
        tracing::info!(address = %addr, "admin endpoint listening");
        // ends with the process: it holds no request state worth draining
        tokio::spawn(crate::cache::admin::serve(app.clone(), admin_listener));
    }
    // Keys at start, without holding up the listener: public paths work even while the
    // provider is down, and logins retry discovery on their own.
    let warm = app.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.idp.warm_up().await {
            tracing::error!(error = %e, "identity provider not ready; logins will retry");
        }
    });
    crate::server::serve(app, listener, shutdown_signal(), grace).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
        () = hangups() => {},
    }
    tracing::info!("shutting down");
}

/// SIGHUP (a closed terminal, or a `reload` from a service manager) would kill the process
/// mid-request by default. It is taken here and logged: reloading the config is not supported
/// yet, so the process goes on serving the config it has. Never resolves.
async fn hangups() {
    #[cfg(unix)]
    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        while s.recv().await.is_some() {
            tracing::warn!(
                "SIGHUP: reloading the configuration is not supported yet; still serving the one loaded at start (restart to apply changes)"
            );
        }
    }
    std::future::pending::<()>().await;
}
