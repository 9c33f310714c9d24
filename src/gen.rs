//! Seeded generators of benchmark inputs: synthetic scopes of any size and URL corpora that
//! hit them about half the time. Used by `examples/gen.rs`, `benches/` and the bench script, so
//! the benchmarks run without the shared real data. The same seed always gives the same data.

/// splitmix64: tiny, seedable, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "api", "app", "auth", "cdn", "dev", "edge", "id", "login", "mail", "portal", "shop", "sso",
    "static", "status", "vpn", "www", "admin", "beta", "cloud", "data",
];
const TLDS: &[&str] = &["com", "net", "org", "io", "co.uk", "de", "app"];

/// Entry `i` of the synthetic scope with this seed: (plain-list pattern, a host it covers).
/// 60% exact hosts, 35% `*.` wildcards, 5% mid-label globs.
pub fn scope_entry(seed: u64, i: u64) -> (String, String) {
    let mut r = Rng(seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let base = format!("{}{}.{}", r.pick(WORDS), i, r.pick(TLDS));
    match r.below(100) {
        0..=59 => {
            let h = format!("{}.{base}", r.pick(WORDS));
            (h.clone(), h)
        }
        60..=94 => (
            format!("*.{base}"),
            format!("{}{}.{base}", r.pick(WORDS), r.below(100)),
        ),
        _ => {
            let w = r.pick(WORDS);
            (
                format!("*-{w}.{base}"),
                format!("{}-{w}.{base}", r.pick(WORDS)),
            )
        }
    }
}

/// A plain scope list with `k` entries.
pub fn scope_list(k: u64, seed: u64) -> String {
    let mut out = format!("# synthetic scope: {k} entries, seed {seed}\n");
    for i in 0..k {
        out.push_str(&scope_entry(seed, i).0);
        out.push('\n');
    }
    out
}

/// A random host that (almost surely) no synthetic scope covers.
pub fn random_host(r: &mut Rng) -> String {
    format!(
        "{}{}.{}.{}",
        r.pick(WORDS),
        r.below(1_000_000),
        r.pick(WORDS),
        r.pick(TLDS)
    )
}

/// A URL-ish target for `host` in one of the shapes recon tools print.
pub fn url_for(r: &mut Rng, host: &str) -> String {
    match r.below(10) {
        0..=5 => format!(
            "https://{host}/{}/{}?id={}",
            r.pick(WORDS),
            r.below(1000),
            r.below(100_000)
        ),
        6 => format!("http://{host}:8080/{}", r.pick(WORDS)),
        _ => host.to_string(),
    }
}

/// Range `i` of the synthetic range list with this seed: an IPv4 network of 16 to 32 bits.
fn range_entry(seed: u64, i: u64) -> (u32, u8) {
    let mut r = Rng(seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5bd1_e995);
    let len = [16u8, 20, 24, 24, 24, 28, 32][r.below(7) as usize];
    let addr = (r.next_u64() as u32) >> (32 - len) << (32 - len);
    (addr, len)
}

/// A plain scope list of `k` IPv4 ranges (`a.b.c.d/len`, lengths 16 to 32).
pub fn range_list(k: u64, seed: u64) -> String {
    let mut out = format!("# synthetic ranges: {k} entries, seed {seed}\n");
    for i in 0..k {
        let (addr, len) = range_entry(seed, i);
        out.push_str(&format!("{}/{len}\n", std::net::Ipv4Addr::from(addr)));
    }
    out
}

/// Addresses against `range_list(k, seed)`: half inside one of its ranges, half anywhere.
pub struct IpCorpus {
    rng: Rng,
    k: u64,
    seed: u64,
}

impl IpCorpus {
    pub fn new(k: u64, seed: u64) -> Self {
        IpCorpus {
            rng: Rng(seed.wrapping_add(11)),
            k: k.max(1),
            seed,
        }
    }
}

impl Iterator for IpCorpus {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let any = self.rng.next_u64() as u32;
        let addr = if self.rng.below(2) == 0 {
            let (net, len) = range_entry(self.seed, self.rng.below(self.k));
            // The host bits from `any`.
            net | (any & (u32::MAX.checked_shr(u32::from(len)).unwrap_or(0)))
        } else {
            any
        };
        Some(std::net::Ipv4Addr::from(addr).to_string())
    }
}

/// Line `n` of the URL corpus against `scope_list(k, seed)`: half hit the scope.
pub struct UrlCorpus {
    rng: Rng,
    k: u64,
    seed: u64,
}

impl UrlCorpus {
    pub fn new(k: u64, seed: u64) -> Self {
        UrlCorpus {
            rng: Rng(seed.wrapping_add(7)),
            k: k.max(1),
            seed,
        }
    }
}

impl Iterator for UrlCorpus {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let host = if self.rng.below(2) == 0 {
            scope_entry(self.seed, self.rng.below(self.k)).1
        } else {
            random_host(&mut self.rng)
        };
        Some(url_for(&mut self.rng, &host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_half_the_urls_hit_the_scope() {
        assert_eq!(scope_list(50, 3), scope_list(50, 3));
        assert_ne!(scope_list(50, 3), scope_list(50, 4));
        let a: Vec<String> = UrlCorpus::new(50, 3).take(20).collect();
        let b: Vec<String> = UrlCorpus::new(50, 3).take(20).collect();
        assert_eq!(a, b);
        let program = crate::rules::plain::load_plain_str(
            &scope_list(200, 9),
            "synthetic.txt",
            crate::psl::SuffixList::embedded(),
        )
        .unwrap();
        let hits = UrlCorpus::new(200, 9)
            .take(2000)
            .filter(|u| program.classify(u, false).kind == crate::VerdictKind::InScope)
            .count();
        assert!((800..=1200).contains(&hits), "{hits} of 2000 in scope");
        let ranges = crate::rules::plain::load_plain_str(
            &range_list(300, 9),
            "ranges.txt",
            crate::psl::SuffixList::embedded(),
        )
        .unwrap();
        let hits = IpCorpus::new(300, 9)
            .take(2000)
            .filter(|ip| ranges.classify(ip, false).kind == crate::VerdictKind::InScope)
            .count();
        assert!(
            (900..=1100).contains(&hits),
            "{hits} of 2000 addresses in scope"
        );
    }
}
