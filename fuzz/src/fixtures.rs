//! The fixed world every target runs in: one site (config, keyring), the OpenID provider's test
//! keys, the CloudFront test keys, and fixed clocks. Built once per process.
//!
//! Everything that calls a core constructor whose signature may change lives here, so that such
//! a change is a one-line fix: the site's keyring comes from the config (a site binding added to
//! `Keyring::new` arrives through `config::parse`), [`keyring`] is the one direct
//! `Keyring::new` call, [`normalize`] the one call of `path::normalize`.

use std::sync::LazyLock;

use authfront_core::cloudfront::{KeyGroup, PublicKey, SigningKey};
use authfront_core::config::{RawSecret, parse};
use authfront_core::keyring::Keyring;
use authfront_core::oidc::KeySet;
use authfront_core::path::{NormPath, PathError};
use authfront_core::session::SessionId;
use authfront_core::site::Site;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey};

/// The provider's issuer and this client, as the fixed site and the test tokens name them.
pub const ISSUER: &str = "https://idp.example.com/realms/main";
pub const CLIENT: &str = "authfront-client";
pub const NONCE: &str = "n-0S6_WzA2Mj";
/// The `now` of token checks (tokens in the corpus are valid at it).
pub const NOW: u64 = 1_700_000_000;
pub const SKEW: u64 = 60;
/// Clocks of the sessions in the corpus: signed in at 1000, valid until 2000, opened at 1500.
pub const SESSION_NOW: u64 = 1500;
/// The session id of the corpus' sessions and tokens.
pub const SESSION_ID: SessionId = SessionId([9; 16]);
/// The session key of the fixed site (bytes 0..32), as the config carries it.
pub const SESSION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/// The fixed site's config: `session.keys` is the only thing that changes a sealed value.
pub fn site_toml() -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:8080"
public_url = "https://docs.example.com"
[oidc]
issuer = "{ISSUER}"
client_id = "{CLIENT}"
client_secret = "s3cret"
scopes = ["openid", "email", "profile", "groups"]
[session]
keys = ["{SESSION_KEY}"]
[origin]
dir = "./site"
[access]
public_paths = ["/public/*"]
required_groups = ["staff"]
"#
    )
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let config = parse(&site_toml(), &mut fake_secrets).unwrap_or_else(|e| panic!("the fixed site config: {e}"));
    Site::new(config)
});

pub fn site() -> &'static Site {
    &SITE
}

/// The fixed site's keyring (built by the config, as in `authfront serve`).
pub fn keys() -> &'static Keyring {
    &SITE.config.session.keys
}

/// The fixed site's key as bytes.
pub fn site_key() -> [u8; 32] {
    Keyring::decode_key(SESSION_KEY).unwrap_or_else(|e| panic!("the site key: {e}"))
}

/// A keyring of these keys (newest first) for the fixed site: the one `Keyring::new` call.
pub fn keyring(keys: &[[u8; 32]]) -> Keyring {
    Keyring::for_site(keys, ISSUER, CLIENT).unwrap_or_else(|e| panic!("a keyring: {e}"))
}

static OTHER: LazyLock<Keyring> = LazyLock::new(|| keyring(&[[4; 32]]));

/// A keyring of another site (another key): nothing the fixed site sealed opens with it.
pub fn other_keys() -> &'static Keyring {
    &OTHER
}

static OTHER_CLIENT: LazyLock<Keyring> = LazyLock::new(|| {
    Keyring::for_site(&[site_key()], ISSUER, "another-client").unwrap_or_else(|e| panic!("a keyring: {e}"))
});

/// The fixed site's own key, bound to another client of the same provider: nothing the fixed
/// site sealed opens with it either (the seal authenticates issuer and client id).
pub fn other_client_keys() -> &'static Keyring {
    &OTHER_CLIENT
}

/// `path::normalize` with today's default options.
pub fn normalize(raw: &str) -> Result<NormPath, PathError> {
    authfront_core::path::normalize(raw)
}

/// What `check-config` would read for a secret reference, without the environment or files: a
/// reference that names a key (one per name), a PEM or a Redis URL gets a valid one, anything else a plain
/// secret, and a name containing `MISSING` fails as an unset variable would.
pub fn fake_secrets(s: &RawSecret) -> Result<String, String> {
    let name = match s {
        RawSecret::Inline(v) => return Ok(v.clone()),
        RawSecret::Env(n) | RawSecret::File(n) => n.to_ascii_lowercase(),
    };
    Ok(if name.contains("missing") {
        return Err(format!("`{name}` is not set"));
    } else if name.contains("redis") {
        "redis://127.0.0.1:6379/0".to_owned()
    } else if name.contains("pub") {
        CF_RSA_PUB.to_owned()
    } else if name.contains("pem") || name.contains("private") {
        CF_RSA_PRIVATE.to_owned()
    } else if name.contains("key") {
        // one key per name, so that a rotation (two references) is two keys
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, name.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(d.as_ref());
        Keyring::encode_key(&key)
    } else {
        "fake-secret-of-the-fuzz-targets".to_owned()
    })
}

// ---------------------------------------------------------------- OpenID provider keys

pub const JWKS: &str = include_str!("../../core/src/oidc/testdata/jwks.json");
const RSA1: &str = include_str!("../../core/src/oidc/testdata/rsa1.pem");
const RSA2: &str = include_str!("../../core/src/oidc/testdata/rsa2.pem");
const EC256: &str = include_str!("../../core/src/oidc/testdata/ec256.pem");
const EC384: &str = include_str!("../../core/src/oidc/testdata/ec384.pem");
const ED25519: &str = include_str!("../../core/src/oidc/testdata/ed25519.pem");

/// Every algorithm a test key can verify.
pub const ALGS: &[Algorithm] =
    &[Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA];

static KEY_SET: LazyLock<KeySet> =
    LazyLock::new(|| KeySet::parse(JWKS.as_bytes()).unwrap_or_else(|e| panic!("the test JWKS: {e}")));

/// The provider's published keys: `rsa1` (RS256), `rsa2`, `ec256` (ES256), `ec384`, `ed25519`.
pub fn key_set() -> &'static KeySet {
    &KEY_SET
}

/// The DER inside a PEM text.
pub fn der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap_or_else(|e| panic!("a test PEM: {e}"))
}

/// A private test key by its JWKS `kid`, for signing.
pub fn signing_key(kid: &str) -> EncodingKey {
    match kid {
        "rsa1" => EncodingKey::from_rsa_der(&der(RSA1)),
        "rsa2" => EncodingKey::from_rsa_der(&der(RSA2)),
        "ec256" => EncodingKey::from_ec_der(&der(EC256)),
        "ec384" => EncodingKey::from_ec_der(&der(EC384)),
        "ed25519" => EncodingKey::from_ed_der(&der(ED25519)),
        other => panic!("no test key `{other}`"),
    }
}

/// An Ed25519 key the provider never published (PKCS#8 v1 of a fixed seed).
pub fn foreign_ed25519() -> EncodingKey {
    let mut pkcs8 =
        vec![0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    pkcs8.extend_from_slice(&[7u8; 32]);
    EncodingKey::from_ed_der(&pkcs8)
}

// ---------------------------------------------------------------- CloudFront keys

pub const CF_RSA_PRIVATE: &str = include_str!("../../core/src/cloudfront/testdata/rsa2048.pem");
pub const CF_RSA_PUB: &str = include_str!("../../core/src/cloudfront/testdata/rsa2048.pub.pem");
const CF_EC_PUB: &str = include_str!("../../core/src/cloudfront/testdata/ec256.pub.pem");
const CF_OTHER_PUB: &str = include_str!("../../core/src/cloudfront/testdata/other2048.pub.pem");
/// `ec-policy.json`, signed with `ec256.pem` (SHA-1 and SHA-256, CloudFront base64).
pub const CF_EC_POLICY: &str = include_str!("../../core/src/cloudfront/testdata/ec-policy.json");
pub const CF_EC_SIG_SHA1: &str = include_str!("../../core/src/cloudfront/testdata/ec-sha1.sig");
pub const CF_EC_SIG_SHA256: &str = include_str!("../../core/src/cloudfront/testdata/ec-sha256.sig");
/// Key ids of the group: the RSA key that signs, the ECDSA key, a member that signed nothing.
pub const CF_RSA_ID: &str = "K2JCJMDEHXQW5F";
pub const CF_EC_ID: &str = "KECDSAP256TEST";
pub const CF_OTHER_ID: &str = "KOTHER2048TEST";
/// The distribution whose URLs the corpus signs.
pub const CF_BASE: &str = "https://d111111abcdef8.cloudfront.net";

static CF_GROUP: LazyLock<KeyGroup> = LazyLock::new(|| {
    let mut g = KeyGroup::new();
    for (id, pem) in [(CF_RSA_ID, CF_RSA_PUB), (CF_EC_ID, CF_EC_PUB), (CF_OTHER_ID, CF_OTHER_PUB)] {
        g.insert(id, PublicKey::from_pem(pem).unwrap_or_else(|e| panic!("CloudFront test key {id}: {e}")));
    }
    g
});

/// The key group the CloudFront targets verify against.
pub fn cf_group() -> &'static KeyGroup {
    &CF_GROUP
}

static CF_SIGNER: LazyLock<SigningKey> =
    LazyLock::new(|| SigningKey::from_pem(CF_RSA_PRIVATE).unwrap_or_else(|e| panic!("CloudFront signing key: {e}")));

/// The private half of [`CF_RSA_ID`].
pub fn cf_signer() -> &'static SigningKey {
    &CF_SIGNER
}
