// TEMPORARY: declares the folder origin so that it compiles and its tests run, until the
// server lands and uses it; nothing calls it yet, hence the allow.
#[allow(dead_code)]
mod body;
#[allow(dead_code)]
mod origin;

fn main() {}
