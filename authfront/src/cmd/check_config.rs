//! `authfront check-config`: loads the config as `serve` would and prints its warnings and a
//! summary, or (`--urls`) the URLs to register at the provider.

use std::path::Path;
use std::process::ExitCode;

use authfront_core::site::Site;

pub fn command(path: &Path, urls: bool) -> ExitCode {
    let config = match super::config(path, crate::config_file::load) {
        Ok(c) => c,
        Err(code) => return code,
    };
    for w in &config.warnings {
        eprintln!("authfront: {}: warning: {w}", path.display());
    }
    if urls {
        // The same derivation `serve` uses, so what is registered is what is sent.
        let site = Site::new(config);
        let eps = &site.config.server.endpoints;
        println!("redirect_uri={}", site.redirect_uri);
        println!("post_logout_redirect_uri={}", authfront_core::signout::post_logout_redirect_uri(&site));
        println!("backchannel_logout_uri={}", site.url_for(&eps.backchannel_logout));
        return ExitCode::SUCCESS;
    }
    println!(
        "{}: OK (listen {}, issuer {}, public_url {})",
        path.display(),
        config.server.listen,
        config.oidc.issuer,
        config.server.public_url
    );
    ExitCode::SUCCESS
}
