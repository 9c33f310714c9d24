//! Scores `lint`'s excluded-class check on the labelled corpus in `fixtures/lint-corpus/`.
//!
//! ```text
//! cargo run --release --example lint_eval                 # the four parts, per-class tables
//! cargo run --release --example lint_eval -- --misses     # also list the texts it gets wrong (tune part)
//! cargo run --release --example lint_eval -- --markdown   # the table BENCHMARKS.md shows
//! cargo run --release --example lint_eval -- --file T.tsv  # a corpus of your own, with its misses
//! ```
//!
//! The parts: `tune` (the model is tuned against it), `holdout` (20 % of the first corpus, never
//! tuned against), `fresh` (texts written later in wordings the first corpus does not use,
//! measured as they came, then tuned against) and `fresh2` (paraphrases that avoid each class's
//! usual words, never tuned against: tune against it and it no longer measures anything).
//!
//! A corpus of your own is scored alone, with its misses: the same TSV format (label, `title`
//! or `summary`, text), so data the corpus never saw can be measured without joining it.

use scopelint::lint::corpus::{evaluate, parse, Scores};
use scopelint::lint::Linter;
use scopelint::psl::SuffixList;
use scopelint::ScopeRules;

fn pct(x: f64) -> String {
    format!("{:.1}", x * 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let misses = args.iter().any(|a| a == "--misses");
    let markdown = args.iter().any(|a| a == "--markdown");
    let own = args
        .iter()
        .position(|a| a == "--file")
        .map(|i| args.get(i + 1).expect("--file takes a path").clone());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/lint-corpus");
    let rules = ScopeRules::embedded(SuffixList::embedded()).expect("embedded rules");
    let linter = Linter::new(&rules).expect("embedded rules compile");
    let files: Vec<(&str, String)> = match &own {
        Some(path) => vec![("file", path.clone())],
        None => ["tune", "holdout", "fresh", "fresh2"]
            .map(|part| (part, format!("{dir}/{part}.tsv")))
            .into(),
    };
    let mut parts: Vec<(&str, Scores, usize)> = Vec::new();
    for (part, path) in files {
        let text = std::fs::read_to_string(&path).expect("corpus file");
        let samples = parse(&text);
        let t = std::time::Instant::now();
        let sc = evaluate(&linter, &samples);
        eprintln!(
            "{part}: {} texts linted in {:.1} ms",
            samples.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
        parts.push((part, sc, samples.len()));
    }
    if own.is_some() {
        let (_, sc, n) = &parts[0];
        print_part("file", sc, *n);
        print_misses("misses", sc);
        return;
    }
    let (tune, hold) = (&parts[0].1, &parts[1].1);
    if markdown {
        println!(
            "| class | tune n | tune P % | tune R % | holdout n | holdout P % | holdout R % |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (id, c) in &tune.classes {
            let h = hold.classes.get(id).copied().unwrap_or_default();
            println!(
                "| `{id}` | {} | {} | {} | {} | {} | {} |",
                c.support,
                pct(c.precision()),
                pct(c.recall()),
                h.support,
                pct(h.precision()),
                pct(h.recall())
            );
        }
        println!(
            "| **overall** (micro) | {} | {} | {} | {} | {} | {} |",
            tune.classes.values().map(|c| c.support).sum::<u32>(),
            pct(tune.precision()),
            pct(tune.recall()),
            hold.classes.values().map(|c| c.support).sum::<u32>(),
            pct(hold.precision()),
            pct(hold.recall())
        );
        for (name, sc, n) in &parts[2..] {
            println!(
                "\n{name} (texts in wordings the first corpus does not use): {n} texts, precision {} %, recall {} %",
                pct(sc.precision()),
                pct(sc.recall())
            );
        }
        for (name, sc, _) in &parts {
            println!(
                "\n{name}: payable texts {}; with an excluded-class error {} ({} %); with any excluded-class diagnostic {} ({} %)",
                sc.payable,
                sc.payable_errors,
                pct(sc.payable_error_rate()),
                sc.payable_flagged,
                pct(f64::from(sc.payable_flagged) / f64::from(sc.payable.max(1)))
            );
        }
        return;
    }
    for (name, sc, n) in &parts {
        print_part(name, sc, *n);
    }
    if misses {
        print_misses("misses (tune)", tune);
    }
}

/// The texts a part's scorer got wrong: label, the classes flagged, the text.
fn print_misses(title: &str, sc: &Scores) {
    println!("== {title}");
    for (label, flagged, text) in &sc.misses {
        println!("{label}\t[{}]\t{text}", flagged.join(","));
    }
}

/// One part's per-class table and its payable line.
fn print_part(name: &str, sc: &Scores, n: usize) {
    println!("== {name} ({n} texts)");
    println!("{:<40} {:>4} {:>7} {:>7}", "class", "n", "P %", "R %");
    for (id, c) in &sc.classes {
        println!(
            "{:<40} {:>4} {:>7} {:>7}",
            id,
            c.support,
            pct(c.precision()),
            pct(c.recall())
        );
    }
    println!(
        "{:<40} {:>4} {:>7} {:>7}",
        "OVERALL (micro)",
        sc.classes.values().map(|c| c.support).sum::<u32>(),
        pct(sc.precision()),
        pct(sc.recall())
    );
    println!(
        "payable: {} texts, excluded-class error on {} ({} %), any excluded-class diagnostic on {}",
        sc.payable,
        sc.payable_errors,
        pct(sc.payable_error_rate()),
        sc.payable_flagged
    );
}
