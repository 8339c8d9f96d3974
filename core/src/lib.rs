//! authfront-core: every decision authfront makes, as plain functions.
//!
//! The contract: this crate does no I/O. It reads no clock, no environment, no files and no
//! randomness; `now` (Unix seconds) and random bytes are arguments. It sees request heads,
//! never bodies. The `authfront` crate carries its decisions out (network, disk, time).
//!
//! # Layout
//! - [`config`]: TOML → checked [`config::Config`], errors that name the key.
//! - [`site`]: the config plus what is derived from it once.
//! - [`path`]: the one normalised request path, and path patterns.
//! - [`keyring`]: keys with ids, authenticated encryption of what browsers keep.
//! - [`session`]: the sealed session cookie (and the provider's tokens, sealed apart).
//! - [`revocation`]: sessions stopped before their cookies expire.
//! - [`oidc`]: discovery, JWKS, PKCE, authorization and token requests, ID-token checks.
//! - [`login`]: starting a login (sealed, browser-bound state) and finishing it.
//! - [`refresh`]: when and how a session is refreshed with the provider's refresh token.
//! - [`signout`]: sign-out (RP-initiated logout) and the signed-out page.
//! - [`flow`]: each flow with the provider (callback, refresh, sign-out, back-channel logout)
//!   as a sans-I/O state machine that drivers only carry out.
//! - [`session_cookies`]: the cookies a session is carried in (sealed, chunked, seed modes, extra).
//! - [`unauth`]: what a request without a session gets (redirect or JSON 401).
//! - [`cookies`]: reading the `Cookie` header, writing `Set-Cookie`.
//! - [`cloudfront`]: CloudFront signed URLs and cookies: sign, verify, login-mode cookies.
//! - [`conditional`]: `ETag`/`Last-Modified`/`Range` evaluation shared by every origin.
//! - [`screen`]: the first look at a request head (framing, `Host`, protected header names in
//!   any spelling), before any decision.
//! - [`decide`]: request head → [`decide::Action`]; the viewer-request step.
//! - [`route`]: which origin serves a path (first matching route, else the default), index
//!   rewrite, SPA fallback.
//! - [`proxy`]: the header rules of requests to HTTP origins (identity, `X-Forwarded-*`,
//!   cookies, secret header) and of their answers.
//! - [`s3`]: S3 keys and URLs, headers that cross, what an S3 error means.
//! - [`cache`]: the edge cache's key, cacheability and freshness (the origin-response step).
//! - [`compress`]: which encoding a client accepts and what is worth compressing.
//! - [`reply`]: answers authfront gives by itself.
//! - [`error`], [`page`]: failures, their one status mapping, and the pages shown.

pub mod cache;
pub mod cloudfront;
pub mod compress;
pub mod conditional;
pub mod config;
pub mod cookies;
pub mod decide;
pub mod error;
pub mod flow;
pub mod forward_auth;
pub mod keyring;
pub mod login;
pub mod oidc;
pub mod page;
pub mod path;
pub mod prompt;
pub mod proxy;
pub mod refresh;
pub mod reply;
pub mod revocation;
pub mod route;
pub mod s3;
pub mod screen;
pub mod session;
pub mod session_cookies;
pub mod signout;
pub mod site;
pub mod unauth;

#[cfg(test)]
pub(crate) mod testkit;
