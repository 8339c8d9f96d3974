//! A site: the checked [`Config`] plus what is derived from it once (the redirect URI, the
//! groups worth keeping in a session). Everything per-request reads from here.

use crate::config::Config;
use crate::screen::Protected;
use crate::session::Session;

#[derive(Debug)]
pub struct Site {
    pub config: Config,
    /// `{public_url}{callback}`: registered at the provider; never built from `Host`.
    pub redirect_uri: String,
    /// Groups some rule refers to; the only ones a session keeps.
    pub rule_groups: Vec<String>,
    /// Client headers that never reach an origin, in any spelling.
    pub protected: Protected,
}

impl Site {
    pub fn new(config: Config) -> Self {
        let redirect_uri = format!("{}{}", config.server.public_url, config.server.endpoints.callback);
        let rule_groups = config.access.rules.groups();
        let protected = Protected::new(&config);
        Self { config, redirect_uri, rule_groups, protected }
    }

    /// Whether a signed-in user may see protected paths at all (`access.required_groups`: the
    /// rule for what no other rule matches).
    pub fn allows(&self, u: &Session) -> bool {
        self.config.access.rules.otherwise.admits(u)
    }

    /// An absolute URL on this site for a same-site path (`/…`); a return target that is an
    /// absolute URL already (checked by [`crate::login::return_checked`]) is itself.
    pub fn url_for(&self, path_and_query: &str) -> String {
        if path_and_query.starts_with("https://") || path_and_query.starts_with("http://") {
            return path_and_query.to_owned();
        }
        format!("{}{}", self.config.server.public_url, path_and_query)
    }

    /// Whether a sign-in may send the browser to `url`: this site's scheme (or `https` on a
    /// plain-HTTP site), no user name or password, and the public URL's host or one of
    /// `forward_auth.hosts`.
    pub fn may_return_to(&self, url: &url::Url) -> bool {
        let public = &self.config.server.public_url;
        let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && public.starts_with("http://"));
        if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        // `Url` keeps a host lower-case already
        let Some(host) = url.host_str() else { return false };
        self.is_own_host(host)
    }

    /// `host` (lower-case, no port) is the public URL's, or one `forward_auth.hosts` names.
    pub fn is_own_host(&self, host: &str) -> bool {
        host == self.config.server.public_host
            || self.config.forward_auth.as_ref().is_some_and(|f| f.hosts.iter().any(|p| p.matches(host)))
    }
}
