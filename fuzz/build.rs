//! Prepares mqtt-proto's specification byte vectors for `tests/seed_corpus.rs`,
//! which runs them to write the seed corpus.
//!
//! The vector tests (`mqtt-proto/tests/vectors_*.rs`, `decode_errors.rs`) check
//! every vector through the helpers of `tests/common/mod.rs`. The seed test
//! includes them with `include!`, behind its own `common` module whose helpers
//! record each vector's bytes and then run the real check. `include!` takes no
//! inner attributes or inner doc comments, and the test must supply `common`
//! itself, so this script writes copies to `OUT_DIR/spec/` with:
//! `//!` turned into `//`, `#![...]` commented out, `mod common;` turned into
//! `use super::common;`. Nothing else changes.

use std::path::Path;
use std::{env, fs};

const SOURCES: [&str; 5] =
    ["common/mod.rs", "vectors_v3_1.rs", "vectors_v3_1_1.rs", "vectors_v5.rs", "decode_errors.rs"];

fn main() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mqtt-proto/tests");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("spec");
    fs::create_dir_all(&out).expect("create OUT_DIR/spec");
    for source in SOURCES {
        let path = tests.join(source);
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let rewritten: String = text
            .lines()
            .map(|line| {
                let trimmed = line.trim_start();
                if let Some(rest) = trimmed.strip_prefix("//!") {
                    format!("//{rest}\n")
                } else if trimmed.starts_with("#![") {
                    format!("// {trimmed}\n")
                } else if trimmed == "mod common;" {
                    "use super::common;\n".to_owned()
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        let name = source.replace("/mod.rs", ".rs");
        fs::write(out.join(name), rewritten).expect("write OUT_DIR/spec");
    }
}
