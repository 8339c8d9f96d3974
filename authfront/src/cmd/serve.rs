//! `authfront serve`: load the config, build the [`App`], listen, serve until Ctrl-C or
//! SIGTERM, drain.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use authfront_core::config::Config;
use tokio::net::TcpListener;

use crate::app::App;

/// Carries out `authfront serve --config FILE`.
pub fn command(path: &Path) -> ExitCode {
    super::logging("info");
    let config = match super::config(path, crate::config_file::load) {
        Ok(c) => c,
        Err(code) => return code,
    };
    for w in &config.warnings {
        tracing::warn!(config = %path.display(), "{w}");
    }
    match super::runtime(true, run(config)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("authfront: {e:#}");
            ExitCode::FAILURE
        }
        Err(code) => code,
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
        tokio::spawn(crate::admin::serve(app.clone(), admin_listener));
    }
    if let Some(addr) = app.site.config.forward_auth.as_ref().and_then(|f| f.grpc_listen) {
        let grpc = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (forward_auth.grpc_listen): {e}"))?;
        tracing::info!(address = %addr, "Envoy ext_authz gRPC listening");
        tokio::spawn(crate::ext_authz::serve(app.clone(), grpc));
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
