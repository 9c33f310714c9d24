//! `cargo bench --bench lint`: lint 1,000 typical drafts in memory with the embedded program.
//! Patterns are compiled once (`Linter::new`), then every draft reuses them.
//! Prints the time for compiling the rules and for the 1,000 drafts (best of 5 runs).

use std::time::{Duration, Instant};

use scopelint::lint::Linter;
use scopelint::psl::SuffixList;
use scopelint::ScopeRules;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/drafts");
    let mut samples: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "md").then(|| std::fs::read_to_string(p).ok())?
        })
        .collect();
    samples.sort();
    // Typical drafts are a few kilobytes: pad each sample with prose so the mean is ~4 KB.
    let filler = "The response carries the authorization code of the signed-in test user, and the \
        redirect target is taken from the request without validation against the registered URIs. \n";
    let drafts: Vec<String> = (0..1000)
        .map(|i| {
            let mut d = samples[i % samples.len()].clone();
            while d.len() < 4096 {
                d.push_str(filler);
            }
            d.push_str(&format!("\nDraft number {i}.\n"));
            d
        })
        .collect();
    let total_bytes: usize = drafts.iter().map(String::len).sum();

    let t = Instant::now();
    let rules = ScopeRules::embedded(SuffixList::embedded()).unwrap();
    let linter = Linter::new(&rules).unwrap();
    let setup = t.elapsed();

    let mut best = Duration::MAX;
    let mut diags = 0;
    for _ in 0..5 {
        let t = Instant::now();
        diags = 0;
        for (i, d) in drafts.iter().enumerate() {
            diags += linter.lint_text(&format!("d{i}.md"), d).diagnostics.len();
        }
        best = best.min(t.elapsed());
    }
    println!(
        "lint: {} drafts ({:.1} MB, {} diagnostics) in {:.1} ms (best of 5); loading and compiling the rules: {:.1} ms",
        drafts.len(),
        total_bytes as f64 / 1e6,
        diags,
        best.as_secs_f64() * 1e3,
        setup.as_secs_f64() * 1e3
    );
}
