//! Where content comes from: `enum Origin` — a closed set, one file each.

pub mod folder;

use authfront_core::error::Error;
use authfront_core::path::NormPath;
use http::Response;
use http::request::Parts;

use crate::body::Body;

#[derive(Debug)]
pub enum Origin {
    Folder(folder::Folder),
}

impl Origin {
    /// Serves `path` (already normalised and allowed by the core) for the request `req`.
    pub async fn serve(&self, path: &NormPath, query: Option<&str>, req: &Parts) -> Result<Response<Body>, Error> {
        match self {
            Origin::Folder(f) => f.serve(path, query, req).await,
        }
    }
}
