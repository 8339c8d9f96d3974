//! `sign-url` and `sign-cookies`: read the private key, read the clock, let the core build and
//! sign the policy, print the result. Everything CloudFront-specific is in
//! `authfront_core::cloudfront`; this file only does the I/O around it.

use std::io::Read as _;
use std::process::ExitCode;

use authfront_core::cloudfront::{Cidr, HashAlgorithm, Policy, Signed, SigningKey, sign, valid_key_id, when};

use crate::cli::{Format, SignArgs};

/// `authfront sign-url URL [--resource PATTERN] …`
pub fn url_command(url: &str, resource: Option<&str>, args: &SignArgs) -> ExitCode {
    print(self::url(url, resource, args).map(|u| u + "\n"))
}

/// `authfront sign-cookies --resource PATTERN | --url URL …`
pub fn cookies_command(resource: Option<&str>, url: Option<&str>, args: &SignArgs, format: Format) -> ExitCode {
    let grant = match (resource, url) {
        (Some(r), _) => Grant::Resource(r),
        (None, Some(u)) => Grant::Url(u),
        // clap requires one of the two
        (None, None) => return print(Err(SignFailure::new("give --resource or --url"))),
    };
    print(cookies(grant, args, format))
}

/// Prints a signing command's output; a bad argument or key is a usage error (64).
fn print(out: Result<String, SignFailure>) -> ExitCode {
    match out {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("authfront: {e}");
            ExitCode::from(super::EXIT_CONFIG)
        }
    }
}

/// A signing command's failure: what to tell the user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SignFailure(String);

impl SignFailure {
    pub fn new(msg: impl Into<String>) -> SignFailure {
        SignFailure(msg.into())
    }
}

fn fail(msg: impl Into<String>) -> SignFailure {
    SignFailure(msg.into())
}

/// `sign-url`: the signed URL. With `resource`, a custom policy for that pattern.
pub fn url(url: &str, resource: Option<&str>, args: &SignArgs) -> Result<String, SignFailure> {
    let url = sign::url_for_signing(url).map_err(|e| fail(format!("URL: {e}")))?;
    let pattern = match resource {
        Some(r) => {
            let r = sign::resource_for_signing(r).map_err(|e| fail(format!("--resource: {e}")))?;
            let grants = Policy { resource: Some(r.clone()), expires: u64::MAX, starts: None, ip: None };
            if !grants.allows(&url) {
                return Err(fail(format!("--resource `{r}` does not match the URL: the link would always be refused")));
            }
            r
        }
        None => url.clone(),
    };
    let signed = signed(pattern, args, resource.is_none())?;
    Ok(signed.url(&url))
}

/// What `sign-cookies` grants: exactly one URL, or a resource pattern.
#[derive(Debug, Clone, Copy)]
pub enum Grant<'a> {
    /// `--url`: canned policy unless `--starts` or `--ip` (`CloudFront-Expires`).
    Url(&'a str),
    /// `--resource`: always a custom policy (`CloudFront-Policy`).
    Resource(&'a str),
}

/// `sign-cookies`: the cookies, as text lines or JSON.
pub fn cookies(grant: Grant<'_>, args: &SignArgs, format: Format) -> Result<String, SignFailure> {
    let signed = match grant {
        Grant::Url(u) => signed(sign::url_for_signing(u).map_err(|e| fail(format!("--url: {e}")))?, args, true)?,
        Grant::Resource(r) => {
            signed(sign::resource_for_signing(r).map_err(|e| fail(format!("--resource: {e}")))?, args, false)?
        }
    };
    let cookies = signed.cookies();
    Ok(match format {
        Format::Text => cookies.iter().map(|(n, v)| format!("{n}={v}\n")).collect(),
        Format::Json => {
            let fields: Vec<String> = cookies
                .iter()
                .map(|(n, v)| format!("  {}: {}", serde_json::Value::from(*n), serde_json::Value::from(v.as_str())))
                .collect();
            format!("{{\n{}\n}}\n", fields.join(",\n"))
        }
    })
}

/// Builds the policy from the arguments and signs it. `may_be_canned`: whether a policy with
/// only an expiry may be sent as `Expires` (only when it grants exactly one URL, not a
/// `--resource` pattern).
fn signed(resource: String, args: &SignArgs, may_be_canned: bool) -> Result<Signed, SignFailure> {
    let now = crate::clock::unix_now();
    let expires = when::parse(&args.expires, now).map_err(|e| fail(format!("--expires: {e}")))?;
    if expires <= now {
        return Err(fail(format!("--expires: {expires} is not in the future (now is {now})")));
    }
    let starts = match &args.starts {
        Some(s) => Some(when::parse(s, now).map_err(|e| fail(format!("--starts: {e}")))?),
        None => None,
    };
    if let Some(s) = starts
        && s >= expires
    {
        return Err(fail(format!("--starts ({s}) must be before --expires ({expires})")));
    }
    let ip = match &args.ip {
        Some(i) => {
            let c = Cidr::parse(i).map_err(|e| fail(format!("--ip: {e}")))?;
            // As both reference signers write one address: with its prefix.
            Some(Cidr::parse(&c.with_prefix()).map_err(|e| fail(format!("--ip: {e}")))?)
        }
        None => None,
    };
    if !valid_key_id(&args.key_pair_id) {
        return Err(fail(format!("--key-pair-id: `{}` is not a key id like `K2JCJMDEHXQW5F`", args.key_pair_id)));
    }
    let hash = HashAlgorithm::parse(&args.hash_algorithm)
        .ok_or_else(|| fail(format!("--hash-algorithm: `{}` is not SHA1 or SHA256", args.hash_algorithm)))?;
    let key = read_key(&args.private_key)?;
    let policy = Policy { resource: Some(resource), expires, starts, ip };
    let mut signed = sign::sign(policy, &key, &args.key_pair_id, hash).map_err(|e| fail(e.to_string()))?;
    signed.canned = signed.canned && may_be_canned;
    Ok(signed)
}

fn read_key(path: &std::path::Path) -> Result<SigningKey, SignFailure> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| fail(format!("--private-key -: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| fail(format!("--private-key {}: {e}", path.display())))?
    };
    SigningKey::from_pem(&text).map_err(|e| fail(format!("--private-key {}: {e}", path.display())))
}
