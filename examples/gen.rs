//! Writes benchmark inputs to stdout (see `scopelint::gen`).
//!
//! ```text
//! cargo run --release --example gen -- scope K [SEED]            # plain list with K entries
//! cargo run --release --example gen -- urls N K [SEED]           # N URLs, half hitting `scope K SEED`
//! cargo run --release --example gen -- urls-from LIST N [SEED]   # N URLs, half built from a list
//! cargo run --release --example gen -- ranges K [SEED]           # plain list of K IPv4 ranges
//! cargo run --release --example gen -- ips N K [SEED]            # N addresses, half in `ranges K SEED`
//! ```

use std::io::{self, BufWriter, Write};

use scopelint::gen::{random_host, range_list, scope_list, url_for, IpCorpus, Rng, UrlCorpus};

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> u64 {
        args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match args.first().map(String::as_str) {
        Some("scope") => out.write_all(scope_list(num(1, 1000), num(2, 1)).as_bytes())?,
        Some("urls") => {
            for u in UrlCorpus::new(num(2, 1000), num(3, 1)).take(num(1, 1_000_000) as usize) {
                writeln!(out, "{u}")?;
            }
        }
        Some("ranges") => out.write_all(range_list(num(1, 1000), num(2, 1)).as_bytes())?,
        Some("ips") => {
            for ip in IpCorpus::new(num(2, 1000), num(3, 1)).take(num(1, 1_000_000) as usize) {
                writeln!(out, "{ip}")?;
            }
        }
        Some("urls-from") => {
            let list = std::fs::read_to_string(args.get(1).map(String::as_str).unwrap_or(""))?;
            // A host each entry covers: `*.x` -> `www.x`, globs with `*` -> `x`.
            let hosts: Vec<String> = list
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
                .map(|l| match l.strip_prefix("*.") {
                    Some(b) => format!("www.{}", b.replace('*', "x")),
                    None => l.replace('*', "x"),
                })
                .collect();
            let mut r = Rng(num(3, 1));
            for _ in 0..num(2, 1_000_000) {
                let host = if !hosts.is_empty() && r.below(2) == 0 {
                    hosts[r.below(hosts.len() as u64) as usize].clone()
                } else {
                    random_host(&mut r)
                };
                writeln!(out, "{}", url_for(&mut r, &host))?;
            }
        }
        _ => {
            eprintln!(
                "usage: gen scope K [SEED] | gen urls N K [SEED] | gen urls-from LIST N [SEED] | gen ranges K [SEED] | gen ips N K [SEED]"
            );
            std::process::exit(2);
        }
    }
    out.flush()
}
