//! The HTML pages authfront itself answers with (errors, access denied): small, escaped,
//! no external assets, a strict CSP. Pure string building.

use crate::error::ErrorPage;

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

/// Renders an error page. `retry` is where "try again" points (a same-site path, or `None`).
pub fn render(page: &ErrorPage, retry: Option<&str>) -> String {
    let link = match (page.retry, retry) {
        (true, Some(href)) => format!(r#"<p><a id="retry" href="{}">Try again</a></p>"#, escape(href)),
        _ => String::new(),
    };
    format!(
        concat!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title>",
            "<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}}",
            "h1{{font-size:1.4em}}small{{color:#777}}</style></head>",
            "<body><h1 id=\"title\">{title}</h1><p id=\"message\">{message}</p>{link}",
            "<p><small>{code} &middot; authfront</small></p></body></html>\n"
        ),
        title = escape(page.title),
        message = escape(&page.message),
        link = link,
        code = page.status.as_u16(),
    )
}
