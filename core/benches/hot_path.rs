//! The per-request hot path, measured: opening a session cookie, `decide` for a signed-in
//! request and for a CloudFront signed URL (RSA-SHA1 verification included), a forward-auth
//! check as nginx sends it (the check and its `200` with identity headers); and ID-token
//! verification (RS256, ES256), done once per sign-in and refresh. Run with
//! `cargo bench -p authfront-core`; criterion prints operations per second (`thrpt`). A
//! benchmark, never a timed test.

// A benchmark reads its fixtures from disk; the library never does.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use authfront_core::cloudfront::{HashAlgorithm, Policy, SigningKey, sign};
use authfront_core::config::{RawSecret, parse};
use authfront_core::decide::{Action, Ctx, decide};
use authfront_core::revocation::Revocations;
use authfront_core::session::{Session, SessionId};
use authfront_core::site::Site;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CONFIG: &str = r#"
[server]
listen = "127.0.0.1:8080"
public_url = "https://docs.example.com"
[oidc]
issuer = "https://idp.example.com"
client_id = "authfront"
client_secret = "secret"
[session]
keys = ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]
[origin]
dir = "./site"
[access]
public_paths = ["/public/*", "/favicon.ico"]
required_groups = ["staff"]
[cloudfront.key_groups.partners]
K2JCJMDEHXQW5F = { file = "rsa2048.pub.pem" }
[[cloudfront.signed_paths]]
paths = ["/downloads/*"]
key_group = "partners"
"#;

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

fn site() -> Site {
    let mut test_key = |_: &RawSecret| Ok(include_str!("../src/cloudfront/testdata/rsa2048.pub.pem").to_owned());
    Site::new(parse(CONFIG, &mut test_key).expect("bench config parses"))
}

fn cookie(site: &Site) -> String {
    let s = Session {
        id: SessionId([7; 16]),
        sub: "248289761001".into(),
        sid: Some("b1b6c2a4-0d67-4bd4-9d1c-6c1e5d0e7f2a".into()),
        email: Some("alice@example.com".into()),
        name: Some("Alice Admin".into()),
        groups: vec!["staff".into()],
        iat: 1_700_000_000,
        exp: u64::MAX,
        seen: 1_800_000_000,
        refresh_at: None,
        generation: 0,
    };
    s.seal(&site.config.session.keys, [7; 12])
}

fn session_open(c: &mut Criterion) {
    let site = site();
    let text = cookie(&site);
    let mut g = c.benchmark_group("session");
    g.throughput(Throughput::Elements(1));
    g.bench_function("open", |b| {
        b.iter(|| Session::open(&site.config.session.keys, black_box(&text), black_box(1_800_000_000)))
    });
    g.finish();
}

fn decide_signed_in(c: &mut Criterion) {
    let site = site();
    let text = cookie(&site);
    let req = http::Request::builder()
        .uri("/docs/guide.html?section=intro")
        .header("host", "docs.example.com")
        .header("cookie", format!("_ga=GA1.2.3; authfront_session={text}; theme=dark"))
        .header("accept", "text/html")
        .body(())
        .expect("bench request builds")
        .into_parts()
        .0;
    let revocations = Revocations::default();
    let ctx = Ctx { now: 1_800_000_000, revocations: &revocations, client: CLIENT };
    assert!(matches!(decide(&site, &req, &ctx), Action::Forward(_)));
    let mut g = c.benchmark_group("decide");
    g.throughput(Throughput::Elements(1));
    g.bench_function("signed_in", |b| b.iter(|| decide(&site, black_box(&req), black_box(&ctx))));
    g.finish();
}

fn decide_signed_url(c: &mut Criterion) {
    let site = site();
    let key = SigningKey::from_pem(include_str!("../src/cloudfront/testdata/rsa2048.pem")).expect("test key");
    let url = "https://docs.example.com/downloads/report.pdf?v=2";
    let signed =
        sign::sign(Policy::canned(url, 1_900_000_000), &key, "K2JCJMDEHXQW5F", HashAlgorithm::Sha1).expect("signs");
    let uri = signed.url(url).replace("https://docs.example.com", "");
    let req =
        http::Request::builder().uri(uri).header("host", "docs.example.com").body(()).expect("bench request builds");
    let req = req.into_parts().0;
    let revocations = Revocations::default();
    let ctx = Ctx { now: 1_800_000_000, revocations: &revocations, client: CLIENT };
    assert!(matches!(decide(&site, &req, &ctx), Action::Forward(_)));
    let mut g = c.benchmark_group("decide");
    g.throughput(Throughput::Elements(1));
    g.bench_function("cloudfront_signed_url", |b| b.iter(|| decide(&site, black_box(&req), black_box(&ctx))));
    g.finish();
}

/// The DER inside a PEM file (the core's test keys).
fn der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).expect("test PEM")
}

fn id_token_verify(c: &mut Criterion) {
    use authfront_core::oidc::{IdTokenCheck, KeySet, verify_id_token};
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/oidc/testdata");
    let read = |name: &str| std::fs::read_to_string(format!("{TESTDATA}/{name}")).expect("test data");
    let keys = KeySet::parse(read("jwks.json").as_bytes()).expect("test JWKS");
    let now = 1_700_000_000u64;
    let claims = serde_json::json!({
        "iss": "https://idp.example.com", "aud": "authfront", "sub": "248289761001",
        "email": "alice@example.com", "groups": ["staff", "admins"], "iat": now, "exp": now + 300, "nonce": "n-0S6_WzA2Mj",
    });
    let algs = [Algorithm::RS256, Algorithm::ES256];
    let check = IdTokenCheck {
        issuer: "https://idp.example.com",
        client_id: "authfront",
        trusted_audiences: &[],
        algs: &algs,
        skew_secs: 60,
        nonce: Some("n-0S6_WzA2Mj"),
        now,
    };
    let mut g = c.benchmark_group("id_token");
    g.throughput(Throughput::Elements(1));
    for (alg, kid, key) in [
        (Algorithm::RS256, "rsa1", EncodingKey::from_rsa_der(&der(&read("rsa1.pem")))),
        (Algorithm::ES256, "ec256", EncodingKey::from_ec_der(&der(&read("ec256.pem")))),
    ] {
        let mut header = Header::new(alg);
        header.kid = Some(kid.into());
        let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
        assert!(verify_id_token(&token, &keys, &check).is_ok(), "{alg:?}");
        g.bench_function(format!("verify_{alg:?}"), |b| b.iter(|| verify_id_token(black_box(&token), &keys, &check)));
    }
    g.finish();
}

fn forward_auth_check(c: &mut Criterion) {
    use authfront_core::forward_auth::{Check, allow, check};
    let site = Site::new(
        parse(&format!("{CONFIG}\n[forward_auth]\n"), &mut |_: &RawSecret| {
            Ok(include_str!("../src/cloudfront/testdata/rsa2048.pub.pem").to_owned())
        })
        .expect("bench config parses"),
    );
    let text = cookie(&site);
    // what nginx's `auth_request` location of examples/forward-auth/nginx.conf sends
    let req = http::Request::builder()
        .uri("/_authfront/auth")
        .header("host", "docs.example.com")
        .header("x-original-uri", "/docs/guide.html?section=intro")
        .header("x-original-method", "GET")
        .header("x-forwarded-host", "docs.example.com")
        .header("x-forwarded-proto", "https")
        .header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)")
        .header("accept", "text/html,application/xhtml+xml")
        .header("cookie", format!("_ga=GA1.2.3; authfront_session={text}; theme=dark"))
        .body(())
        .expect("bench request builds")
        .into_parts()
        .0;
    let revocations = Revocations::default();
    let ctx = Ctx { now: 1_800_000_000, revocations: &revocations, client: IpAddr::V4(Ipv4Addr::LOCALHOST) };
    assert!(matches!(check(&site, &req, &ctx), Check::Allow(_)));
    let mut g = c.benchmark_group("forward_auth");
    g.throughput(Throughput::Elements(1));
    g.bench_function("check_and_allow", |b| {
        b.iter(|| match check(&site, black_box(&req), black_box(&ctx)) {
            Check::Allow(f) => allow(&site, f.user.as_ref(), f.access_token.as_deref()),
            other => panic!("{other:?}"),
        })
    });
    g.finish();
}

criterion_group!(benches, session_open, decide_signed_in, id_token_verify, decide_signed_url, forward_auth_check);
criterion_main!(benches);
