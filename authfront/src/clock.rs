//! The wall clock, read in one place. A request reads it once, at its start
//! ([`crate::app::App::now`]), and passes that `now` to core and to every step after it;
//! background tasks (revocation sync, pruning) and one-shot commands read it here too.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix seconds now (0 if the clock is set before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
