//! Signing out: every authfront cookie cleared, then RP-initiated logout at the provider
//! (`end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri` and `state`) when it
//! has one, else straight to the signed-out page. The landing place is on this site only: a
//! return path travels sealed in `state` and is checked again when it comes back.

use serde::{Deserialize, Serialize};

use crate::keyring::{NONCE_LEN, Purpose};
use crate::login::return_or_home;
use crate::page;
use crate::reply::Reply;
use crate::site::Site;

const FORMAT: u8 = 1;

#[derive(Serialize, Deserialize)]
struct State {
    format: u8,
    return_to: Option<String>,
}

/// Where the provider sends the browser back after signing out (register it at the provider).
pub fn post_logout_redirect_uri(site: &Site) -> String {
    site.url_for(&site.config.server.endpoints.signed_out)
}

/// The sign-out answer: `clear` (every cookie removal) and a redirect to the provider's
/// `end_session_endpoint`, or to this site's signed-out page when it has none.
pub fn begin(
    site: &Site,
    end_session_endpoint: Option<&str>,
    id_token: Option<&str>,
    return_to: Option<&str>,
    clear: &[String],
    nonce: [u8; NONCE_LEN],
) -> Reply {
    let state = State { format: FORMAT, return_to: return_to.map(|p| return_or_home(site, p)) };
    // postcard into a Vec cannot fail for these plain types.
    let plain = postcard::to_allocvec(&state).unwrap_or_default();
    let sealed = site.config.session.keys.seal(Purpose::Logout, &plain, nonce);
    let location = match end_session_endpoint.and_then(|e| url::Url::parse(e).ok()) {
        Some(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                if let Some(t) = id_token {
                    q.append_pair("id_token_hint", t);
                }
                q.append_pair("client_id", &site.config.oidc.client_id);
                q.append_pair("post_logout_redirect_uri", &post_logout_redirect_uri(site));
                q.append_pair("state", &sealed);
            }
            url.to_string()
        }
        None => format!("{}?state={sealed}", post_logout_redirect_uri(site)),
    };
    Reply::redirect(&location, clear)
}

/// The signed-out endpoint: on to the requested same-site page, or the signed-out page.
pub fn signed_out(site: &Site, query: Option<&str>) -> Reply {
    let state = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "state")
        .and_then(|(_, v)| site.config.session.keys.open(Purpose::Logout, &v))
        .and_then(|plain| postcard::from_bytes::<State>(&plain).ok())
        .filter(|s| s.format == FORMAT);
    if let Some(to) = state.and_then(|s| s.return_to) {
        return Reply::redirect(&site.url_for(&return_or_home(site, &to)), &[]);
    }
    Reply::page(&page::signed_out(site))
}

#[cfg(test)]
mod tests;
