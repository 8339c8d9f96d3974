//! The `prompt` a visitor may ask a login for (`{prefix}/login?prompt=…`): a fixed allow-list,
//! so that a link cannot put anything else into the authorization request. "Sign in as someone
//! else" on the access-denied page asks for `oidc.switch_account_prompt` (`login` unless told:
//! every provider of docs/providers.md knows it but Google, which wants `select_account`).

/// A `prompt` value (OpenID Connect Core §3.1.2.1) a visitor may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Ask the user to sign in again, even with a session at the provider.
    Login,
    /// Ask the user which account to use.
    SelectAccount,
}

impl Prompt {
    /// The allow-list: `login` and `select_account`, exactly; anything else is `None`.
    pub fn parse(value: &str) -> Option<Prompt> {
        match value {
            "login" => Some(Prompt::Login),
            "select_account" => Some(Prompt::SelectAccount),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::Login => "login",
            Prompt::SelectAccount => "select_account",
        }
    }

    /// What to send to a provider announcing `supported` (`prompt_values_supported`, empty when
    /// it does not say). Account selection is what "someone else" means, but many providers
    /// (oidc-provider, Okta, Auth0) only know `login`, which also lets another user sign in; one
    /// that names its values and lacks `select_account` gets `login` instead of an error.
    pub fn for_provider(self, supported: &[String]) -> Prompt {
        let has = |p: Prompt| supported.iter().any(|s| s == p.as_str());
        match self {
            Prompt::SelectAccount if !supported.is_empty() && !has(Prompt::SelectAccount) && has(Prompt::Login) => {
                Prompt::Login
            }
            p => p,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_allow_list_parses() {
        assert_eq!(Prompt::parse("login"), Some(Prompt::Login));
        assert_eq!(Prompt::parse("select_account"), Some(Prompt::SelectAccount));
        for bad in ["", "none", "consent", "LOGIN", "login select_account", "login&x=1", "select_account "] {
            assert_eq!(Prompt::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn select_account_falls_back_to_login_where_the_provider_lacks_it() {
        let v = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(Prompt::SelectAccount.for_provider(&v(&["consent", "login"])), Prompt::Login);
        assert_eq!(Prompt::SelectAccount.for_provider(&v(&["login", "select_account"])), Prompt::SelectAccount);
        // a provider that does not say, or knows neither: ask for what the visitor asked
        assert_eq!(Prompt::SelectAccount.for_provider(&[]), Prompt::SelectAccount);
        assert_eq!(Prompt::SelectAccount.for_provider(&v(&["consent"])), Prompt::SelectAccount);
        assert_eq!(Prompt::Login.for_provider(&v(&["select_account"])), Prompt::Login);
    }
}
