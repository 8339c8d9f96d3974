//! The pages' template: every page says what to do next and offers a step; links by status and site.

use super::*;
use crate::error::Error;
use crate::login::tests::site;
use crate::path::PathError;

fn ids(p: &Page) -> Vec<&str> {
    p.links.iter().map(|l| l.id).collect()
}

#[test]
fn every_error_page_offers_a_next_step_and_says_what_to_do() {
    let errors = [
        Error::BadPath(PathError::AboveRoot),
        Error::BadCallback("no code"),
        Error::StateMismatch,
        Error::Forbidden { user: "carol@example.test".into() },
        Error::MethodNotAllowed,
        Error::Denied,
        Error::NotFound,
        Error::ProviderRefused { error: "access_denied".into(), description: String::new() },
        Error::ProviderUnreachable("connection refused".into()),
        Error::ProviderTimeout("10s".into()),
        Error::Origin("connection refused".into()),
        Error::OriginTimeout("30s".into()),
        Error::Internal("x".into()),
    ];
    for e in &errors {
        for nav in [Nav::default(), Nav { retry: Some("http://127.0.0.1:8080/x".into()), ..Nav::default() }] {
            let p = error(&e.page(), &nav);
            assert!(!p.links.is_empty(), "{e:?}: no next step");
            assert!(!p.next.is_empty() && p.next.ends_with('.'), "{e:?}: {:?}", p.next);
            let html = render(&p);
            assert!(html.contains("<main id=\"error-"), "{e:?}");
            assert!(html.contains("<html lang=\"en\">") && html.contains("<h1 id=\"title\">"), "{e:?}");
        }
    }
}

#[test]
fn denied_offers_sign_out_and_another_account_for_the_same_page() {
    let s = site();
    let e = Error::Forbidden { user: "carol@example.test".into() };
    let p = error(&e.page(), &Nav::denied(&s, "/docs/a.html?x=1&y=2"));
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(ids(&p), ["switch-account", "sign-out"]);
    assert_eq!(
        p.links[0].href,
        "http://127.0.0.1:8080/_authfront/login?prompt=login&rd=%2Fdocs%2Fa.html%3Fx%3D1%26y%3D2"
    );
    assert_eq!(p.links[1].href, "http://127.0.0.1:8080/_authfront/signout");
    let html = render(&p);
    assert!(html.contains("carol@example.test"));
    // the href is escaped in the attribute
    assert!(html.contains("login?prompt=login&amp;rd=%2Fdocs"), "{html}");
}

#[test]
fn sign_in_failures_retry_the_page_wanted_and_outages_reload() {
    let nav = Nav { retry: Some("http://127.0.0.1:8080/deep?x=1".into()), ..Nav::default() };
    let p = error(&Error::StateMismatch.page(), &nav);
    assert_eq!(ids(&p), ["retry", "home"]);
    assert_eq!(p.links[0].href, "http://127.0.0.1:8080/deep?x=1");
    assert!(p.next.starts_with("Start the sign-in again"), "{}", p.next);
    // when "Try again" leads home, it is the only way home
    let s = site();
    let nav = Nav { retry: Some(s.url_for("/")), home: Some(s.url_for("/")), signed_in: None };
    assert_eq!(ids(&error(&Error::StateMismatch.page(), &nav)), ["retry"]);
    // an origin failure has no retry URL: "Try again" reloads the page itself
    let p = error(&Error::Origin("refused".into()).page(), &Nav::default());
    assert_eq!(ids(&p), ["retry", "home"]);
    assert_eq!(p.links[0].href, "");
    assert!(p.next.starts_with("Try again in a moment"));
    // a client error gets no reload, only the way home
    let p = error(&Error::NotFound.page(), &Nav::default());
    assert_eq!(ids(&p), ["home"]);
    assert_eq!(p.links[0].href, "/");
}

#[test]
fn statuses_without_a_variant_here_still_get_advice() {
    // the request-limit answers (408, 413, 431): advice by status alone
    for (code, start) in [(408, "Your browser took too long"), (413, "What you sent"), (431, "Your browser sent more")]
    {
        let ep =
            ErrorPage { status: StatusCode::from_u16(code).unwrap(), title: "t", message: "m".into(), retry: false };
        let p = error(&ep, &Nav::default());
        assert!(p.next.starts_with(start), "{code}: {}", p.next);
        assert_eq!(p.links.last().unwrap().id, "home");
    }
}

#[test]
fn bad_paths_read_as_plain_words_not_internal_reasons() {
    for e in [PathError::AboveRoot, PathError::Control, PathError::NotUtf8, PathError::Backslash] {
        let p = error(&Error::BadPath(e).page(), &Nav::default());
        assert!(!p.message.contains("path"), "{e:?}: {}", p.message);
        assert!(!render(&p).contains(&e.to_string()), "{e:?}");
        // the log line (Display) keeps the precise reason
        assert!(Error::BadPath(e).to_string().contains(&e.to_string()));
    }
}

#[test]
fn signed_out_offers_to_sign_in_again() {
    let p = signed_out(&site());
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.id, "signed-out");
    assert_eq!(ids(&p), ["sign-in"]);
    assert_eq!(p.links[0].href, "http://127.0.0.1:8080/_authfront/login");
}

#[test]
fn text_is_escaped_and_nothing_external_loads() {
    let ep = ErrorPage {
        status: StatusCode::BAD_GATEWAY,
        title: "T<i>",
        message: "<script>alert(1)</script>".into(),
        retry: true,
    };
    let nav = Nav { retry: Some("/x\"onclick=\"y".into()), ..Nav::default() };
    let html = render(&error(&ep, &nav));
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    assert!(!html.contains("\"onclick") && html.contains("&quot;onclick"));
    assert!(html.contains("<title>T&lt;i&gt;</title>"));
    for external in ["src=", "<link", "@import", "url(", "http://", "https://"] {
        assert!(!html.contains(external), "{external} in {html}");
    }
}
