//! Criterion benchmarks of the matcher: classification cost per target against the embedded
//! program and against synthetic scopes from 10 to 40,000 rules (it should not grow with the
//! number of rules), plus target parsing alone.
//!
//! `cargo bench --bench matcher`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

use scopelint::gen::{scope_list, UrlCorpus};
use scopelint::matcher::Lookup;
use scopelint::psl::SuffixList;
use scopelint::rules::plain::load_plain_str;
use scopelint::ScopeRules;

const URLS: usize = 10_000;

fn classify(c: &mut Criterion) {
    let psl = SuffixList::embedded();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(URLS as u64));

    let embedded = ScopeRules::embedded(psl.clone()).expect("embedded rules load");
    let urls: Vec<String> = UrlCorpus::new(1000, 1).take(URLS).collect();
    group.bench_function("embedded", |b| {
        b.iter(|| {
            for u in &urls {
                black_box(embedded.classify(u, false).map(|v| v.kind));
            }
        })
    });

    for k in [10u64, 1_000, 40_000] {
        let program = load_plain_str(&scope_list(k, 1), "synthetic.txt", psl.clone())
            .expect("synthetic scope loads");
        let urls: Vec<String> = UrlCorpus::new(k, 1).take(URLS).collect();
        group.bench_with_input(BenchmarkId::new("synthetic-rules", k), &urls, |b, urls| {
            b.iter(|| {
                for u in urls {
                    black_box(program.classify(u, false).kind);
                }
            })
        });
    }

    // The reference path, to show what the index saves (small scope: it is linear).
    let program = load_plain_str(&scope_list(1_000, 1), "synthetic.txt", psl.clone())
        .expect("synthetic scope loads");
    let urls: Vec<String> = UrlCorpus::new(1_000, 1).take(1_000).collect();
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("reference-linear-1000-rules", |b| {
        b.iter(|| {
            for u in &urls {
                black_box(program.classify_with(u, false, Lookup::Linear).kind);
            }
        })
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let urls: Vec<String> = UrlCorpus::new(1000, 2).take(URLS).collect();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(URLS as u64));
    group.bench_function("parse_target", |b| {
        b.iter(|| {
            for u in &urls {
                black_box(scopelint::parse_target(u).is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, classify, parse);
criterion_main!(benches);
