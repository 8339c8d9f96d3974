//! Conditional and range requests, judged once for every origin kind: `If-None-Match`,
//! `If-Modified-Since`, `If-Range` and `Range` against a representation's validators.
//! Pure: the adapter supplies the validators and carries out the outcome.
