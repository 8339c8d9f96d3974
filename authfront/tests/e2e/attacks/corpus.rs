//! The generated path-confusion corpus of the differential test: request targets (sent raw)
//! that try to reach `/t/secret.html` from the public `/t/public/` with every trick origins are
//! known to disagree on — percent-encodings (double, overlong UTF-8, `%u`), dot segments,
//! Tomcat/Jetty/Spring `;` path parameters (`..;`, `;jsessionid=`, `%3b`), backslashes and
//! `%5c`, encoded slashes, Unicode look-alikes, case, `//`, trailing dots and spaces, NUL, `*`.

/// Ways to write a `..` segment.
const DOTDOT: [&str; 26] = [
    "..",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    "%2e.",
    "%252e%252e",
    "%25252e%25252e",
    "..;",
    "..%3b",
    "..%3B",
    "..;jsessionid=x",
    "..;a=b",
    "%2e%2e;",
    "%2e%2e%3b",
    "..%00",
    "..%2500",
    "%c0%ae%c0%ae",
    "%e0%80%ae%e0%80%ae",
    "%u002e%u002e",
    "%ef%bc%8e%ef%bc%8e",
    "...",
    "..%20",
    "..%09",
    "..%2e",
    "..*",
    "%2e%2e%2f..",
];

/// Ways to write the `/` after it.
const SLASH: [&str; 10] = ["/", "%2f", "%2F", "//", "\\", "%5c", "%5C", "/./", "%252f", "%c0%af"];

/// Ways to name the protected file once back in `/t/`.
const TARGET: [&str; 24] = [
    "secret.html",
    "SECRET.html",
    "Secret.HTML",
    "secret.html;jsessionid=abc",
    "secret.html;",
    "secret.html%3bx",
    "secret.html.",
    "secret.html%20",
    "secret.html%00",
    "secret.html%00.txt",
    "secret.html/",
    "secret.html/.",
    "secret.html%2e",
    "secret%2ehtml",
    "%73ecret.html",
    "%2573ecret.html",
    "secret.html::$DATA",
    "secret.html*",
    "secret.htm*",
    "secre?.html",
    "secret.html%23",
    "secret.html#frag",
    "./secret.html",
    "secret.h%74ml",
];

/// Whole targets written by hand: the findings and the shapes the generator does not make.
const SPECIAL: [&str; 31] = [
    "/t/public/..;/secret.html",
    "/t/public/..%3b/secret.html",
    "/t/public/..%3B/secret.html",
    "/t/public;/../secret.html",
    "/t/public;x=y/..;/secret.html",
    "/t;jsessionid=1/secret.html",
    "/t;/secret.html",
    "/t/public/%2e%2e/secret.html",
    "/t/public/../secret.html",
    "/t/public/./../secret.html",
    "/t/public/x/../../secret.html",
    "/t/public/x/..;/..;/secret.html",
    "//t/secret.html",
    "/t//secret.html",
    "/t/./secret.html",
    "/t/public/..//secret.html",
    "/t/public/*/../../secret.html",
    "/t/public/*/..;/..;/secret.html",
    "/t/public/%2A/../../secret.html",
    "*",
    "/*",
    "/t/*",
    "/T/secret.html",
    "/t/PUBLIC/../secret.html",
    "/t/public/..%252f..%252ft/secret.html",
    "/t/public/%2e%2e%2fsecret.html",
    "/t/public/..%2fsecret.html",
    "/t/public/..%5csecret.html",
    "/t/public\\..\\secret.html",
    "/t/public/..%c0%afsecret.html",
    "/t/public/..%ef%bc%8fsecret.html",
];

/// Every variant, each once, at least 200 of them.
pub fn variants() -> Vec<String> {
    let mut out: Vec<String> = SPECIAL.iter().map(|s| (*s).to_owned()).collect();
    for d in DOTDOT {
        for s in SLASH {
            out.push(format!("/t/public/{d}{s}secret.html"));
        }
    }
    for t in TARGET {
        out.push(format!("/t/public/../{t}"));
        out.push(format!("/t/public/..;/{t}"));
        out.push(format!("/t/{t}"));
    }
    for d in ["..", "..;", "%2e%2e", "..%3b"] {
        // from a sub-folder of the public one: two levels up
        out.push(format!("/t/public/sub/{d}/{d}/t/secret.html"));
        out.push(format!("/t/public/sub/{d}/{d}/secret.html"));
        out.push(format!("/t/public/sub/{d}/{d}/{d}/t/secret.html"));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|v| seen.insert(v.clone()));
    assert!(out.len() >= 200, "the corpus has only {} variants", out.len());
    out
}
