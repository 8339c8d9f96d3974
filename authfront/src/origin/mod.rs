//! Where a site's content comes from: `enum Origin { Folder, ... }` — a closed set, one file
//! each (S3 and HTTP origins come later). An origin serves one normalised path; it never
//! decides access, which the core has done before it is asked.

pub mod folder;
