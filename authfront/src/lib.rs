//! authfront, the adapters: everything that touches the network, the disk, the clock and
//! randomness, carrying out what `authfront-core` decides. The binary (`main.rs`) is a thin CLI
//! over this library; integration tests drive it in-process.
//!
//! # Layout
//! - [`cmd`]: the commands, one file each (`serve`: load → build → listen → serve → drain;
//!   `check-config`, `keygen`, `revoke`, `purge`, `sign-url`/`sign-cookies`), and the one
//!   runtime and logging set-up they share.
//! - [`app`]: everything a request needs, built once from a config.
//! - [`server`]: hyper; request → `core::decide` → carry out the action.
//! - [`listener`]: connections within limits (cap, timeouts, idle close, drain), for the main
//!   and the admin listener.
//! - [`login`]: the login driver: login, callback, refresh and sign-out as `core::flow` orders
//!   them.
//! - [`report`]: the one error channel (every failure logged once, with its reason code).
//! - [`refresher`]: refreshes, one at a time per session, with a grace window.
//! - [`backchannel`]: the back-channel logout receiver.
//! - [`random`]: OS randomness for the core.
//! - [`store`]: the revocation list (embedded file or Redis), mirrored in memory.
//! - [`admin`]: the admin endpoint (purge, stats), and the `purge` command's client.
//! - [`clock`]: the wall clock, read once per request.
//! - [`idp`]: the identity-provider client (discovery, JWKS with rate-limited refresh, tokens).
//! - [`forward`]: an allowed request's way: route → cache → origin → compression → headers.
//! - [`origin`]: where content comes from (`Origin::{Folder, S3, Http}`), and the pooled client.
//! - [`cache`]: the edge cache's byte-bounded store; coalesced fills, revalidation, stale-if-error.
//! - [`compress`]: gzip and brotli, in memory for cached bodies, streaming otherwise.
//! - [`config_file`]: the config file → resolved secrets and paths → `Config`.
//! - [`body`]: the one response body type.
//! - [`upload`]: a client's request body on its way to an origin (bounded, timed).
//! - [`cli`]: the command line.

pub mod admin;
pub mod app;
pub mod backchannel;
pub mod body;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod compress;
pub mod config_file;
pub mod ext_authz;
pub mod forward;
pub mod idp;
pub mod listener;
pub mod login;
pub mod origin;
pub mod random;
pub mod refresher;
pub mod report;
pub mod server;
pub mod store;
pub mod upload;
