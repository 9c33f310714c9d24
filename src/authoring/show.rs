//! `scopelint rules show`: a program at a glance: assets, exclusions, customer-owned suffixes
//! and award tables as aligned tables (or JSON), each with the line it is written on.

use serde_json::{json, Value};

use crate::rules::model::CoverageDefs;
use crate::rules::model::{AssetDef, ExclusionDef, PathRuleDef, Spanned};
use crate::rules::Program;

/// Lay out rows under headers, columns separated by two spaces, no trailing blanks.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    // Cells, and some headers (an award table's quality names), come from rules files: escaped
    // before their widths are taken.
    let headers: Vec<String> = headers
        .iter()
        .map(|h| crate::text::printable(h).into_owned())
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::text::printable(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.clone());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// How [`covers`] writes the apex of a `*.` wildcard with `include_apex`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Apex {
    /// `*.example.com (+apex)`, for a table.
    Marked,
    /// `*.example.com` and `example.com`, as patterns (the change feed's `covers`).
    Listed,
}

/// What an asset or exclusion definition covers: its hosts, CIDRs and apps.
pub(super) fn covers(
    (hosts, include_apex, cidrs, apps, _paths): CoverageDefs<'_>,
    apex: Apex,
) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for h in hosts {
        let h = h.value.trim();
        match (h.strip_prefix("*."), include_apex, apex) {
            (Some(_), Some(true), Apex::Marked) => v.push(format!("{h} (+apex)")),
            (Some(base), Some(true), Apex::Listed) => {
                v.push(h.to_string());
                v.push(base.to_string());
            }
            _ => v.push(h.to_string()),
        }
    }
    v.extend(cidrs.iter().map(|c| c.value.trim().to_string()));
    v.extend(
        apps.iter()
            .map(|a| format!("{}:{}", a.value.platform, a.value.id)),
    );
    v
}

/// At most three entries, then a count: tables stay readable; `--format json` lists all.
fn brief(items: Vec<String>) -> String {
    if items.len() <= 3 {
        items.join(", ")
    } else {
        format!("{}, +{} more", items[..2].join(", "), items.len() - 2)
    }
}

fn paths_summary(p: Option<&Spanned<PathRuleDef>>) -> String {
    match p {
        None => "any".into(),
        Some(p) => {
            let p = &p.value;
            let n = p.prefixes.len();
            let prefixes = if n == 1 {
                p.prefixes[0].value.clone()
            } else {
                format!("{n} prefixes")
            };
            if p.versions.is_empty() {
                prefixes
            } else {
                format!("{} {prefixes}", p.versions.join("|"))
            }
        }
    }
}

/// A rule's paths as JSON; `always_any_case` for an exclusion, whose paths match in any case
/// whatever its `case_insensitive` says: the value shown is the one in effect.
fn paths_json(p: Option<&Spanned<PathRuleDef>>, always_any_case: bool) -> Value {
    match p {
        None => Value::Null,
        Some(p) => json!({
            "versions": p.value.versions,
            "case_insensitive": p.value.case_insensitive || always_any_case,
            "aliases": p.value.aliases.iter().map(|a| json!({"from": a.from, "to": a.to})).collect::<Vec<_>>(),
            "prefixes": p.value.prefixes.iter().map(|x| x.value.as_str()).collect::<Vec<_>>(),
        }),
    }
}

fn first_line(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        s
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn asset_ports(p: &Program, a: &AssetDef) -> Vec<u16> {
    a.ports
        .clone()
        .unwrap_or_else(|| p.file.program.default_ports.clone())
}

/// The program as text tables.
pub fn show_text(p: &Program) -> String {
    let f = &p.file;
    // The rules file's text, escaped where it is put (table cells in `table`), so that no
    // value, not even one holding a `\n`, can make a line of its own.
    let e = |text: &str| crate::text::printable(text).into_owned();
    let src = |line: u64| format!("{}:{line}", e(&p.origin));
    let mut s = format!(
        "{} ({}), revision {}\n{}\n\n",
        e(&f.program.name),
        e(&f.program.id),
        e(&f.program.revision),
        e(&p.origin)
    );

    s.push_str(&format!("ASSETS ({})\n", f.assets.len()));
    let rows: Vec<Vec<String>> = f
        .assets
        .iter()
        .map(|a| {
            let d: &AssetDef = &a.value;
            let ports = asset_ports(p, d);
            vec![
                d.id.clone(),
                brief(covers(d.coverage(), Apex::Marked)),
                if d.hosts.is_empty() {
                    "-".into()
                } else {
                    paths_summary(d.paths.as_ref())
                },
                if d.hosts.is_empty() && d.cidrs.is_empty() {
                    "-".into()
                } else if ports.is_empty() {
                    "any".into()
                } else {
                    ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                },
                d.award_table.clone().unwrap_or_else(|| "-".into()),
                src(a.referenced.line()),
            ]
        })
        .collect();
    s.push_str(&table(
        &["ID", "COVERS", "PATHS", "PORTS", "AWARD TABLE", "SOURCE"],
        &rows,
    ));

    s.push_str(&format!("\nEXCLUSIONS ({})\n", f.exclusions.len()));
    let rows: Vec<Vec<String>> = f
        .exclusions
        .iter()
        .map(|x| {
            let d: &ExclusionDef = &x.value;
            vec![
                d.id.clone(),
                brief(covers(d.coverage(), Apex::Marked)),
                paths_summary(d.paths.as_ref()),
                if d.uncertain {
                    "uncertain".into()
                } else {
                    "excluded".into()
                },
                first_line(&d.reason, 60),
                src(x.referenced.line()),
            ]
        })
        .collect();
    s.push_str(&table(
        &["ID", "COVERS", "PATHS", "STATUS", "REASON", "SOURCE"],
        &rows,
    ));

    if let Some(c) = &f.customer_owned {
        let d = &c.value;
        s.push_str(&format!(
            "\nCUSTOMER-OWNED `{}` ({})\n",
            e(&d.id),
            src(c.referenced.line())
        ));
        let mut list: Vec<String> = d.suffixes.iter().map(|x| e(x.value.trim())).collect();
        if d.psl_private {
            list.insert(0, "every private Public Suffix List entry".into());
        }
        s.push_str(&format!("  {}\n", list.join(", ")));
    }

    if let Some(aw) = &f.awards {
        let aw = &aw.value;
        for t in &aw.tables {
            s.push_str(&format!(
                "\nAWARD TABLE {}: {} ({}, {})\n",
                e(&t.value.id),
                e(&t.value.title),
                e(&aw.currency),
                src(t.referenced.line())
            ));
            let mut headers = vec!["IMPACT", "SEVERITY"];
            headers.extend(aw.qualities.iter().map(String::as_str));
            let mut rows = Vec::new();
            for imp in &t.value.impacts {
                for (i, sev) in aw.severities.iter().enumerate() {
                    let mut row = vec![
                        if i == 0 {
                            imp.value.id.clone()
                        } else {
                            String::new()
                        },
                        sev.clone(),
                    ];
                    for q in &aw.qualities {
                        row.push(
                            imp.value
                                .awards
                                .get(sev)
                                .and_then(|r| r.get(q))
                                .map_or_else(|| "?".into(), |n| n.to_string()),
                        );
                    }
                    rows.push(row);
                }
            }
            s.push_str(&table(&headers, &rows));
        }
    }
    s
}

/// The program as JSON (the same facts as the text tables, lists in full).
pub fn show_json(p: &Program) -> Value {
    let f = &p.file;
    let origin = p.origin.as_ref();
    json!({
        "program": {
            "id": f.program.id,
            "name": f.program.name,
            "revision": f.program.revision,
            "file": origin,
        },
        "assets": f.assets.iter().map(|a| {
            let d = &a.value;
            json!({
                "id": d.id,
                "title": d.title,
                "hosts": d.hosts.iter().map(|h| h.value.as_str()).collect::<Vec<_>>(),
                "include_apex": d.include_apex,
                "cidrs": d.cidrs.iter().map(|h| h.value.as_str()).collect::<Vec<_>>(),
                "apps": d.apps.iter().map(|x| format!("{}:{}", x.value.platform, x.value.id)).collect::<Vec<_>>(),
                "paths": paths_json(d.paths.as_ref(), false),
                "ports": asset_ports(p, d),
                "award_table": d.award_table,
                "line": a.referenced.line(),
            })
        }).collect::<Vec<_>>(),
        "exclusions": f.exclusions.iter().map(|x| {
            let d = &x.value;
            json!({
                "id": d.id,
                "reason": d.reason.trim(),
                "uncertain": d.uncertain,
                "hosts": d.hosts.iter().map(|h| h.value.as_str()).collect::<Vec<_>>(),
                "include_apex": d.include_apex,
                "cidrs": d.cidrs.iter().map(|h| h.value.as_str()).collect::<Vec<_>>(),
                "apps": d.apps.iter().map(|x| format!("{}:{}", x.value.platform, x.value.id)).collect::<Vec<_>>(),
                "paths": paths_json(d.paths.as_ref(), true),
                "line": x.referenced.line(),
            })
        }).collect::<Vec<_>>(),
        "customer_owned": f.customer_owned.as_ref().map(|c| json!({
            "id": c.value.id,
            "psl_private": c.value.psl_private,
            "suffixes": c.value.suffixes.iter().map(|h| h.value.as_str()).collect::<Vec<_>>(),
            "line": c.referenced.line(),
        })),
        "awards": f.awards.as_ref().map(|aw| json!({
            "currency": aw.value.currency,
            "severities": aw.value.severities,
            "qualities": aw.value.qualities,
            "tables": aw.value.tables.iter().map(|t| json!({
                "id": t.value.id,
                "title": t.value.title,
                "line": t.referenced.line(),
                "impacts": t.value.impacts.iter().map(|i| json!({
                    "id": i.value.id,
                    "title": i.value.title,
                    "awards": i.value.awards,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })),
    })
}
