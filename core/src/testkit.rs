//! What the core's unit tests share: sites built from config text (secret references resolved
//! from `testdata/`), so that no test module keeps its own copy.

use crate::config::cloudfront::tests::{cf_config, testdata};
use crate::config::parse;
use crate::config::tests::minimal;
use crate::site::Site;

/// The site of a config text.
pub(crate) fn site_from(text: &str) -> Site {
    Site::new(parse(text, &mut testdata).expect("a test config parses"))
}

/// The site of [`minimal`]'s config.
pub(crate) fn minimal_site() -> Site {
    site_from(&minimal())
}

/// The site of [`cf_config`]'s config (CloudFront signing and login mode).
pub(crate) fn cf_site() -> Site {
    site_from(&cf_config())
}
