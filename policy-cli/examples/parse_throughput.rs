//! Baseline for performance work: raw hcl-edit parse time of the given files, to compare
//! with `relcheck check` on the same files.
//!
//! `cargo run --release -p relcheck --example parse_throughput -- FILE...`

use std::time::Instant;

/// The same allocator as the `relcheck` binary, so the baseline and the end-to-end run
/// differ only in what relcheck does beyond parsing.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let texts: Vec<String> = std::env::args()
        .skip(1)
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let start = Instant::now();
    let mut ok = 0;
    for t in &texts {
        if hcl_edit::parser::parse_body(t).is_ok() {
            ok += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{ok}/{} files, {:.1} MB in {:.3} s: {:.1} MB/s",
        texts.len(),
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
}
