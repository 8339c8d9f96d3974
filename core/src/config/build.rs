//! `RawConfig` → [`Config`]: every check of meaning, each error naming its key.

use std::path::PathBuf;

use http::{HeaderName, HeaderValue};

use super::raw::RawConfig;
use super::value::{Resolver, duration_secs, secret};
use super::{
    Access, ClientAuth, Config, ConfigError, Endpoints, Oidc, Preflight, Server, Store, StoreKind, Unauthenticated,
    edge, origin, session,
};
use crate::path::{Pattern, normalize};

/// Parses and checks a config file's text.
pub fn parse(text: &str, resolve: &mut Resolver<'_>) -> Result<Config, ConfigError> {
    let raw: RawConfig = from_toml(text)?;
    build(raw, resolve)
}

fn from_toml(text: &str) -> Result<RawConfig, ConfigError> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(text, "", &e))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        toml_error(text, &key, e.inner())
    })
}

fn toml_error(text: &str, key: &str, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1));
    let msg = e.message().trim_end().to_owned();
    let problem = match line {
        Some(l) => format!("{msg} (line {l})"),
        None => msg,
    };
    ConfigError::new(key, problem)
}

fn build(raw: RawConfig, resolve: &mut Resolver<'_>) -> Result<Config, ConfigError> {
    let server = build_server(&raw)?;
    let oidc = build_oidc(&raw, resolve)?;
    let session = session::build(&raw, resolve)?;
    let (origin, routes) = match &raw.origin {
        Some(o) => origin::build(o, resolve)?,
        None if raw.forward_auth.is_some() => origin::none(resolve)?,
        None => {
            return Err(ConfigError::new(
                "origin",
                "is missing: the folder, bucket or server to serve (`[forward_auth]` alone needs none)",
            ));
        }
    };
    let headers = build_headers(&raw, server.is_https())?;
    let store = build_store(&raw, resolve)?;
    let mut warnings = session::warnings(&raw, &session);
    let cloudfront = super::cloudfront::build(&raw.cloudfront, session.lifetime_secs, resolve)?;
    warnings.extend(super::cloudfront::warnings(&cloudfront, &server.public_url));
    let proxy = edge::build_proxy(&raw.proxy)?;
    let cache = edge::build_cache(&raw.cache)?;
    let compression = edge::build_compression(&raw.compression)?;
    let admin = edge::build_admin(raw.admin.as_ref(), resolve)?;
    if let Some(a) = &admin
        && a.listen == server.listen
    {
        return Err(ConfigError::new(
            "admin.listen",
            format!("`{}` is `server.listen` too: the admin endpoint needs an address of its own", a.listen),
        ));
    }
    warnings.extend(edge::warnings(admin.as_ref(), &cache));
    let forward_auth = super::forward_auth::build(raw.forward_auth.as_ref())?;
    if let Some(g) = forward_auth.as_ref().and_then(|f| f.grpc_listen)
        && (g == server.listen || admin.as_ref().is_some_and(|a| a.listen == g))
    {
        return Err(ConfigError::new(
            "forward_auth.grpc_listen",
            format!("`{g}` is taken by `server.listen` or `admin.listen`: gRPC needs an address of its own"),
        ));
    }
    if forward_auth.as_ref().is_some_and(|f| !f.hosts.is_empty()) && session.cookie.domain.is_none() {
        warnings.push(
            "`forward_auth.hosts` lists other hosts but `session.domain` is not set: the session cookie \
             stays on the public_url's host, so those hosts never see it"
                .to_owned(),
        );
    }
    let access = build_access(&raw, &server.public_host, forward_auth.as_ref())?;
    if cloudfront.login_cookies.is_some()
        && let Some(i) = access.rules.rules.iter().position(|r| r.verdict.narrows())
    {
        // CloudFront serves whatever its signed cookies cover, to whoever holds them: it cannot
        // apply a rule that keeps some signed-in users out of some paths.
        return Err(ConfigError::new(
            format!("access.rules[{i}]"),
            "a `deny` rule or one with groups cannot be kept by CloudFront: with `cloudfront.login_cookies` \
             every user authfront lets in may fetch everything the cookies cover (use `required_groups`, \
             or `[[cloudfront.signed_paths]]` without login cookies)",
        ));
    }
    Ok(Config {
        forward_auth,
        server,
        oidc,
        session,
        origin,
        routes,
        access,
        headers,
        store,
        warnings,
        cloudfront,
        proxy,
        cache,
        compression,
        admin,
    })
}

fn build_server(raw: &RawConfig) -> Result<Server, ConfigError> {
    let s = &raw.server;
    let listen = s.listen.parse().map_err(|_| {
        ConfigError::new("server.listen", format!("`{}` is not an address like `127.0.0.1:8080`", s.listen))
    })?;
    let url = url::Url::parse(&s.public_url)
        .map_err(|e| ConfigError::new("server.public_url", format!("`{}` is not a URL ({e})", s.public_url)))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new("server.public_url", "must be an http:// or https:// URL with a host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(ConfigError::new(
            "server.public_url",
            "must be scheme, host and port only (no path, query, fragment or user), e.g. `https://docs.example.com`",
        ));
    }
    let public_url = url.origin().ascii_serialization();
    // `Url` keeps a host lower-case already
    let public_host = url.host_str().unwrap_or_default().to_owned();
    let prefix = own_path("server.endpoint_prefix", &s.endpoint_prefix)?;
    if prefix == "/" {
        return Err(ConfigError::new("server.endpoint_prefix", "must not be `/`: it would hide the whole site"));
    }
    let callback = match &s.callback_path {
        Some(p) => own_path("server.callback_path", p)?,
        None => format!("{prefix}/callback"),
    };
    let signout = match &s.signout_path {
        Some(p) => own_path("server.signout_path", p)?,
        None => format!("{prefix}/signout"),
    };
    let endpoints = Endpoints {
        signed_out: format!("{prefix}/signed-out"),
        login: format!("{prefix}/login"),
        userinfo: format!("{prefix}/userinfo"),
        backchannel_logout: format!("{prefix}/backchannel-logout"),
        health: format!("{prefix}/health"),
        auth: format!("{prefix}/auth"),
        prefix,
        callback,
        signout,
    };
    Ok(Server {
        listen,
        public_url,
        public_host,
        endpoints,
        shutdown_grace_secs: duration_secs("server.shutdown_grace", &s.shutdown_grace)?,
        guard: super::guard::build(s)?,
    })
}

/// An own endpoint path: absolute, already normalised, without a trailing slash.
fn own_path(key: &str, p: &str) -> Result<String, ConfigError> {
    let trimmed = if p.len() > 1 { p.trim_end_matches('/') } else { p };
    match normalize(trimmed) {
        Ok(n) if n.as_str() == trimmed => Ok(trimmed.to_owned()),
        _ => Err(ConfigError::new(key, format!("`{p}` must be an absolute, normalised path like `/_authfront`"))),
    }
}

fn build_oidc(raw: &RawConfig, resolve: &mut Resolver<'_>) -> Result<Oidc, ConfigError> {
    let o = &raw.oidc;
    let issuer = url::Url::parse(&o.issuer)
        .map_err(|e| ConfigError::new("oidc.issuer", format!("`{}` is not a URL ({e})", o.issuer)))?;
    if !matches!(issuer.scheme(), "http" | "https") || issuer.query().is_some() || issuer.fragment().is_some() {
        return Err(ConfigError::new("oidc.issuer", "must be an http(s) URL without query or fragment"));
    }
    if o.client_id.is_empty() {
        return Err(ConfigError::new("oidc.client_id", "must not be empty"));
    }
    let client_secret = match &o.client_secret {
        Some(s) => Some(secret("oidc.client_secret", s, resolve)?),
        None => None,
    };
    let client_auth = match (o.client_auth.as_deref(), &client_secret) {
        (None, Some(_)) | (Some("client_secret_basic"), Some(_)) => ClientAuth::SecretBasic,
        (Some("client_secret_post"), Some(_)) => ClientAuth::SecretPost,
        (None, None) | (Some("none"), None) => ClientAuth::None,
        (Some("none"), Some(_)) => {
            return Err(ConfigError::new("oidc.client_auth", "is `none` but `oidc.client_secret` is set"));
        }
        (Some(m @ ("client_secret_basic" | "client_secret_post")), None) => {
            return Err(ConfigError::new("oidc.client_auth", format!("`{m}` needs `oidc.client_secret`")));
        }
        (Some(other), _) => {
            return Err(ConfigError::new(
                "oidc.client_auth",
                format!("`{other}` is not one of `client_secret_basic`, `client_secret_post`, `none`"),
            ));
        }
    };
    if !o.scopes.iter().any(|s| s == "openid") {
        return Err(ConfigError::new("oidc.scopes", "must include `openid`"));
    }
    if let Some(bad) = o.scopes.iter().find(|s| s.is_empty() || s.contains(' ')) {
        return Err(ConfigError::new("oidc.scopes", format!("`{bad}` is not a single scope")));
    }
    let mut id_token_algs = Vec::new();
    for (i, a) in o.id_token_algs.iter().enumerate() {
        id_token_algs.push(alg(&format!("oidc.id_token_algs[{i}]"), a)?);
    }
    if id_token_algs.is_empty() {
        return Err(ConfigError::new("oidc.id_token_algs", "must name at least one algorithm"));
    }
    if let Some((i, _)) = o.trusted_audiences.iter().enumerate().find(|(_, a)| a.is_empty()) {
        return Err(ConfigError::new(format!("oidc.trusted_audiences[{i}]"), "must not be empty"));
    }
    let http_timeout_secs = duration_secs("oidc.http_timeout", &o.http_timeout)?;
    if http_timeout_secs == 0 {
        return Err(ConfigError::new(
            "oidc.http_timeout",
            "must be at least 1s: every call to the provider would fail",
        ));
    }
    for k in o.auth_params.keys() {
        if crate::oidc::OWN_PARAMS.contains(&k.as_str()) {
            return Err(ConfigError::new(
                format!("oidc.auth_params.{k}"),
                "is set by authfront itself and cannot be overridden",
            ));
        }
    }
    let switch_account_prompt = match o.switch_account_prompt.as_deref() {
        None => crate::prompt::Prompt::Login,
        Some(p) => crate::prompt::Prompt::parse(p)
            .ok_or_else(|| ConfigError::new("oidc.switch_account_prompt", "must be `login` or `select_account`"))?,
    };
    Ok(Oidc {
        issuer: o.issuer.clone(),
        client_id: o.client_id.clone(),
        client_secret,
        client_auth,
        scopes: o.scopes.clone(),
        id_token_algs,
        clock_skew_secs: duration_secs("oidc.clock_skew", &o.clock_skew)?,
        http_timeout_secs,
        jwks_min_refresh_interval_secs: duration_secs("oidc.jwks_min_refresh_interval", &o.jwks_min_refresh_interval)?,
        login_timeout_secs: duration_secs("oidc.login_timeout", &o.login_timeout)?.max(1),
        auth_params: o.auth_params.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        trusted_audiences: o.trusted_audiences.clone(),
        switch_account_prompt,
    })
}

fn alg(key: &str, name: &str) -> Result<jsonwebtoken::Algorithm, ConfigError> {
    use jsonwebtoken::Algorithm::*;
    let a = match name {
        "RS256" => RS256,
        "RS384" => RS384,
        "RS512" => RS512,
        "PS256" => PS256,
        "PS384" => PS384,
        "PS512" => PS512,
        "ES256" => ES256,
        "ES384" => ES384,
        "EdDSA" => EdDSA,
        "none" => return Err(ConfigError::new(key, "`none` (unsigned tokens) is never accepted")),
        "HS256" | "HS384" | "HS512" => {
            return Err(ConfigError::new(
                key,
                format!(
                    "`{name}` is refused: HMAC-signed ID tokens invite key confusion; use the provider's asymmetric keys"
                ),
            ));
        }
        other => {
            return Err(ConfigError::new(
                key,
                format!("`{other}` is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"),
            ));
        }
    };
    Ok(a)
}

fn build_access(
    raw: &RawConfig,
    public_host: &str,
    fa: Option<&super::forward_auth::ForwardAuth>,
) -> Result<Access, ConfigError> {
    let a = &raw.access;
    let mut public_paths = Vec::new();
    for (i, p) in a.public_paths.iter().enumerate() {
        public_paths.push(Pattern::parse(p).map_err(|e| ConfigError::new(format!("access.public_paths[{i}]"), e))?);
    }
    if let Some(g) = a.required_groups.iter().find(|g| g.is_empty()) {
        return Err(ConfigError::new("access.required_groups", format!("`{g}` is an empty group name")));
    }
    let groups_claim = a.groups_claim.clone().unwrap_or_else(|| "groups".to_owned());
    if groups_claim.is_empty() {
        return Err(ConfigError::new("access.groups_claim", "must not be empty"));
    }
    let mut on_unauthenticated = Vec::new();
    for (i, rule) in a.on_unauthenticated.iter().enumerate() {
        let key = format!("access.on_unauthenticated[{i}]");
        let mut paths = Vec::new();
        for (j, p) in rule.paths.iter().enumerate() {
            paths.push(Pattern::parse(p).map_err(|e| ConfigError::new(format!("{key}.paths[{j}]"), e))?);
        }
        let action = match rule.action.as_str() {
            "auto" => Unauthenticated::Auto,
            "redirect" => Unauthenticated::Redirect,
            "status" => Unauthenticated::Status,
            other => {
                return Err(ConfigError::new(
                    format!("{key}.action"),
                    format!("`{other}` is not one of `auto`, `redirect`, `status`"),
                ));
            }
        };
        on_unauthenticated.push((paths, action));
    }
    let preflight = match a.preflight.as_deref() {
        None | Some("authenticate") => Preflight::Authenticate,
        Some("origin") => Preflight::Origin,
        Some(other) => {
            return Err(ConfigError::new(
                "access.preflight",
                format!("`{other}` is not one of `authenticate`, `origin`"),
            ));
        }
    };
    let rules = super::rules::build(&a.rules, public_paths, &a.required_groups, public_host, fa)?;
    Ok(Access { rules, groups_claim, on_unauthenticated, preflight })
}

fn build_store(raw: &RawConfig, resolve: &mut Resolver<'_>) -> Result<Store, ConfigError> {
    let s = &raw.store;
    let kind = match (&s.redis_url, &s.path) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new("store", "set either `redis_url` or `path`, not both"));
        }
        (Some(url), None) => {
            let url = secret("store.redis_url", url, resolve)?;
            if !(url.expose().starts_with("redis://") || url.expose().starts_with("rediss://")) {
                return Err(ConfigError::new("store.redis_url", "must start with redis:// or rediss://"));
            }
            StoreKind::Redis(url)
        }
        (None, Some(p)) if p.is_empty() => return Err(ConfigError::new("store.path", "must not be empty")),
        (None, p) => StoreKind::Embedded(PathBuf::from(p.as_deref().unwrap_or("authfront-state"))),
    };
    let sync = duration_secs("store.sync_interval", s.sync_interval.as_deref().unwrap_or("1s"))?.max(1);
    let queue_path = match &s.queue_path {
        Some(p) if p.is_empty() => return Err(ConfigError::new("store.queue_path", "must not be empty")),
        Some(p) => PathBuf::from(p),
        None => PathBuf::from("authfront-queue"),
    };
    Ok(Store { kind, sync_interval_secs: sync, queue_path })
}

/// The seeds' security headers, made safe for any site: nothing here can break a page's own
/// scripts or styles (a strict `Content-Security-Policy` is the site owner's to write).
const DEFAULT_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("content-security-policy", "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"),
];
const HSTS: (&str, &str) = ("strict-transport-security", "max-age=31536000; includeSubDomains");

fn build_headers(raw: &RawConfig, https: bool) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let mut out: Vec<(HeaderName, HeaderValue)> = Vec::new();
    let defaults = DEFAULT_HEADERS.iter().chain(https.then_some(&HSTS));
    for (n, v) in defaults {
        out.push((HeaderName::from_static(n), HeaderValue::from_static(v)));
    }
    for (name, value) in &raw.headers {
        let key = format!("headers.{name}");
        let n = HeaderName::try_from(name.as_str()).map_err(|_| ConfigError::new(&key, "is not a header name"))?;
        if matches!(n.as_str(), "set-cookie" | "content-length" | "transfer-encoding" | "connection" | "host") {
            return Err(ConfigError::new(&key, "cannot be set here"));
        }
        out.retain(|(existing, _)| *existing != n);
        if !value.is_empty() {
            let v = HeaderValue::try_from(value.as_str())
                .map_err(|_| ConfigError::new(&key, "is not a valid header value"))?;
            out.push((n, v));
        }
    }
    Ok(out)
}
