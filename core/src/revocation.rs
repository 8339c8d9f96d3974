//! Revocations: which sessions must stop working although their cookies are still valid.
//!
//! Entries name a subject (every session of that user that began at or before the revocation),
//! a provider session id (`sid`, from back-channel logout) or one authfront session. The list
//! is a snapshot handed to [`crate::decide`]; the adapter keeps it in sync with the store
//! (embedded file or Redis) and drops entries older than the longest session lifetime.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::session::{Session, SessionId};

/// What a revocation names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Target {
    /// Every session of this subject that began at or before the revocation.
    Sub(String),
    /// Every session the provider knows by this `sid`.
    Sid(String),
    /// One authfront session, by its id (hex).
    Session(String),
}

impl Target {
    /// The name of its kind, as stored: `sub`, `sid` or `session`.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Sub(_) => "sub",
            Target::Sid(_) => "sid",
            Target::Session(_) => "session",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Target::Sub(v) | Target::Sid(v) | Target::Session(v) => v,
        }
    }

    /// The target of a kind name and a value; `None` for an unknown kind.
    pub fn from_parts(kind: &str, value: String) -> Option<Target> {
        match kind {
            "sub" => Some(Target::Sub(value)),
            "sid" => Some(Target::Sid(value)),
            "session" => Some(Target::Session(value)),
            _ => None,
        }
    }
}

/// One revocation: a target and when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub target: Target,
    pub at: u64,
}

impl Entry {
    pub fn session(id: &SessionId, at: u64) -> Entry {
        Entry { target: Target::Session(id.to_string()), at }
    }
}

/// A snapshot of every revocation in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revocations {
    entries: HashMap<Target, u64>,
}

impl Revocations {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds an entry (the latest time wins for a target).
    pub fn apply(&mut self, e: &Entry) {
        let at = self.entries.entry(e.target.clone()).or_insert(e.at);
        *at = (*at).max(e.at);
    }

    /// Drops entries made before `before` (no session that old is still alive).
    pub fn prune(&mut self, before: u64) {
        self.entries.retain(|_, at| *at >= before);
    }

    /// Every entry, oldest first (ties by kind and value), for listing.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out: Vec<Entry> = self.entries.iter().map(|(t, at)| Entry { target: t.clone(), at: *at }).collect();
        out.sort_by(|a, b| (a.at, a.target.kind(), a.target.value()).cmp(&(b.at, b.target.kind(), b.target.value())));
        out
    }

    /// Whether `s` has been revoked.
    pub fn revokes(&self, s: &Session) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let by_sub = self.entries.get(&Target::Sub(s.sub.clone())).is_some_and(|at| s.iat <= *at);
        let by_sid = s.sid.as_ref().is_some_and(|sid| self.entries.contains_key(&Target::Sid(sid.clone())));
        by_sub || by_sid || self.entries.contains_key(&Target::Session(s.id_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::tests::alice;

    #[test]
    fn targets() {
        let s = alice();
        let mut r = Revocations::default();
        assert!(!r.revokes(&s));
        r.apply(&Entry { target: Target::Sub("alice".into()), at: 999 });
        assert!(!r.revokes(&s), "a session begun after the revocation lives");
        r.apply(&Entry { target: Target::Sub("alice".into()), at: 1000 });
        assert!(r.revokes(&s));
        let mut r = Revocations::default();
        r.apply(&Entry { target: Target::Sid("op-session".into()), at: 1 });
        assert!(r.revokes(&s));
        let mut r = Revocations::default();
        r.apply(&Entry::session(&s.id, 1));
        assert!(r.revokes(&s));
        r.prune(2);
        assert!(!r.revokes(&s));
    }

    #[test]
    fn entries_are_listed_oldest_first_and_targets_round_trip() {
        let mut r = Revocations::default();
        r.apply(&Entry { target: Target::Sub("b".into()), at: 7 });
        r.apply(&Entry { target: Target::Sid("a".into()), at: 3 });
        r.apply(&Entry { target: Target::Sub("b".into()), at: 5 });
        let listed = r.entries();
        assert_eq!(
            listed.iter().map(|e| (e.target.kind(), e.target.value(), e.at)).collect::<Vec<_>>(),
            [("sid", "a", 3), ("sub", "b", 7)]
        );
        for e in listed {
            assert_eq!(Target::from_parts(e.target.kind(), e.target.value().to_owned()), Some(e.target));
        }
        assert_eq!(Target::from_parts("user", "x".into()), None);
    }

    #[test]
    fn entries_serialise_as_json_lines() {
        let e = Entry { target: Target::Sid("x".into()), at: 5 };
        let text = serde_json::to_string(&e).unwrap();
        assert_eq!(text, r#"{"kind":"sid","value":"x","at":5}"#);
        assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), e);
    }
}
