//! The compiled, hashed form of a program's assets and exclusions, built by the loader and read
//! by the matcher.
//!
//! Host lookups are hashed on the host and on each of its label-boundary suffixes, so the cost
//! of a lookup depends on the number of labels in the target, not on the number of rules.

use foldhash::HashMap;

use ipnet::IpNet;

use super::HostPattern;
use crate::suffix_hash;
use crate::target::Platform;

/// Hashed host lookup: exact names, names strictly below a base, and globs filed under their
/// fixed trailing labels, all in one map keyed by name, so a host costs one probe per label.
/// A bit filter over the names' hashes (computed for every suffix of a host in one pass from
/// the right) answers "no rule here" for most probes without touching the map.
#[derive(Debug, Default)]
pub(crate) struct HostTable {
    slots: HashMap<Box<str>, Slot>,
    /// One bit per hash bucket; a clear bit means no key with that hash.
    filter: Vec<u64>,
    filter_bits: u32,
}

/// The rules filed under one name.
/// Globs filed under one name: the normalized pattern and the rule id.
type Globs = Vec<(Box<str>, u32)>;

// `Box<Vec<_>>` on purpose: a thin pointer keeps the slot small, and a big list has millions.
#[allow(clippy::box_collection)]
#[derive(Debug, Default)]
struct Slot {
    /// Rules matching exactly this name.
    exact: Ids,
    /// Rules matching names strictly below this name.
    below: Ids,
    /// Globs whose fixed trailing labels are this name; boxed, since almost no name has any and
    /// a big list has a slot per name (8 bytes here instead of 24).
    globs: Option<Box<Globs>>,
}

/// Rule ids, held in place when there is one (almost every name of a big list): a lookup that
/// hits reads no other memory. Several are behind a thin pointer, so this is 16 bytes, not 24.
#[allow(clippy::box_collection)]
#[derive(Debug, Default)]
enum Ids {
    #[default]
    None,
    One(u32),
    Many(Box<Vec<u32>>),
}

impl Ids {
    fn push(&mut self, id: u32) {
        *self = match std::mem::take(self) {
            Ids::None => Ids::One(id),
            Ids::One(a) => Ids::Many(Box::new(vec![a, id])),
            Ids::Many(mut v) => {
                v.push(id);
                Ids::Many(v)
            }
        };
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Ids::None => &[],
            Ids::One(a) => std::slice::from_ref(a),
            Ids::Many(v) => v,
        }
    }
}

impl HostTable {
    fn add(&mut self, pattern: &HostPattern, id: usize) {
        let id = id as u32;
        match pattern {
            HostPattern::Exact(h) => self.slot(h).exact.push(id),
            HostPattern::Subdomains { base, include_apex } => {
                let slot = self.slot(base);
                slot.below.push(id);
                if *include_apex {
                    slot.exact.push(id);
                }
            }
            HostPattern::Glob { pattern, anchor } => self
                .slot(anchor)
                .globs
                .get_or_insert_with(Default::default)
                .push((pattern.as_str().into(), id)),
        }
    }

    fn slot(&mut self, name: &str) -> &mut Slot {
        if !self.slots.contains_key(name) {
            // Keep about 16 filter bits per name so most absent names are answered by a clear bit.
            let want = ((self.slots.len() + 1) * 16)
                .next_power_of_two()
                .max(1 << 12);
            if want > self.filter.len() * 64 {
                self.filter = vec![0; want / 64];
                self.filter_bits = want.trailing_zeros();
                let keys: Vec<u64> = self
                    .slots
                    .keys()
                    .map(|k| suffix_hash::reverse_hash(k))
                    .collect();
                for h in keys {
                    self.set_bit(h);
                }
            }
            self.set_bit(suffix_hash::reverse_hash(name));
            // A new name is hashed twice (the check above and this insert), not three times.
            return self.slots.entry(name.into()).or_default();
        }
        self.slots.get_mut(name).expect("checked above")
    }

    fn bit(&self, hash: u64) -> (usize, u64) {
        let i = hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.filter_bits);
        ((i / 64) as usize, 1u64 << (i % 64))
    }

    fn set_bit(&mut self, hash: u64) {
        let (word, mask) = self.bit(hash);
        self.filter[word] |= mask;
    }

    fn may_have(&self, hash: u64) -> bool {
        let (word, mask) = self.bit(hash);
        self.filter.get(word).is_some_and(|w| w & mask != 0)
    }

    /// Calls `f(rule, specificity)` for every rule matching `host`. Exact matches are the most
    /// specific; a wildcard is more specific the longer its base.
    pub(crate) fn lookup(&self, host: &str, mut f: impl FnMut(u32, u32)) {
        if self.slots.is_empty() {
            return;
        }
        let bytes = host.as_bytes();
        let mut hash = suffix_hash::OFFSET;
        for i in (0..bytes.len()).rev() {
            if bytes[i] == b'.' && self.may_have(hash) {
                let suffix = &host[i + 1..];
                if let Some(slot) = self.slots.get(suffix) {
                    for &id in slot.below.as_slice() {
                        f(id, suffix.len() as u32);
                    }
                    for (pattern, id) in slot.globs.iter().flat_map(|g| g.iter()) {
                        if crate::rules::glob_matches(pattern, host) {
                            // A glob is less specific than a wildcard on the same anchor.
                            f(*id, suffix.len() as u32 - 1);
                        }
                    }
                }
            }
            hash = suffix_hash::step(hash, bytes[i]);
        }
        if self.may_have(hash) {
            if let Some(slot) = self.slots.get(host) {
                for &id in slot.exact.as_slice() {
                    f(id, u32::MAX);
                }
            }
        }
    }
}

/// An asset listing an app: the feature it is limited to (`None`: the whole app), and the asset.
pub(crate) type AppEntry = (Option<String>, u32);

/// The compiled, hashed form of a program's assets and exclusions.
#[derive(Debug, Default)]
pub struct ScopeIndex {
    pub(crate) asset_hosts: HostTable,
    pub(crate) asset_cidrs: Vec<(IpNet, u32)>,
    /// Apps by platform and id: the assets listing the whole app (`None`) or one feature.
    pub(crate) asset_apps: HashMap<(Platform, String), Vec<AppEntry>>,
    pub(crate) excl_hosts: HostTable,
    pub(crate) excl_cidrs: Vec<(IpNet, u32)>,
    pub(crate) excl_apps: HashMap<(Platform, String), Vec<u32>>,
}

impl ScopeIndex {
    /// Room for `n` more asset host names, for loaders that know how many are coming.
    pub fn reserve_asset_hosts(&mut self, n: usize) {
        self.asset_hosts.slots.reserve(n);
    }
    pub fn add_asset_host(&mut self, p: &HostPattern, asset: usize) {
        self.asset_hosts.add(p, asset);
    }
    pub fn add_asset_cidr(&mut self, net: IpNet, asset: usize) {
        self.asset_cidrs.push((net, asset as u32));
    }
    /// Returns the asset that already lists this app (and feature), if any.
    pub fn add_asset_app(
        &mut self,
        platform: Platform,
        id: String,
        feature: Option<String>,
        asset: usize,
    ) -> Option<usize> {
        let entries = self.asset_apps.entry((platform, id)).or_default();
        if let Some((_, prev)) = entries.iter().find(|(f, _)| *f == feature) {
            return Some(*prev as usize);
        }
        entries.push((feature, asset as u32));
        None
    }
    pub fn add_exclusion_host(&mut self, p: &HostPattern, excl: usize) {
        self.excl_hosts.add(p, excl);
    }
    pub fn add_exclusion_cidr(&mut self, net: IpNet, excl: usize) {
        self.excl_cidrs.push((net, excl as u32));
    }
    pub fn add_exclusion_app(&mut self, platform: Platform, id: String, excl: usize) {
        self.excl_apps
            .entry((platform, id))
            .or_default()
            .push(excl as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A big list has a table slot per name: keep it small (it was 72 bytes).
    #[test]
    fn slot_stays_small() {
        assert_eq!(std::mem::size_of::<Ids>(), 16);
        assert!(std::mem::size_of::<Slot>() <= 40);
    }

    #[test]
    fn several_rules_and_globs_on_one_name() {
        let mut t = HostTable::default();
        let sub = |b: &str| HostPattern::Subdomains {
            base: b.into(),
            include_apex: false,
        };
        t.add(&sub("example.com"), 0);
        t.add(&sub("example.com"), 1);
        t.add(&sub("example.com"), 2);
        t.add(&HostPattern::Exact("example.com".into()), 3);
        for (i, p) in ["*-prod.example.com", "api-*.example.com"]
            .iter()
            .enumerate()
        {
            t.add(
                &HostPattern::Glob {
                    pattern: (*p).into(),
                    anchor: "example.com".into(),
                },
                4 + i,
            );
        }
        let found = |h: &str| {
            let mut v = Vec::new();
            t.lookup(h, |id, _| v.push(id));
            v.sort_unstable();
            v
        };
        assert_eq!(found("web-prod.example.com"), [0, 1, 2, 4]);
        assert_eq!(found("api-prod.example.com"), [0, 1, 2, 4, 5]);
        assert_eq!(found("example.com"), [3]);
        assert_eq!(found("example.org"), Vec::<u32>::new());
    }
}
