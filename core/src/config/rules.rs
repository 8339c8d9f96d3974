//! `[[access.rules]]`: who may see what, by host, path and method — first match wins.
//!
//! `access.public_paths` comes before every rule (a public rule of its own) and
//! `access.required_groups` after them (the rule for everything no rule matched), so a config
//! without rules means what it always did. [`crate::decide`] asks [`Rules::verdict`] once per
//! request, on the one normalised path.

use http::Method;
use serde::Deserialize;

use super::ConfigError;
use super::forward_auth::{ForwardAuth, HostPattern, host_pattern};
use crate::path::{NormPath, Pattern};
use crate::session::Session;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// `app.example.com` or `*.example.com`; none: every host.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Path patterns (as `public_paths`); none: every path.
    #[serde(default)]
    pub paths: Vec<String>,
    /// `GET`, `POST`, …; none: every method.
    #[serde(default)]
    pub methods: Vec<String>,
    /// `allow` (default), `public` or `deny`.
    pub action: Option<String>,
    /// `allow`: a user in any one of these groups (none: any signed-in user).
    #[serde(default)]
    pub groups: Vec<String>,
    /// `allow`: a user in every one of these groups as well.
    #[serde(default)]
    pub all_groups: Vec<String>,
}

/// One rule: when it matches, and what it says.
#[derive(Debug, Clone)]
pub struct Rule {
    pub hosts: Vec<HostPattern>,
    pub paths: Vec<Pattern>,
    pub methods: Vec<Method>,
    pub verdict: Verdict,
}

/// What a rule says about a request it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Anyone, signed in or not.
    Public,
    /// Nobody: `403`, and no sign-in either.
    Deny,
    /// A signed-in user in any of `any` (empty: any user) and in all of `all`.
    Allow { any: Vec<String>, all: Vec<String> },
}

impl Verdict {
    /// Whether it keeps out someone `required_groups` lets in (a `deny`, or groups of its own).
    pub fn narrows(&self) -> bool {
        match self {
            Verdict::Public => false,
            Verdict::Deny => true,
            Verdict::Allow { any, all } => !any.is_empty() || !all.is_empty(),
        }
    }

    /// Whether `u` is let in by this verdict.
    pub fn admits(&self, u: &Session) -> bool {
        match self {
            Verdict::Public => true,
            Verdict::Deny => false,
            Verdict::Allow { any, all } => {
                (any.is_empty() || u.in_any_group(any)) && all.iter().all(|g| u.groups.iter().any(|h| h == g))
            }
        }
    }
}

impl Rule {
    /// `host`: lower-case, no port.
    fn matches(&self, host: &str, path: &NormPath, method: &Method) -> bool {
        (self.hosts.is_empty() || self.hosts.iter().any(|h| h.matches(host)))
            && (self.paths.is_empty() || self.paths.iter().any(|p| p.matches(path)))
            && (self.methods.is_empty() || self.methods.contains(method))
    }

    fn matches_everything(&self) -> bool {
        self.hosts.is_empty() && self.paths.is_empty() && self.methods.is_empty()
    }
}

/// The whole policy, in order.
#[derive(Debug, Clone)]
pub struct Rules {
    /// `access.public_paths`: before every rule.
    pub public_paths: Vec<Pattern>,
    pub rules: Vec<Rule>,
    /// `access.required_groups`: what no rule matched.
    pub otherwise: Verdict,
}

impl Rules {
    /// The verdict for a request to `path` on `host` (lower-case, no port) with `method`.
    pub fn verdict(&self, host: &str, path: &NormPath, method: &Method) -> &Verdict {
        if self.public_paths.iter().any(|p| p.matches(path)) {
            return &Verdict::Public;
        }
        self.rules.iter().find(|r| r.matches(host, path, method)).map_or(&self.otherwise, |r| &r.verdict)
    }

    /// Every group some verdict names (the only ones a session keeps).
    pub fn groups(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in self.rules.iter().map(|r| &r.verdict).chain([&self.otherwise]) {
            if let Verdict::Allow { any, all } = v {
                out.extend(any.iter().chain(all).cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Builds the rules. `public_host`: `server.public_url`'s host; a rule's host must be it or
/// one `forward_auth.hosts` covers (any other is refused before any rule is asked).
pub(super) fn build(
    raw: &[RawRule],
    public_paths: Vec<Pattern>,
    required_groups: &[String],
    public_host: &str,
    fa: Option<&ForwardAuth>,
) -> Result<Rules, ConfigError> {
    let mut rules: Vec<Rule> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let key = format!("access.rules[{i}]");
        if let Some(j) = rules.iter().position(Rule::matches_everything) {
            return Err(ConfigError::new(
                key,
                format!(
                    "can never match: access.rules[{j}] before it has no hosts, paths or methods and matches every request"
                ),
            ));
        }
        let mut hosts = Vec::new();
        for (j, h) in r.hosts.iter().enumerate() {
            let k = format!("{key}.hosts[{j}]");
            let p = host_pattern(h).map_err(|e| ConfigError::new(k.clone(), e))?;
            if !served(&p, public_host, fa) {
                return Err(ConfigError::new(
                    k,
                    format!(
                        "`{h}` can never match: it is neither server.public_url's host nor covered by forward_auth.hosts"
                    ),
                ));
            }
            hosts.push(p);
        }
        let mut paths = Vec::new();
        for (j, p) in r.paths.iter().enumerate() {
            paths.push(Pattern::parse(p).map_err(|e| ConfigError::new(format!("{key}.paths[{j}]"), e))?);
        }
        let mut methods = Vec::new();
        for (j, m) in r.methods.iter().enumerate() {
            let upper = m.to_ascii_uppercase();
            let method = Method::from_bytes(upper.as_bytes())
                .map_err(|_| ConfigError::new(format!("{key}.methods[{j}]"), format!("`{m}` is not a method")))?;
            methods.push(method);
        }
        for (name, list) in [("groups", &r.groups), ("all_groups", &r.all_groups)] {
            if list.iter().any(String::is_empty) {
                return Err(ConfigError::new(format!("{key}.{name}"), "an empty group name"));
            }
        }
        let has_groups = !r.groups.is_empty() || !r.all_groups.is_empty();
        let verdict = match r.action.as_deref().unwrap_or("allow") {
            "allow" => Verdict::Allow { any: r.groups.clone(), all: r.all_groups.clone() },
            a @ ("public" | "deny") if has_groups => {
                return Err(ConfigError::new(
                    format!("{key}.groups"),
                    format!("a `{a}` rule names no groups: groups only go with `allow`"),
                ));
            }
            "public" => Verdict::Public,
            "deny" => Verdict::Deny,
            other => {
                return Err(ConfigError::new(
                    format!("{key}.action"),
                    format!("`{other}` is not one of `allow`, `public`, `deny`"),
                ));
            }
        };
        rules.push(Rule { hosts, paths, methods, verdict });
    }
    Ok(Rules { public_paths, rules, otherwise: Verdict::Allow { any: required_groups.to_vec(), all: Vec::new() } })
}

/// Whether requests for hosts of `p` can reach the rules at all.
fn served(p: &HostPattern, public_host: &str, fa: Option<&ForwardAuth>) -> bool {
    let fa_hosts = fa.map_or(&[][..], |f| &f.hosts[..]);
    match p {
        HostPattern::Exact(h) => h == public_host || fa_hosts.iter().any(|f| f.matches(h)),
        HostPattern::Subdomains(s) => {
            fa_hosts.iter().any(|f| matches!(f, HostPattern::Subdomains(t) if s.ends_with(t.as_str())))
        }
    }
}

#[cfg(test)]
mod tests;
