//! The command line: subcommands and their flags (clap). Parsing only; `main` runs them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Single sign-on in front of a website: an OpenID Connect edge in one binary.
#[derive(Debug, Parser)]
#[command(name = "authfront", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the edge: OpenID Connect login in front of the configured origin.
    Serve {
        /// The TOML config file (see docs/configuration.md).
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
    },
    /// Check a config file without starting anything; exit 0 when it is good, 64 when not.
    CheckConfig {
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
        /// Instead of the summary, print the URLs to register at the identity provider, one
        /// `name=URL` a line: `redirect_uri`, `post_logout_redirect_uri`, `backchannel_logout_uri`.
        #[arg(long)]
        urls: bool,
    },
    /// Print a new random session key (for `session.keys`).
    Keygen,
    /// Empty the edge cache entries whose path matches PATTERN, in the instance running with
    /// this config (through its `[admin]` endpoint).
    Purge {
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
        /// A path pattern: `*` matches anything (slashes included), `?` one character, e.g.
        /// `/docs/*` or `/index.html`.
        #[arg(value_name = "PATTERN")]
        pattern: String,
    },
    /// Sign a URL the way CloudFront's signed URLs are made, and print it.
    #[command(long_about = SIGN_URL_ABOUT, after_help = SIGN_URL_EXAMPLES)]
    SignUrl {
        /// The URL to sign, exactly as viewers will request it (scheme, host, path, query), e.g.
        /// `https://d111111abcdef8.cloudfront.net/reports/2025.pdf`. Spaces and non-ASCII
        /// characters are percent-encoded; everything else is signed as given.
        #[arg(value_name = "URL")]
        url: String,
        /// Grant this `Resource` pattern instead of exactly URL (a custom policy): `*` matches
        /// any run of characters, `?` one character, e.g.
        /// `https://d111111abcdef8.cloudfront.net/reports/*`. Must match URL. Always custom.
        #[arg(long, value_name = "PATTERN")]
        resource: Option<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Make CloudFront signed cookies and print them.
    #[command(long_about = SIGN_COOKIES_ABOUT, after_help = SIGN_COOKIES_EXAMPLES)]
    SignCookies {
        /// The `Resource` pattern the cookies grant (a custom policy, `CloudFront-Policy`): `*`
        /// matches any run of characters, `?` one, e.g. `https://d111111abcdef8.cloudfront.net/*`.
        #[arg(long, value_name = "PATTERN", required_unless_present = "url", conflicts_with = "url")]
        resource: Option<String>,
        /// Grant exactly this one URL instead: a canned policy (`CloudFront-Expires`) unless
        /// --starts or --ip is given.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[command(flatten)]
        sign: SignArgs,
        /// `text`: one `Name=value` per line; `json`: one object, names as keys.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Revoke sessions now, although their cookies are still valid; or list the revocations.
    ///
    /// Writes to the store the config names (`[store]`: the embedded folder, or Redis), where
    /// every running instance picks the revocation up within `store.sync_interval` (1 s by
    /// default) and refuses the sessions it names from then on; their users must sign in again.
    /// Revocations survive restarts and are forgotten once older than `session.lifetime`.
    #[command(after_help = "Examples:\n  authfront revoke --config authfront.toml --sub 248289761001\n  \
        authfront revoke --config authfront.toml --session 3f9c0a…\n  authfront revoke --config authfront.toml --list")]
    Revoke {
        #[arg(long, short, value_name = "FILE", env = "AUTHFRONT_CONFIG")]
        config: PathBuf,
        #[command(flatten)]
        what: RevokeWhat,
    },
}

/// What every signing command takes.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The ID CloudFront gave the public key (in a key group the distribution trusts), e.g.
    /// `K2JCJMDEHXQW5F`. Sent as `Key-Pair-Id`.
    #[arg(long, value_name = "ID")]
    pub key_pair_id: String,
    /// The private key of that public key, PEM: RSA 2048, PKCS#8 (`BEGIN PRIVATE KEY`) or
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`). `-` reads it from standard input.
    #[arg(long, value_name = "FILE")]
    pub private_key: PathBuf,
    /// When access ends (`DateLessThan`): Unix seconds (`1893456000`), an RFC 3339 time
    /// (`2030-01-01T00:00:00Z`, `2030-01-01`), or a duration from now (`1h`, `7d`).
    #[arg(long, value_name = "WHEN")]
    pub expires: String,
    /// When access begins (`DateGreaterThan`; makes the policy custom). Same forms as --expires.
    #[arg(long, value_name = "WHEN")]
    pub starts: Option<String>,
    /// Only clients in this range (`IpAddress`; makes the policy custom): `192.0.2.0/24`,
    /// `203.0.113.7` (one address), or an IPv6 range like `2001:db8::/32`.
    #[arg(long, value_name = "CIDR")]
    pub ip: Option<String>,
    /// The hash signed: `SHA1` (CloudFront's default) or `SHA256` (adds `Hash-Algorithm=SHA256`).
    #[arg(long, value_name = "ALG", default_value = "SHA1", value_parser = ["SHA1", "SHA256"])]
    pub hash_algorithm: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

const SIGN_URL_ABOUT: &str = "\
Sign a URL the way CloudFront's signed URLs are made, and print it.

The output is URL with the signing parameters appended, in the order of the AWS documentation:
`Expires` (canned policy) or `Policy` (custom policy), then `Signature`, `Key-Pair-Id`, and
`Hash-Algorithm=SHA256` when --hash-algorithm SHA256 is given. The signature is RSA PKCS#1 v1.5
over the policy JSON, in CloudFront's URL-safe base64 (`+`->`-`, `=`->`_`, `/`->`~`): the
same bytes as botocore's CloudFrontSigner (`aws cloudfront sign`) and @aws-sdk/cloudfront-signer
wherever those two agree (docs/cloudfront.md lists where they do not, and why).

A canned policy (only --expires, no --resource) grants exactly URL. --starts, --ip or --resource
make it a custom policy, sent base64-encoded as `Policy`; its conditions are written in the
order of the AWS documentation: DateLessThan, DateGreaterThan, IpAddress.

CloudFront accepts the URL when the distribution's cache behavior trusts a key group holding the
public key of --key-pair-id; authfront's edge accepts it on `[[cloudfront.signed_paths]]`.";

const SIGN_URL_EXAMPLES: &str = "\
Examples:
  # a download link valid for 24 hours
  authfront sign-url https://d111111abcdef8.cloudfront.net/reports/2025.pdf \\
      --key-pair-id K2JCJMDEHXQW5F --private-key private_key.pem --expires 24h

  # any file under /reports/, from one office network, during January 2030
  authfront sign-url https://d111111abcdef8.cloudfront.net/reports/2025.pdf \\
      --resource 'https://d111111abcdef8.cloudfront.net/reports/*' --ip 192.0.2.0/24 \\
      --starts 2030-01-01 --expires 2030-02-01 \\
      --key-pair-id K2JCJMDEHXQW5F --private-key private_key.pem";

const SIGN_COOKIES_ABOUT: &str = "\
Make CloudFront signed cookies and print them.

Prints `CloudFront-Policy` (custom policy: --resource, or --url with --starts or --ip) or
`CloudFront-Expires` (canned policy: --url with only --expires), then `CloudFront-Signature`, `CloudFront-Key-Pair-Id`,
and `CloudFront-Hash-Algorithm=SHA256` with --hash-algorithm SHA256. The values are the ones a
signed URL for the same policy carries. Your application sends them as `Set-Cookie` headers
(with `Domain`, `Path`, `Secure`, `HttpOnly` as your site needs); browsers then send them with
every request, and CloudFront (or authfront's edge) checks them.";

const SIGN_COOKIES_EXAMPLES: &str = "\
Examples:
  # the whole distribution for 8 hours, one cookie per line
  authfront sign-cookies --resource 'https://d111111abcdef8.cloudfront.net/*' \\
      --key-pair-id K2JCJMDEHXQW5F --private-key private_key.pem --expires 8h

  # as JSON, for a program
  authfront sign-cookies --resource 'https://d111111abcdef8.cloudfront.net/videos/*' \\
      --key-pair-id K2JCJMDEHXQW5F --private-key private_key.pem --expires 1h --format json";

/// Exactly one of the targets, or `--list`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct RevokeWhat {
    /// Every session of this user (the provider's `sub` claim) that began until now; the user
    /// may sign in again at once.
    #[arg(long, value_name = "SUB", value_parser = not_empty)]
    pub sub: Option<String>,
    /// Every session that came from this provider session (the ID token's `sid` claim), as a
    /// back-channel logout would.
    #[arg(long, value_name = "SID", value_parser = not_empty)]
    pub sid: Option<String>,
    /// One authfront session, by its id (32 hex digits, as logged at sign-in).
    #[arg(long, value_name = "ID", value_parser = session_id)]
    pub session: Option<String>,
    /// List the revocations in force instead (oldest first).
    #[arg(long)]
    pub list: bool,
}

fn not_empty(s: &str) -> Result<String, String> {
    if s.is_empty() { Err("must not be empty".to_owned()) } else { Ok(s.to_owned()) }
}

fn session_id(s: &str) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s)
    } else {
        Err("a session id is 32 hex digits (see the `signed in` log line)".to_owned())
    }
}
