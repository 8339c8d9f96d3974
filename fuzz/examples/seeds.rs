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
            authfront_fuzz::runner(target)(bytes);
            std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
        }
        println!("{target}: {} seeds", seeds.len());
    }
    Ok(())
}
