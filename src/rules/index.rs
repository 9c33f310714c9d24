//! The compiled, hashed form of a program's assets and exclusions, built by the loader and read
//! by the matcher.
//!
//! Host lookups are hashed on the host and on each of its label-boundary suffixes, so the cost
//! of a lookup depends on the number of labels in the target, not on the number of rules.

use foldhash::HashMap;

use std::net::IpAddr;

use ipnet::IpNet;

use super::HostPattern;
use crate::suffix_hash::{self, table_hash};
use crate::target::Platform;

/// Hashed host lookup: exact names, names strictly below a base, and globs filed under their
/// fixed trailing labels, all filed under one name, so a host costs one probe per label.
///
/// The layout is flat so that the index stays small (about 1.5 MB for 40,000 names): each name
/// is one record in a byte arena (its rule id, then the name), and the table holds a key and the
/// record's offset (8 bytes a slot, see [`Slots`]). A probe that hits reads one slot and one
/// record; the rare name with several rules or with globs keeps them in `overflow`. A bit
/// filter over the names' hashes (computed for every suffix of a host in one pass from the
/// right, the same hash the table is keyed by) answers "no rule here" for most probes without
/// touching the table.
#[derive(Debug, Default)]
pub(crate) struct HostTable {
    /// Offsets of records in `records`, keyed by [`table_hash`] of the record's name.
    table: Slots,
    /// Records: what the id is (a [`Kind`] byte), the id (u32), the name's length (u16), the
    /// name's bytes. Seven bytes of header keep 40,000 names' records near 0.8 MB, which stays
    /// in a core's second-level cache with the table and the filter.
    records: Vec<u8>,
    /// Several ids, or globs, for one name (a name's ids move here whole).
    overflow: Vec<Overflow>,
    /// One bit per hash bucket; a clear bit means no key with that hash.
    filter: Vec<u64>,
    filter_bits: u32,
    /// The fewest and most labels of any name: a suffix with another count is not looked up
    /// (with generated or real lists, most hosts' one-label suffix and many deep ones).
    min_labels: u32,
    max_labels: u32,
    /// Offsets are 32 bits: a name that would start past 4 GiB of records is not filed, and
    /// this is set so the loader refuses the rules (a name left out could be an exclusion).
    full: bool,
}

/// What a record's id field holds.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// Nothing yet (a name just filed).
    Empty = 0,
    /// The one rule matching exactly this name.
    Exact = 1,
    /// The one rule matching names strictly below this name.
    Below = 2,
    /// The index in `overflow` of the name's rules.
    Overflow = 3,
}

impl Kind {
    fn of(byte: u8) -> Kind {
        match byte {
            1 => Kind::Exact,
            2 => Kind::Below,
            3 => Kind::Overflow,
            _ => Kind::Empty,
        }
    }
}

/// Tables of this many slots (2 MB) or more, too big for a core's second-level cache with the
/// rest, are warmed before a batch of names is filed.
const WARM_SLOTS: usize = 1 << 18;

/// Bytes before a record's name: kind, id, name length.
const HEADER: usize = 7;

/// Globs filed under one name: the normalized pattern and the rule id.
type Globs = Vec<(Box<str>, u32)>;

/// The rules of a name that has more than one exact or below rule, or any glob.
#[derive(Debug, Default)]
struct Overflow {
    /// Rules matching exactly this name.
    exact: Vec<u32>,
    /// Rules matching names strictly below this name.
    below: Vec<u32>,
    globs: Globs,
}

/// A record read back: its id and what it is, or its overflow.
struct Record<'t> {
    kind: Kind,
    id: u32,
    overflow: Option<&'t Overflow>,
}

impl Record<'_> {
    fn exact(&self) -> &[u32] {
        match self.overflow {
            Some(o) => &o.exact,
            None if self.kind == Kind::Exact => std::slice::from_ref(&self.id),
            None => &[],
        }
    }
    fn below(&self) -> &[u32] {
        match self.overflow {
            Some(o) => &o.below,
            None if self.kind == Kind::Below => std::slice::from_ref(&self.id),
            None => &[],
        }
    }
    fn globs(&self) -> &[(Box<str>, u32)] {
        self.overflow.map_or(&[], |o| &o.globs)
    }
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(w)
}

/// Which list of a name a rule joins.
#[derive(Clone, Copy)]
enum Field {
    Exact,
    Below,
}

impl HostTable {
    fn add(&mut self, pattern: &HostPattern, id: usize) {
        self.add_unless(pattern, id, |_| false);
    }

    /// Files `pattern` for rule `id` unless it repeats an earlier rule. Only a rule filed with
    /// the same name and kind can be one it repeats, so only when there is such a rule is
    /// `is_repeat(first)` asked, with the first of them, once: it decides (see the plain-list
    /// loader, which keeps the later ones' texts). A repeat files nothing, and gives `false`.
    fn add_unless(
        &mut self,
        pattern: &HostPattern,
        id: usize,
        is_repeat: impl FnOnce(u32) -> bool,
    ) -> bool {
        let id = id as u32;
        match pattern {
            HostPattern::Exact(h) => self.push(h, Field::Exact, id, is_repeat),
            HostPattern::Subdomains { base, include_apex } => {
                if !self.push(base, Field::Below, id, is_repeat) {
                    return false;
                }
                if *include_apex {
                    self.push(base, Field::Exact, id, |_| false);
                }
                true
            }
            HostPattern::Glob { pattern, anchor } => {
                let Some(at) = self.record_of(anchor) else {
                    return true;
                };
                if let Some(&(_, first)) = self.record(at).globs().first() {
                    if is_repeat(first) {
                        return false;
                    }
                }
                self.overflow_of(at)
                    .globs
                    .push((pattern.as_str().into(), id));
                true
            }
        }
    }

    /// Room for `n` more names of `name_bytes` in all (the filter too, so it is not rebuilt as
    /// the names come, and the records, so they are not copied as they grow).
    fn reserve(&mut self, n: usize, name_bytes: usize) {
        self.table.reserve(n);
        self.size_filter(self.table.len + n);
        self.records
            .reserve(name_bytes.saturating_add(n.saturating_mul(HEADER)));
    }

    /// Reads the slot and filter word each of `names` will be filed at, when the table is too big
    /// for the caches: the reads are independent, so they overlap, and filing the names then
    /// finds them cached instead of waiting on memory for each in turn (a million-entry list
    /// loads some 40 % faster). Smaller tables stay cached; this does nothing for them. (Each
    /// name is hashed again when filed: a few dozen instructions, against a wait on memory of
    /// hundreds of cycles; handing the hash on would widen every `add` for big lists only.)
    fn warm<'n>(&self, names: impl Iterator<Item = &'n str>) {
        if self.table.slots.len() < WARM_SLOTS {
            return;
        }
        // Where first, then the reads in a loop of a few instructions each, so that many are
        // in flight at once.
        let places: Vec<(usize, usize)> = names
            .map(|name| {
                let hash = suffix_hash::reverse_hash(name.as_bytes());
                (self.table.home(Slots::key(hash)), self.bit(hash).0)
            })
            .collect();
        let mut sum = 0u64;
        for &(home, word) in &places {
            sum = sum
                .wrapping_add(self.table.slots[home])
                .wrapping_add(self.filter.get(word).copied().unwrap_or(0));
        }
        std::hint::black_box(sum);
    }

    /// Keep about 16 filter bits per name so most absent names are answered by a clear bit.
    fn size_filter(&mut self, names: usize) {
        let want = (names * 16).next_power_of_two().max(1 << 12);
        if want <= self.filter.len() * 64 {
            return;
        }
        self.filter = vec![0; want / 64];
        self.filter_bits = want.trailing_zeros();
        let hashes: Vec<u64> = self
            .table
            .offsets()
            .map(|at| name_hash(&self.records, at))
            .collect();
        for h in hashes {
            self.set_bit(h);
        }
    }

    /// Adds `id` to `name`'s `field` unless `is_repeat` says so (see `add_unless`).
    fn push(
        &mut self,
        name: &str,
        field: Field,
        id: u32,
        is_repeat: impl FnOnce(u32) -> bool,
    ) -> bool {
        let Some(at) = self.record_of(name) else {
            return true;
        };
        if Kind::of(self.records[at]) == Kind::Empty {
            self.records[at] = match field {
                Field::Exact => Kind::Exact,
                Field::Below => Kind::Below,
            } as u8;
            self.records[at + 1..at + 5].copy_from_slice(&id.to_le_bytes());
            return true;
        }
        let record = self.record(at);
        let earlier = match field {
            Field::Exact => record.exact(),
            Field::Below => record.below(),
        };
        if let Some(&first) = earlier.first() {
            if is_repeat(first) {
                return false;
            }
        }
        let o = self.overflow_of(at);
        match field {
            Field::Exact => o.exact.push(id),
            Field::Below => o.below.push(id),
        }
        true
    }

    /// The record's overflow, made (with the record's ids moved into it) on first use.
    fn overflow_of(&mut self, at: usize) -> &mut Overflow {
        let kind = Kind::of(self.records[at]);
        let id = read_u32(&self.records, at + 1);
        let i = if kind == Kind::Overflow {
            id as usize
        } else {
            let ids = |k: Kind| if kind == k { vec![id] } else { Vec::new() };
            self.overflow.push(Overflow {
                exact: ids(Kind::Exact),
                below: ids(Kind::Below),
                globs: Vec::new(),
            });
            let i = self.overflow.len() - 1;
            self.records[at] = Kind::Overflow as u8;
            // At most one overflow a record: fewer than 2^32.
            self.records[at + 1..at + 5].copy_from_slice(&(i as u32).to_le_bytes());
            i
        };
        &mut self.overflow[i]
    }

    /// The offset of `name`'s record, made empty if it is new; `None` when the records are full
    /// (see `full`).
    fn record_of(&mut self, name: &str) -> Option<usize> {
        let hash = suffix_hash::reverse_hash(name.as_bytes());
        // No-ops unless the filter or the table must grow.
        self.size_filter(self.table.len + 1);
        self.table.reserve(1);
        let key = Slots::key(hash);
        let records = &self.records;
        // One probe finds the name or the slot for it.
        let empty = match self
            .table
            .find(key, |at| record_name(records, at) == name.as_bytes())
        {
            Ok(at) => return Some(at),
            Err(empty) => empty,
        };
        let at = self.records.len();
        let Ok(stored) = u32::try_from(at + 1) else {
            self.full = true;
            return None;
        };
        self.table.fill(empty, key, stored);
        let labels = label_count(name.as_bytes());
        if self.table.len == 1 {
            (self.min_labels, self.max_labels) = (labels, labels);
        } else {
            self.min_labels = self.min_labels.min(labels);
            self.max_labels = self.max_labels.max(labels);
        }
        self.set_bit(hash);
        // Host names are at most 253 bytes; globs' anchors are host names.
        let len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        self.records.push(Kind::Empty as u8);
        self.records.extend_from_slice(&0u32.to_le_bytes());
        self.records.extend_from_slice(&len.to_le_bytes());
        self.records
            .extend_from_slice(&name.as_bytes()[..usize::from(len)]);
        Some(at)
    }

    /// The offset of `name`'s record, given its suffix hash.
    #[inline]
    fn find(&self, hash: u64, name: &str) -> Option<usize> {
        let records = &self.records;
        self.table
            .find(Slots::key(hash), |at| {
                record_name(records, at) == name.as_bytes()
            })
            .ok()
    }

    fn record(&self, at: usize) -> Record<'_> {
        let kind = Kind::of(self.records[at]);
        let id = read_u32(&self.records, at + 1);
        Record {
            kind,
            id,
            overflow: (kind == Kind::Overflow).then(|| &self.overflow[id as usize]),
        }
    }

    fn bit(&self, hash: u64) -> (usize, u64) {
        suffix_hash::filter_slot(hash, self.filter_bits)
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
        if self.table.len == 0 {
            return;
        }
        let bytes = host.as_bytes();
        let mut hash = suffix_hash::OFFSET;
        // Labels in the suffix after `bytes[i]`, counted as `label_count` counts them.
        let mut labels = 1;
        for i in (0..bytes.len()).rev() {
            if bytes[i] == b'.' {
                if labels >= self.min_labels && self.may_have(hash) {
                    let suffix = &host[i + 1..];
                    if let Some(at) = self.find(hash, suffix) {
                        let record = self.record(at);
                        for &id in record.below() {
                            f(id, suffix.len() as u32);
                        }
                        for (pattern, id) in record.globs() {
                            if crate::rules::glob_matches(pattern, host) {
                                // A glob is less specific than a wildcard on the same anchor.
                                f(*id, suffix.len() as u32 - 1);
                            }
                        }
                    }
                }
                labels += 1;
                if labels > self.max_labels {
                    // No longer suffix, nor the host, has as few labels as some name.
                    return;
                }
            }
            hash = suffix_hash::step(hash, bytes[i]);
        }
        if labels >= self.min_labels && self.may_have(hash) {
            if let Some(at) = self.find(hash, host) {
                for &id in self.record(at).exact() {
                    f(id, u32::MAX);
                }
            }
        }
    }
}

/// The host table's slots: open addressing with linear probing over one `u64` a name. A slot
/// holds the top 32 bits of the name's [`table_hash`] (its key) and its record's offset + 1 (0
/// is an empty slot). The key's top bits pick the home slot, so a probe's first read depends on
/// the hash alone (no control bytes, then a bucket), and the table grows without reading names.
#[derive(Debug, Default)]
struct Slots {
    slots: Vec<u64>,
    /// Slots filled.
    len: usize,
    /// `slots.len() == 1 << bits` once anything is reserved.
    bits: u32,
}

impl Slots {
    /// At most 5 slots in 8 are filled: a probe for an absent name reads about four slots.
    const LOAD: (usize, usize) = (5, 8);

    fn key(hash: u64) -> u32 {
        (table_hash(hash) >> 32) as u32
    }

    #[inline]
    fn home(&self, key: u32) -> usize {
        (u64::from(key) >> (32 - self.bits)) as usize
    }

    /// Room for `more` names beyond `len`.
    fn reserve(&mut self, more: usize) {
        let want = self.len.saturating_add(more);
        let (num, den) = Self::LOAD;
        if want.saturating_mul(den) <= self.slots.len() * num {
            return;
        }
        let mut bits = self.bits.max(4);
        // Offsets are 32 bits, so a table never needs more than 2^32 slots.
        while bits < 32 && (1usize << bits) * num < want.saturating_mul(den) {
            bits += 1;
        }
        let old = std::mem::replace(&mut self.slots, vec![0; 1 << bits]);
        self.bits = bits;
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|&s| s != 0) {
            let mut i = self.home((s >> 32) as u32);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// The record offset of the name with `key` for which `is_name(offset)` holds, or the empty
    /// slot where it would go. The table must have an empty slot (see [`Slots::reserve`]).
    #[inline]
    fn find(&self, key: u32, mut is_name: impl FnMut(usize) -> bool) -> Result<usize, usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return Err(i);
            }
            if (s >> 32) as u32 == key && is_name((s as u32 - 1) as usize) {
                return Ok((s as u32 - 1) as usize);
            }
            i = (i + 1) & mask;
        }
    }

    /// Files a name in the empty slot `find` gave.
    fn fill(&mut self, empty: usize, key: u32, stored_offset: u32) {
        self.slots[empty] = u64::from(key) << 32 | u64::from(stored_offset);
        self.len += 1;
    }

    /// The record offsets filed.
    fn offsets(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .filter(|&&s| s != 0)
            .map(|&s| (s as u32 - 1) as usize)
    }
}

/// Labels in a name: its dots and one.
fn label_count(name: &[u8]) -> u32 {
    name.iter().filter(|&&b| b == b'.').count() as u32 + 1
}

/// The name of the record at `at`.
#[inline]
fn record_name(records: &[u8], at: usize) -> &[u8] {
    let len = usize::from(u16::from_le_bytes([records[at + 5], records[at + 6]]));
    &records[at + HEADER..at + HEADER + len]
}

/// The suffix hash of the record's name (for growing the table and the filter).
fn name_hash(records: &[u8], at: usize) -> u64 {
    suffix_hash::reverse_hash(record_name(records, at))
}

/// Address ranges, looked up by prefix length: an address is cut to each length some range
/// has and that network looked up, so a lookup costs one probe per distinct length (at most 33
/// for IPv4, 129 for IPv6), whatever the number of ranges. (They were scanned one by one: a
/// list of 40,000 ranges made each address cost 40,000 comparisons.)
#[derive(Debug, Default)]
pub(crate) struct CidrTable {
    /// Every range and its rule, as filed: the linear reference path scans these.
    ranges: Vec<(IpNet, u32)>,
    /// For each prefix length filed, the first rule of each network of that length, by its
    /// address: one small entry a range (8 bytes for IPv4), no allocation.
    v4: Lengths<u32>,
    v6: Lengths<u128>,
    /// The other rules of a network that several rules list: by IP version, length, network.
    more: HashMap<(u8, u8, u128), Vec<u32>>,
}

/// Networks of one IP version by prefix length: (length, first rule of each network).
type Lengths<K> = Vec<(u8, HashMap<K, u32>)>;

/// Files `network` of `len` bits for rule `id`; `false` when a rule has it already.
fn file_network<K: std::hash::Hash + Eq>(
    lengths: &mut Lengths<K>,
    len: u8,
    network: K,
    id: u32,
) -> bool {
    let i = match lengths.iter().position(|&(l, _)| l == len) {
        Some(i) => i,
        None => {
            lengths.push((len, HashMap::default()));
            lengths.len() - 1
        }
    };
    match lengths[i].1.entry(network) {
        std::collections::hash_map::Entry::Occupied(_) => false,
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(id);
            true
        }
    }
}

/// The first `len` of the `width` low bits of `bits`, the others cleared: an address of `width`
/// bits cut to a network of `len` bits.
fn prefix(bits: u128, width: u32, len: u8) -> u128 {
    let host_bits = width - u32::from(len);
    bits.checked_shr(host_bits).map_or(0, |b| b << host_bits)
}

/// Calls `f(first rule, length, network)` for each length of `lengths` whose network, as
/// `network_of(length)` cuts the address, is filed.
fn find_networks<K: std::hash::Hash + Eq + Copy>(
    lengths: &Lengths<K>,
    network_of: impl Fn(u8) -> K,
    mut f: impl FnMut(u32, u8, K),
) {
    for (len, networks) in lengths {
        let network = network_of(*len);
        if let Some(&first) = networks.get(&network) {
            f(first, *len, network);
        }
    }
}

impl CidrTable {
    fn add(&mut self, net: IpNet, id: u32) {
        self.ranges.push((net, id));
        let len = net.prefix_len();
        // `network()` clears the host bits (`10.0.0.1/8` is `10.0.0.0/8`).
        let (version, network, new) = match net.network() {
            IpAddr::V4(a) => {
                let bits = u32::from(a);
                (
                    4,
                    u128::from(bits),
                    file_network(&mut self.v4, len, bits, id),
                )
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                (6, bits, file_network(&mut self.v6, len, bits, id))
            }
        };
        if !new {
            self.more
                .entry((version, len, network))
                .or_default()
                .push(id);
        }
    }

    /// Calls `f(rule, prefix length)` for every range holding `ip`, in no particular order.
    pub(crate) fn lookup(&self, ip: IpAddr, mut f: impl FnMut(u32, u32)) {
        let mut found = |version: u8, first: u32, len: u8, network: u128| {
            f(first, u32::from(len));
            if !self.more.is_empty() {
                for &id in self
                    .more
                    .get(&(version, len, network))
                    .into_iter()
                    .flatten()
                {
                    f(id, u32::from(len));
                }
            }
        };
        match ip {
            IpAddr::V4(a) => {
                let bits = u128::from(u32::from(a));
                find_networks(
                    &self.v4,
                    |len| prefix(bits, 32, len) as u32,
                    |first, len, n| found(4, first, len, u128::from(n)),
                );
            }
            IpAddr::V6(a) => {
                let bits = u128::from(a);
                find_networks(
                    &self.v6,
                    |len| prefix(bits, 128, len),
                    |first, len, n| found(6, first, len, n),
                );
            }
        }
    }

    /// [`CidrTable::lookup`] by comparing with every range in turn: the reference it is
    /// tested against (`check --reference`).
    pub(crate) fn lookup_linear(&self, ip: IpAddr, mut f: impl FnMut(u32, u32)) {
        for (net, id) in &self.ranges {
            if net.contains(&ip) {
                f(*id, u32::from(net.prefix_len()));
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
    pub(crate) asset_cidrs: CidrTable,
    /// Apps by platform and id: the assets listing the whole app (`None`) or one feature.
    pub(crate) asset_apps: HashMap<(Platform, String), Vec<AppEntry>>,
    pub(crate) excl_hosts: HostTable,
    pub(crate) excl_cidrs: CidrTable,
    pub(crate) excl_apps: HashMap<(Platform, String), Vec<u32>>,
}

impl ScopeIndex {
    /// Room for `n` more asset host names of at most `name_bytes` in all, for loaders that know
    /// how many are coming.
    pub fn reserve_asset_hosts(&mut self, n: usize, name_bytes: usize) {
        self.asset_hosts.reserve(n, name_bytes);
    }
    /// Before filing a batch of asset hosts (see `HostTable::warm`).
    pub(crate) fn warm_asset_hosts<'n>(&self, names: impl Iterator<Item = &'n str>) {
        self.asset_hosts.warm(names);
    }
    pub fn add_asset_host(&mut self, p: &HostPattern, asset: usize) {
        self.asset_hosts.add(p, asset);
    }
    /// Files an asset's host pattern unless it repeats an earlier one: `is_repeat(first)` is
    /// asked, once, when assets are filed on the same name and kind already, with the first of
    /// them (see `HostTable::add_unless`). Returns whether it was filed.
    pub(crate) fn add_asset_host_unless(
        &mut self,
        p: &HostPattern,
        asset: usize,
        is_repeat: impl FnOnce(u32) -> bool,
    ) -> bool {
        self.asset_hosts.add_unless(p, asset, is_repeat)
    }
    /// [`ScopeIndex::add_asset_host_unless`] for a name given as it is filed: the pattern
    /// `*.name` without its apex when `below`, else the name itself.
    pub(crate) fn add_asset_name_unless(
        &mut self,
        name: &str,
        below: bool,
        asset: usize,
        is_repeat: impl FnOnce(u32) -> bool,
    ) -> bool {
        let field = if below { Field::Below } else { Field::Exact };
        self.asset_hosts.push(name, field, asset as u32, is_repeat)
    }
    pub fn add_asset_cidr(&mut self, net: IpNet, asset: usize) {
        self.asset_cidrs.add(net, asset as u32);
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
    /// Whether a host name was left out because the index is full (over 4 GiB of names): the
    /// loader must then refuse the rules.
    pub fn host_index_full(&self) -> bool {
        self.asset_hosts.full || self.excl_hosts.full
    }
    pub fn add_exclusion_host(&mut self, p: &HostPattern, excl: usize) {
        self.excl_hosts.add(p, excl);
    }
    /// [`ScopeIndex::add_asset_host_unless`] for exclusions.
    pub(crate) fn add_exclusion_host_unless(
        &mut self,
        p: &HostPattern,
        excl: usize,
        is_repeat: impl FnOnce(u32) -> bool,
    ) -> bool {
        self.excl_hosts.add_unless(p, excl, is_repeat)
    }
    pub fn add_exclusion_cidr(&mut self, net: IpNet, excl: usize) {
        self.excl_cidrs.add(net, excl as u32);
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

    /// Ranges looked up by prefix length give what comparing with every range gives: random
    /// IPv4 and IPv6 ranges of every length (0 and full ones, repeats, host bits set), and
    /// addresses inside them, at their edges and anywhere.
    #[test]
    fn cidr_lookup_by_length_agrees_with_every_range() {
        use std::net::{Ipv4Addr, Ipv6Addr};
        let mut r = crate::gen::Rng(7);
        let mut table = CidrTable::default();
        let mut probes = Vec::new();
        for id in 0..3_000u32 {
            let net = if r.below(3) == 0 {
                let a = Ipv6Addr::from(u128::from(r.next_u64()) << 64 | u128::from(r.next_u64()));
                IpNet::new(IpAddr::V6(a), r.below(129) as u8).unwrap()
            } else {
                // Few first octets, so ranges nest and overlap.
                let a = Ipv4Addr::from((r.below(4) as u32) << 24 | r.next_u64() as u32 >> 8);
                IpNet::new(IpAddr::V4(a), r.below(33) as u8).unwrap()
            };
            table.add(net, id);
            if r.below(10) == 0 {
                table.add(net, id + 100_000); // the same range for another rule
            }
            probes.extend([net.network(), net.broadcast(), net.addr()]);
        }
        for _ in 0..3_000 {
            probes.push(IpAddr::V4(Ipv4Addr::from(
                (r.below(4) as u32) << 24 | r.next_u64() as u32 >> 8,
            )));
            probes.push(IpAddr::V6(Ipv6Addr::from(u128::from(r.next_u64()) << 64)));
        }
        let mut hits = 0;
        for ip in probes {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            table.lookup(ip, |id, len| fast.push((id, len)));
            table.lookup_linear(ip, |id, len| slow.push((id, len)));
            fast.sort_unstable();
            slow.sort_unstable();
            assert_eq!(fast, slow, "{ip}");
            hits += fast.len();
        }
        assert!(hits > 20_000, "{hits} matches");
        // A lookup probes each length once: /0 holds every address of its family.
        let mut zero = CidrTable::default();
        zero.add("0.0.0.0/0".parse().unwrap(), 1);
        zero.add("::/0".parse().unwrap(), 2);
        let mut seen = Vec::new();
        zero.lookup("203.0.113.9".parse().unwrap(), |id, _| seen.push(id));
        zero.lookup("2001:db8::1".parse().unwrap(), |id, _| seen.push(id));
        assert_eq!(seen, [1, 2]);
    }

    /// A big list has a record per name: its name and id in one place, one 8-byte slot.
    #[test]
    fn records_are_flat() {
        let mut t = HostTable::default();
        for (i, h) in ["a.example.com", "b.example.com", "a.example.com"]
            .iter()
            .enumerate()
        {
            t.add(&HostPattern::Exact((*h).into()), i);
        }
        assert_eq!(t.table.len, 2);
        assert_eq!(t.records.len(), 2 * (HEADER + "a.example.com".len()));
        assert_eq!(t.overflow.len(), 1, "a second rule on a name moves its ids");
        let mut v = Vec::new();
        t.lookup("a.example.com", |id, _| v.push(id));
        assert_eq!(v, [0, 2]);
    }

    /// Only suffixes with as many labels as some name are looked up; deeper hosts still match.
    #[test]
    fn label_bounds_skip_only_what_cannot_match() {
        let mut t = HostTable::default();
        let sub = HostPattern::Subdomains {
            base: "a.example.com".into(),
            include_apex: true,
        };
        t.add(&sub, 7);
        t.add(&HostPattern::Exact("b.c.d.example.org".into()), 8);
        assert_eq!((t.min_labels, t.max_labels), (3, 5));
        let found = |h: &str| {
            let mut v = Vec::new();
            t.lookup(h, |id, _| v.push(id));
            v
        };
        assert_eq!(found("x.y.z.w.a.example.com"), [7]);
        assert_eq!(found("a.example.com"), [7]);
        assert_eq!(found("b.c.d.example.org"), [8]);
        assert!(found("example.com").is_empty());
        assert!(found("x.b.c.d.example.org").is_empty());
    }

    /// The table and the filter grow as names come (no reserve): every name is still found,
    /// and nothing else is.
    #[test]
    fn growing_table_and_filter_keep_every_name() {
        let mut t = HostTable::default();
        for i in 0..20_000 {
            t.add(&HostPattern::Exact(format!("h{i}.example.com")), i);
        }
        assert!(t.filter.len() * 64 >= 20_000 * 16, "the filter grew");
        for i in (0..20_000).step_by(7) {
            let mut v = Vec::new();
            t.lookup(&format!("h{i}.example.com"), |id, _| v.push(id));
            assert_eq!(v, [i as u32]);
        }
        let mut v = Vec::new();
        t.lookup("h20000.example.com", |id, _| v.push(id));
        assert!(v.is_empty());
    }

    /// Keys that share a home slot at the table's end are found past the collisions and the
    /// wrap to slot 0, an absent name is not, and growing the table keeps every key.
    #[test]
    fn slots_probe_past_collisions_and_the_end() {
        let mut s = Slots::default();
        s.reserve(8);
        assert_eq!(s.slots.len(), 16);
        // The top bits pick the home: this key's is the last slot.
        let key = u32::MAX;
        for offset in 0..8 {
            let empty = s.find(key, |_| false).unwrap_err();
            s.fill(empty, key, offset + 1);
        }
        assert_eq!(
            s.slots[0] >> 32,
            u64::from(key),
            "the probe wrapped to slot 0"
        );
        let every_one_found = |s: &Slots| (0..8).all(|o| s.find(key, |at| at == o) == Ok(o));
        assert!(every_one_found(&s));
        assert!(s.find(key, |_| false).is_err());
        assert!(
            s.find(key - 1, |_| true).is_err(),
            "another key is never offered"
        );
        s.reserve(1000);
        assert!(s.slots.len() >= 1600);
        assert!(every_one_found(&s));
        assert_eq!(s.offsets().count(), 8);
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
