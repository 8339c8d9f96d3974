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
        let mut rule_groups = config.access.required_groups.clone();
        rule_groups.sort();
        rule_groups.dedup();
        let protected = Protected::new(&config);
        Self { config, redirect_uri, rule_groups, protected }
    }

    /// Whether a signed-in user may see protected paths at all (`access.required_groups`).
    pub fn allows(&self, u: &Session) -> bool {
        let groups = &self.config.access.required_groups;
        groups.is_empty() || u.in_any_group(groups)
    }

    /// An absolute URL on this site for a same-site path (`/…`).
    pub fn url_for(&self, path_and_query: &str) -> String {
        format!("{}{}", self.config.server.public_url, path_and_query)
    }
}
