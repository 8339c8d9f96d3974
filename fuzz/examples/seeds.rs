//! Writes the seed corpus: `fuzz/corpus/<target>/seed-<name>` for every target (the files of
//! earlier seeds are replaced; inputs the fuzzer found and `cargo fuzz cmin` kept stay).
//! Run by `scripts/fuzz.sh --seeds`; the output is committed.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, seeds) in authfront_fuzz::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-")) {
                std::fs::remove_file(path)?;
            }
        }
        for (name, bytes) in &seeds {
            // every seed must pass its own target: a seed that trips an invariant is a finding
            authfront_fuzz_run(target, bytes);
            std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}

fn authfront_fuzz_run(target: &str, data: &[u8]) {
    use authfront_fuzz::*;
    match target {
        "path" => path::run(data),
        "cookies" => cookies::run(data),
        "sealed" => sealed::run(data),
        "id_token" => id_token::run(data),
        "logout_token" => logout_token::run(data),
        "jwks" => jwks::run(data),
        "cloudfront_policy" => cloudfront_policy::run(data),
        "cloudfront_verify" => cloudfront_verify::run(data),
        "conditional" => conditional::run(data),
        "config" => config::run(data),
        other => panic!("unknown target {other}"),
    }
}
