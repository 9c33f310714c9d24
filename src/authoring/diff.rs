//! `scopelint rules diff OLD NEW`: what changed between two revisions of a program (assets,
//! exclusions, customer-owned suffixes, awards, standards, rules of engagement), and, given a
//! target list, which targets change verdict and why.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::rules::model::{AppDef, PathRuleDef, RulesFile, Spanned};
use crate::rules::Program;

use super::show::{covers, Apex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    fn sign(self) -> &'static str {
        match self {
            ChangeKind::Added => "+",
            ChangeKind::Removed => "-",
            ChangeKind::Changed => "~",
        }
    }
}

/// One changed item: `section` (`asset`, `exclusion`, `award`, ...) and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub section: &'static str,
    pub id: String,
    pub kind: ChangeKind,
    /// `field: old -> new` lines, for `changed`.
    pub details: Vec<String>,
}

/// One target whose answer differs between the two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    pub target: String,
    pub old: VerdictSummary,
    pub new: VerdictSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictSummary {
    pub verdict: String,
    pub rule: String,
    pub asset: Option<String>,
    pub award_table: Option<String>,
    pub reason: String,
}

type Fields = BTreeMap<String, String>;

fn fields<const N: usize>(pairs: [(&str, String); N]) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn list(v: &[Spanned<String>]) -> String {
    v.iter()
        .map(|s| s.value.trim())
        .collect::<Vec<_>>()
        .join(", ")
}

fn apps(v: &[Spanned<AppDef>]) -> String {
    v.iter()
        .map(|a| format!("{}:{}", a.value.platform, a.value.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An asset's or exclusion's paths; `always_any_case` for an exclusion, whose paths match in
/// any case whatever its `case_insensitive` says (so that flag changing is no change).
fn paths(p: &Option<Spanned<PathRuleDef>>, always_any_case: bool) -> String {
    match p {
        None => "any".into(),
        Some(p) => {
            let p = &p.value;
            format!(
                "versions [{}], prefixes [{}], aliases [{}]{}",
                p.versions.join(", "),
                list(&p.prefixes),
                p.aliases
                    .iter()
                    .map(|a| format!("{} -> {}", a.from, a.to))
                    .collect::<Vec<_>>()
                    .join(", "),
                if p.case_insensitive || always_any_case {
                    ", case-insensitive"
                } else {
                    ""
                }
            )
        }
    }
}

fn opt<T: std::fmt::Debug>(v: &Option<T>) -> String {
    match v {
        None => "none".into(),
        Some(x) => format!("{x:?}").trim_matches('"').to_string(),
    }
}

fn text(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sections(f: &RulesFile) -> Vec<(&'static str, BTreeMap<String, Fields>)> {
    let mut out = Vec::new();
    let mut program = BTreeMap::new();
    program.insert(
        f.program.id.clone(),
        fields([
            ("name", f.program.name.clone()),
            ("revision", f.program.revision.clone()),
            ("default_ports", format!("{:?}", f.program.default_ports)),
        ]),
    );
    out.push(("program", program));
    out.push((
        "asset",
        f.assets
            .iter()
            .map(|a| {
                let d = &a.value;
                let fields = fields([
                    ("title", opt(&d.title)),
                    ("hosts", list(&d.hosts)),
                    ("include_apex", opt(&d.include_apex)),
                    ("cidrs", list(&d.cidrs)),
                    ("apps", apps(&d.apps)),
                    ("paths", paths(&d.paths, false)),
                    (
                        "ports",
                        d.ports
                            .as_ref()
                            .map_or("default".into(), |p| format!("{p:?}")),
                    ),
                    ("award_table", opt(&d.award_table)),
                    ("note", d.note.as_deref().map_or("none".into(), text)),
                ]);
                (d.id.clone(), fields)
            })
            .collect(),
    ));
    out.push((
        "exclusion",
        f.exclusions
            .iter()
            .map(|x| {
                let d = &x.value;
                let fields = fields([
                    ("reason", text(&d.reason)),
                    ("hosts", list(&d.hosts)),
                    ("include_apex", opt(&d.include_apex)),
                    ("cidrs", list(&d.cidrs)),
                    ("apps", apps(&d.apps)),
                    ("paths", paths(&d.paths, true)),
                    ("uncertain", d.uncertain.to_string()),
                ]);
                (d.id.clone(), fields)
            })
            .collect(),
    ));
    out.push((
        "customer_owned",
        f.customer_owned
            .iter()
            .map(|c| {
                let d = &c.value;
                (
                    d.id.clone(),
                    fields([
                        ("reason", text(&d.reason)),
                        ("psl_private", d.psl_private.to_string()),
                        ("suffixes", list(&d.suffixes)),
                    ]),
                )
            })
            .collect(),
    ));
    let mut awards = BTreeMap::new();
    if let Some(aw) = &f.awards {
        let aw = &aw.value;
        for t in &aw.tables {
            for imp in &t.value.impacts {
                let mut cells = fields([("title", imp.value.title.clone())]);
                for sev in &aw.severities {
                    for q in &aw.qualities {
                        let amount = imp.value.awards.get(sev).and_then(|r| r.get(q));
                        cells.insert(
                            format!("{sev}/{q}"),
                            amount.map_or("none".into(), |a| format!("{a} {}", aw.currency)),
                        );
                    }
                }
                awards.insert(format!("{}/{}", t.value.id, imp.value.id), cells);
            }
        }
    }
    out.push(("award", awards));
    out.push((
        "standard",
        f.standards
            .iter()
            .map(|s| {
                let d = &s.value;
                (
                    d.id.clone(),
                    fields([
                        ("title", d.title.clone()),
                        ("body", d.body.clone()),
                        ("status", d.status.clone()),
                        ("certified", d.certified.to_string()),
                        ("final_since", opt(&d.final_since)),
                        ("patterns", list(&d.patterns)),
                    ]),
                )
            })
            .collect(),
    ));
    out.push((
        "rules_of_engagement",
        f.rules_of_engagement
            .iter()
            .map(|r| {
                (
                    r.value.id.clone(),
                    fields([
                        ("text", text(&r.value.text)),
                        ("patterns", list(&r.value.patterns)),
                    ]),
                )
            })
            .collect(),
    ));
    out.push((
        "excluded_class",
        f.excluded_classes
            .iter()
            .map(|c| {
                (
                    c.value.id.clone(),
                    fields([
                        ("title", c.value.title.clone()),
                        (
                            "severity",
                            opt(&c.value.severity.as_ref().map(|s| s.value.clone())),
                        ),
                        ("patterns", list(&c.value.patterns)),
                        ("chained_patterns", list(&c.value.chained_patterns)),
                    ]),
                )
            })
            .collect(),
    ));
    out
}

/// Every added, removed or changed item, section by section, ids sorted.
pub fn diff_files(old: &RulesFile, new: &RulesFile) -> Vec<Change> {
    let mut out = Vec::new();
    for ((section, o), (_, n)) in sections(old).into_iter().zip(sections(new)) {
        for (id, of) in &o {
            match n.get(id) {
                None => out.push(Change {
                    section,
                    id: id.clone(),
                    kind: ChangeKind::Removed,
                    details: Vec::new(),
                }),
                Some(nf) => {
                    let details: Vec<String> = of
                        .iter()
                        .filter(|(k, v)| nf.get(k.as_str()) != Some(*v))
                        .map(|(k, v)| {
                            format!(
                                "{k}: {v} -> {}",
                                nf.get(k.as_str()).map_or("none", String::as_str)
                            )
                        })
                        .collect();
                    if !details.is_empty() {
                        out.push(Change {
                            section,
                            id: id.clone(),
                            kind: ChangeKind::Changed,
                            details,
                        });
                    }
                }
            }
        }
        for id in n.keys().filter(|id| !o.contains_key(*id)) {
            out.push(Change {
                section,
                id: id.clone(),
                kind: ChangeKind::Added,
                details: Vec::new(),
            });
        }
    }
    out
}

fn summary(p: &Program, target: &str) -> VerdictSummary {
    let v = p.classify(target, false);
    VerdictSummary {
        verdict: v.kind.as_str().to_string(),
        rule: v.rule().to_string(),
        asset: v.asset().map(|a| a.id.clone()),
        award_table: v.award_table().map(str::to_string),
        reason: v.reason_text(),
    }
}

/// Targets whose verdict, deciding rule, asset or award table differs between the programs.
pub fn diff_targets<'t>(
    old: &Program,
    new: &Program,
    targets: impl IntoIterator<Item = &'t str>,
) -> Vec<VerdictChange> {
    targets
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('#'))
        .filter_map(|t| {
            let (o, n) = (summary(old, t), summary(new, t));
            let same = o.verdict == n.verdict && o.rule == n.rule && o.award_table == n.award_table;
            (!same).then(|| VerdictChange {
                target: t.to_string(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// Render changes and verdict changes as text. Ids, details, targets and reasons come from
/// rules files and targets: each is escaped where it is put, so that none, not even one holding
/// a `\n`, makes a line of its own.
pub fn render_text(changes: &[Change], verdicts: Option<&[VerdictChange]>) -> String {
    use crate::text::printable as p;
    use std::fmt::Write as _;
    let mut s = String::new();
    if changes.is_empty() {
        s.push_str("no changes to the rules\n");
    }
    for c in changes {
        let _ = writeln!(s, "{} {} `{}`", c.kind.sign(), c.section, p(&c.id));
        for d in &c.details {
            let _ = writeln!(s, "    {}", p(d));
        }
    }
    if let Some(vs) = verdicts {
        let _ = writeln!(
            s,
            "\n{} target{} change verdict",
            vs.len(),
            if vs.len() == 1 { "" } else { "s" }
        );
        for v in vs {
            let _ = writeln!(s, "{}", p(&v.target));
            let _ = writeln!(
                s,
                "    old: {} [{}] {}",
                v.old.verdict,
                p(&v.old.rule),
                p(&v.old.reason)
            );
            let _ = writeln!(
                s,
                "    new: {} [{}] {}",
                v.new.verdict,
                p(&v.new.rule),
                p(&v.new.reason)
            );
        }
    }
    s
}

/// One record of the change feed between two sets of programs (`rules diff OLD_DIR NEW_DIR`):
/// what a researcher watching scope needs to act on, one line of `--format jsonl` each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedChange {
    /// `program-added`, `program-removed`, `program-skipped` (in the old set, not importable
    /// from the new platform file: `details` says why), `asset-added`, `asset-removed`, `asset-changed`,
    /// `exclusion-added` or `exclusion-removed`.
    pub change: &'static str,
    /// The program's id (`program.id`).
    pub program: String,
    /// The program's name, for program records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The asset's id, for asset records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// The exclusion's id, for exclusion records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<String>,
    /// The patterns (hosts, CIDRs, `platform:app-id`) the asset or exclusion covers; for an
    /// added program, those of all its assets.
    pub covers: Vec<String>,
    /// `field: old -> new`, for `asset-changed`; the reason, for `program-skipped`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl FeedChange {
    /// Lower is more valuable to a researcher: new in-scope wildcards first, then new programs
    /// and assets, scope that grew, then scope that shrank (where testing must stop).
    pub fn rank(&self) -> u8 {
        let wildcard = self.covers.iter().any(|c| c.contains('*'));
        match self.change {
            "asset-added" if wildcard => 0,
            "program-added" if wildcard => 1,
            "program-added" => 2,
            "asset-added" => 3,
            "exclusion-removed" => 4,
            "asset-changed" => 5,
            "asset-removed" => 6,
            "exclusion-added" => 7,
            "program-skipped" => 8,
            _ => 9,
        }
    }
}

/// Counts of a feed, per kind of change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedCounts {
    pub programs_added: usize,
    pub programs_removed: usize,
    /// Programs in the old set that could not be imported this time (their scope is unknown).
    pub programs_skipped: usize,
    pub assets_added: usize,
    pub assets_removed: usize,
    pub assets_changed: usize,
    pub exclusions_added: usize,
    pub exclusions_removed: usize,
}

impl FeedCounts {
    pub fn of(feed: &[FeedChange]) -> FeedCounts {
        let mut c = FeedCounts::default();
        for f in feed {
            let slot = match f.change {
                "program-added" => &mut c.programs_added,
                "program-removed" => &mut c.programs_removed,
                "program-skipped" => &mut c.programs_skipped,
                "asset-added" => &mut c.assets_added,
                "asset-removed" => &mut c.assets_removed,
                "asset-changed" => &mut c.assets_changed,
                "exclusion-added" => &mut c.exclusions_added,
                _ => &mut c.exclusions_removed,
            };
            *slot += 1;
        }
        c
    }
}

impl std::fmt::Display for FeedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "programs +{} -{} ({} could not be imported), assets +{} -{} ~{}, exclusions +{} -{}",
            self.programs_added,
            self.programs_removed,
            self.programs_skipped,
            self.assets_added,
            self.assets_removed,
            self.assets_changed,
            self.exclusions_added,
            self.exclusions_removed
        )
    }
}

fn asset_covers(f: &RulesFile, id: &str) -> Vec<String> {
    f.assets
        .iter()
        .find(|a| a.value.id == id)
        .map(|a| covers(a.value.coverage(), Apex::Listed))
        .unwrap_or_default()
}

/// What all of a program's assets cover, each pattern once.
fn program_covers(f: &RulesFile) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    f.assets
        .iter()
        .flat_map(|a| covers(a.value.coverage(), Apex::Listed))
        .filter(|c| seen.insert(c.clone()))
        .collect()
}

fn exclusion_covers(f: &RulesFile, id: &str) -> Vec<String> {
    f.exclusions
        .iter()
        .find(|x| x.value.id == id)
        .map(|x| covers(x.value.coverage(), Apex::Listed))
        .unwrap_or_default()
}

/// The change feed between two sets of programs, matched by `program.id`: programs added and
/// removed (`program-skipped` instead when `new_skipped` says why the program could not be
/// imported this time: its scope is unknown, not gone), and for programs in both, assets added / removed / changed and exclusions added /
/// removed (an exclusion whose reason alone was reworded is not a change of scope). Sorted by
/// program (most valuable change first), then by value within the program.
pub fn feed(
    old: &[&RulesFile],
    new: &[&RulesFile],
    new_skipped: &BTreeMap<String, String>,
) -> Vec<FeedChange> {
    let by_id = |files: &[&RulesFile]| -> BTreeMap<String, usize> {
        files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.program.id.clone(), i))
            .collect()
    };
    let (o, n) = (by_id(old), by_id(new));
    let mut out = Vec::new();
    let record = |change, program: &str| FeedChange {
        change,
        program: program.to_string(),
        name: None,
        asset: None,
        exclusion: None,
        covers: Vec::new(),
        details: Vec::new(),
    };
    for (id, &i) in &o {
        if !n.contains_key(id) {
            let skipped = new_skipped.get(id);
            out.push(FeedChange {
                name: Some(old[i].program.name.clone()),
                covers: program_covers(old[i]),
                details: skipped.map(|r| vec![r.clone()]).unwrap_or_default(),
                ..record(
                    if skipped.is_some() {
                        "program-skipped"
                    } else {
                        "program-removed"
                    },
                    id,
                )
            });
        }
    }
    for (id, &j) in &n {
        let Some(&i) = o.get(id) else {
            out.push(FeedChange {
                name: Some(new[j].program.name.clone()),
                covers: program_covers(new[j]),
                ..record("program-added", id)
            });
            continue;
        };
        let (of, nf) = (old[i], new[j]);
        for c in diff_files(of, nf) {
            let change = match (c.section, c.kind) {
                ("asset", ChangeKind::Added) => "asset-added",
                ("asset", ChangeKind::Removed) => "asset-removed",
                ("asset", ChangeKind::Changed) => "asset-changed",
                ("exclusion", ChangeKind::Added) => "exclusion-added",
                ("exclusion", ChangeKind::Removed) => "exclusion-removed",
                ("exclusion", ChangeKind::Changed)
                    if c.details.iter().any(|d| !d.starts_with("reason:")) =>
                {
                    // What it covers changed: the old one is gone, the new one is in force.
                    out.push(FeedChange {
                        exclusion: Some(c.id.clone()),
                        covers: exclusion_covers(of, &c.id),
                        details: c.details.clone(),
                        ..record("exclusion-removed", id)
                    });
                    "exclusion-added"
                }
                _ => continue,
            };
            let is_asset = c.section == "asset";
            let covers = match (is_asset, c.kind) {
                (true, ChangeKind::Removed) => asset_covers(of, &c.id),
                (true, _) => asset_covers(nf, &c.id),
                (false, ChangeKind::Removed) => exclusion_covers(of, &c.id),
                (false, _) => exclusion_covers(nf, &c.id),
            };
            out.push(FeedChange {
                asset: is_asset.then(|| c.id.clone()),
                exclusion: (!is_asset).then(|| c.id.clone()),
                covers,
                details: if c.kind == ChangeKind::Changed {
                    c.details
                } else {
                    Vec::new()
                },
                ..record(change, id)
            });
        }
    }
    // Programs by their most valuable change, then id; changes by value, then as found.
    let mut best: BTreeMap<String, u8> = BTreeMap::new();
    for f in &out {
        let r = best.entry(f.program.clone()).or_insert(u8::MAX);
        *r = (*r).min(f.rank());
    }
    out.sort_by(|a, b| {
        (best[&a.program], &a.program, a.rank()).cmp(&(best[&b.program], &b.program, b.rank()))
    });
    out
}

/// The feed as text: grouped by program, most valuable changes first, then the counts. The
/// programs' text is escaped where it is put, as in [`render_text`].
pub fn render_feed_text(feed: &[FeedChange]) -> String {
    use crate::text::printable as p;
    use std::fmt::Write as _;
    let mut s = String::new();
    if feed.is_empty() {
        s.push_str("no changes to scope\n");
        return s;
    }
    let mut current: Option<&str> = None;
    for f in feed {
        if current != Some(f.program.as_str()) {
            if current.is_some() {
                s.push('\n');
            }
            let _ = writeln!(s, "{}", p(&f.program));
            current = Some(&f.program);
        }
        let (sign, what) = match f.change {
            "program-added" => ("+", "program".to_string()),
            "program-removed" => ("-", "program".to_string()),
            "program-skipped" => ("?", "program (could not be imported)".to_string()),
            "asset-added" => ("+", "asset".to_string()),
            "asset-removed" => ("-", "asset".to_string()),
            "asset-changed" => ("~", "asset".to_string()),
            "exclusion-added" => ("+", "exclusion".to_string()),
            _ => ("-", "exclusion".to_string()),
        };
        let id = f
            .asset
            .as_deref()
            .or(f.exclusion.as_deref())
            .or(f.name.as_deref())
            .unwrap_or("");
        let _ = write!(s, "  {sign} {what} `{}`", p(id));
        if !f.covers.is_empty() && f.asset.as_deref() != Some(f.covers.join(", ").as_str()) {
            let shown: Vec<&str> = f.covers.iter().take(8).map(String::as_str).collect();
            let more = f.covers.len().saturating_sub(shown.len());
            let _ = write!(s, ": {}", p(&shown.join(", ")));
            if more > 0 {
                let _ = write!(s, " and {more} more");
            }
        }
        s.push('\n');
        for d in &f.details {
            let _ = writeln!(s, "      {}", p(d));
        }
    }
    let _ = writeln!(s, "\n{}", FeedCounts::of(feed));
    s
}
