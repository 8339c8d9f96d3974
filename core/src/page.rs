//! The HTML pages authfront itself answers with (sign-in failed, access denied, signed out, not
//! found, bad request, provider or origin down, …): ONE template ([`render`]), so every page
//! has the same look, says what happened and what to do next, and always offers a next step as
//! a link. Small, escaped, no external assets, a strict CSP. Pure string building.
//!
//! What happened comes from [`Error::page`](crate::error::Error::page) (the one status mapping);
//! what to do next and the links are chosen here, by status and by what the site can offer
//! ([`Nav`]), so a new error variant gets sensible advice without touching this file.

use http::StatusCode;

use crate::error::ErrorPage;
use crate::site::Site;

/// `Content-Security-Policy` of authfront's own pages: nothing may load, nothing may frame.
pub const PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A next step offered on a page: a plain link (every step is a `GET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The element id, stable for tests and scripts (`retry`, `sign-in`, `sign-out`, …).
    pub id: &'static str,
    pub label: &'static str,
    /// A same-site URL (or `""`, which reloads the page itself).
    pub href: String,
}

/// One of authfront's pages, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub status: StatusCode,
    /// The `<main>` element's id: names the page (`error-403`, `signed-out`).
    pub id: String,
    pub title: String,
    /// What happened, in plain words.
    pub message: String,
    /// What to do next, in plain words.
    pub next: String,
    /// The next steps, the first one the main one. Never empty.
    pub links: Vec<Link>,
}

/// Where a page's links may lead: what the site can offer at the moment of the failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nav {
    /// "Try again": the page the user wanted (a same-site URL).
    pub retry: Option<String>,
    /// The home page; `/` when the site is not at hand.
    pub home: Option<String>,
    /// A signed-in user who may not see the page: sign out, or sign in as someone else.
    pub signed_in: Option<SignedIn>,
}

/// The two ways out for a signed-in user who is denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub sign_out: String,
    pub switch_account: String,
}

impl Nav {
    /// Links for a signed-in user denied `return_to` (a same-site path with query): sign out,
    /// or sign in as someone else and come back to the same page.
    pub fn denied(site: &Site, return_to: &str) -> Nav {
        let eps = &site.config.server.endpoints;
        let rd: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
        let prompt = site.config.oidc.switch_account_prompt.as_str();
        let switch = format!("{}?prompt={prompt}&rd={rd}", eps.login);
        Nav {
            retry: None,
            home: Some(site.url_for("/")),
            signed_in: Some(SignedIn { sign_out: site.url_for(&eps.signout), switch_account: site.url_for(&switch) }),
        }
    }
}

/// The page for a failure: its words from [`ErrorPage`], its advice and links from the status
/// and `nav`.
pub fn error(p: &ErrorPage, nav: &Nav) -> Page {
    let code = p.status.as_u16();
    let home =
        || Link { id: "home", label: "Go to the home page", href: nav.home.clone().unwrap_or_else(|| "/".into()) };
    let retry = match (p.retry, &nav.retry) {
        (true, Some(href)) => Some(Link { id: "retry", label: "Try again", href: href.clone() }),
        // A passing failure of the page itself: reloading it is the retry (`""` is this URL).
        _ if matches!(code, 408 | 500..=599) => Some(Link { id: "retry", label: "Try again", href: String::new() }),
        _ => None,
    };
    let mut links = Vec::with_capacity(3);
    let next = match (code, &nav.signed_in) {
        (403, Some(s)) => {
            links.push(Link { id: "switch-account", label: "Sign in as someone else", href: s.switch_account.clone() });
            links.push(Link { id: "sign-out", label: "Sign out", href: s.sign_out.clone() });
            "If you have another account that may see this page, sign in with it. \
             Otherwise, ask the site's administrators for access."
        }
        (400..=499, _) if p.retry && nav.retry.is_some() => {
            "Start the sign-in again. If it keeps failing, close this site's other tabs and try once more, \
             or tell the site's administrators."
        }
        (403, None) => "Ask whoever gave you this link for a new one, or start from the home page and sign in.",
        (404, _) => "Check the address for typing mistakes, or start again from the home page.",
        (405, _) => "Go back to the page you came from, or start again from the home page.",
        (408, _) => "Your browser took too long to send its request. Try again.",
        (413, _) => "What you sent is larger than this site accepts. Go back and send something smaller.",
        (431, _) => {
            "Your browser sent more cookies or header data than this site accepts. \
             Clear this site's cookies in your browser, then try again."
        }
        (400..=499, _) => "Check the address, or start again from the home page.",
        _ => "Try again in a moment. If it keeps happening, tell the site's administrators.",
    };
    let home = home();
    // "Try again" that leads home already is the way home.
    let retry_is_home =
        retry.as_ref().is_some_and(|r| r.href == home.href || (is_root(&r.href) && is_root(&home.href)));
    links.extend(retry);
    if (nav.signed_in.is_none() || code != 403) && !retry_is_home {
        links.push(home);
    }
    Page {
        status: p.status,
        id: format!("error-{code}"),
        title: p.title.to_owned(),
        message: p.message.clone(),
        next: next.to_owned(),
        links,
    }
}

/// Whether `href` is this site's root, relative (`/`) or absolute (`http://host/`).
fn is_root(href: &str) -> bool {
    href == "/" || href.split_once("://").is_some_and(|(_, rest)| rest.find('/').map(|i| &rest[i..]) == Some("/"))
}

/// The signed-out page: says so, and offers to sign in again (a fresh login at the provider).
pub fn signed_out(site: &Site) -> Page {
    Page {
        status: StatusCode::OK,
        id: "signed-out".into(),
        title: "You are signed out".into(),
        message: "You have signed out of this site. Your session here has ended.".into(),
        next: "To use the site again, sign in. On a shared computer, also close the browser.".into(),
        links: vec![Link {
            id: "sign-in",
            label: "Sign in again",
            href: site.url_for(&site.config.server.endpoints.login),
        }],
    }
}

/// THE template of every authfront page. Colours were chosen for contrast (the page text is
/// at least 7:1 on its background, links and buttons at least 4.5:1) and are checked in
/// Chromium by the pages' end-to-end test.
pub fn render(p: &Page) -> String {
    let mut links = String::new();
    for (i, l) in p.links.iter().enumerate() {
        let class = if i == 0 { "primary" } else { "secondary" };
        links.push_str(&format!(
            r#"<li><a id="{}" class="{class}" href="{}">{}</a></li>"#,
            l.id,
            escape(&l.href),
            escape(l.label)
        ));
    }
    format!(
        concat!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>",
            "<style>{style}</style></head><body><main id=\"{id}\"><h1 id=\"title\">{title}</h1>",
            "<p id=\"message\">{message}</p><p id=\"next\">{next}</p>",
            "<nav aria-label=\"Next steps\"><ul>{links}</ul></nav></main>",
            "<footer><p>{code} {reason} &middot; authfront</p></footer></body></html>\n"
        ),
        style = STYLE,
        id = escape(&p.id),
        title = escape(&p.title),
        message = escape(&p.message),
        next = escape(&p.next),
        links = links,
        code = p.status.as_u16(),
        reason = escape(p.status.canonical_reason().unwrap_or("")),
    )
}

/// The pages' one style sheet (inline: the CSP lets nothing load).
const STYLE: &str = concat!(
    "html{background:#f3f4f6;color:#111827}",
    "body{font:1.05rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;padding:4rem 1rem}",
    "main{max-width:36rem;margin:0 auto;background:#fff;border:1px solid #d1d5db;border-radius:12px;",
    "padding:2rem 2rem 1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}",
    "h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}",
    "p{margin:0 0 1rem}#next{color:#374151}",
    "ul{list-style:none;display:flex;flex-wrap:wrap;gap:.75rem;padding:0;margin:1.5rem 0 0}",
    "a{display:inline-block;padding:.55rem 1.1rem;border-radius:8px;font-weight:600;text-decoration:none}",
    "a.primary{background:#1d4ed8;color:#fff;border:2px solid #1d4ed8}",
    "a.secondary{background:#fff;color:#1d4ed8;border:2px solid #1d4ed8}",
    "a:hover{text-decoration:underline}a:focus-visible{outline:3px solid #111827;outline-offset:2px}",
    "footer{max-width:36rem;margin:1rem auto 0;color:#4b5563;font-size:.875rem;text-align:center}",
);

#[cfg(test)]
mod tests;
