//! `scopelint rules diff OLD NEW`: what changed between two revisions of a program (assets,
//! exclusions, customer-owned suffixes, awards, standards, rules of engagement), and, given a
//! target list, which targets change verdict and why.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::rules::model::{AppDef, PathRuleDef, RulesFile, Spanned};
use crate::rules::Program;

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

fn paths(p: &Option<Spanned<PathRuleDef>>) -> String {
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
                if p.case_insensitive {
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
                    ("paths", paths(&d.paths)),
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
                    ("paths", paths(&d.paths)),
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

/// Render changes and verdict changes as text.
pub fn render_text(changes: &[Change], verdicts: Option<&[VerdictChange]>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if changes.is_empty() {
        s.push_str("no changes to the rules\n");
    }
    for c in changes {
        let _ = writeln!(s, "{} {} `{}`", c.kind.sign(), c.section, c.id);
        for d in &c.details {
            let _ = writeln!(s, "    {d}");
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
            let _ = writeln!(s, "{}", v.target);
            let _ = writeln!(
                s,
                "    old: {} [{}] {}",
                v.old.verdict, v.old.rule, v.old.reason
            );
            let _ = writeln!(
                s,
                "    new: {} [{}] {}",
                v.new.verdict, v.new.rule, v.new.reason
            );
        }
    }
    s
}
