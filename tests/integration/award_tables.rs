//! The award tables of the Microsoft Identity bounty page, transcribed by hand from
//! `../shared/program-docs/microsoft-identity-bounty.txt` (sections GENERAL AWARDS and B2C
//! AWARDS), independently of `scope-rules/microsoft-identity.yaml`, and compared cell by cell
//! with what the binary computes: `rules show --format json` and the `award` of `lint`.
//!
//! The page's shape: 6 impact rows per table; under Critical and Important one figure per
//! report quality (High, Medium, Low, in that order on the page); under Moderate and under Low
//! one `$0` cell spanning the three qualities. Expanded, 6 impacts x 4 severities x 3 qualities
//! = 72 cells per table, 144 in all.
//!
//! Fails on any typo in an award cell of the rules file: verified by planting `20000` ->
//! `2000` in the general table's `eop` / `important` / `high` cell of
//! scope-rules/microsoft-identity.yaml (both tests failed on that cell), then reverting.

use std::collections::BTreeMap;

use assert_cmd::Command;
use serde_json::Value;

const IMPACTS: [&str; 6] = [
    "eop-mfa-bypass",
    "eop",
    "spoofing",
    "information-disclosure",
    "standards-design",
    "standards-implementation",
];
const SEVERITIES: [&str; 4] = ["critical", "important", "moderate", "low"];
const QUALITIES: [&str; 3] = ["high", "medium", "low"];

/// (Critical: High, Medium, Low), (Important: High, Medium, Low), per impact row, in the page's
/// row order (the order of `IMPACTS`). Moderate and Low are `$0` on every row of both tables.
type Rows = [([u64; 3], [u64; 3]); 6];

/// GENERAL AWARDS, as printed on the page.
const GENERAL: Rows = [
    // Elevation of Privilege (Involving Multi-factor Authentication Bypass)
    ([100_000, 75_000, 45_000], [50_000, 25_000, 10_000]),
    // Elevation of Privilege (e.g Authentication Bypass or authentication flaw)
    ([40_000, 20_000, 8_000], [20_000, 10_000, 2_500]),
    // Spoofing (e.g Cross-Site Scripting (XSS) or Cross-Site Request Forgery CSRF))
    ([20_000, 10_000, 6_000], [10_000, 5_000, 1_500]),
    // Information Disclosure (e.g. Sensitive Data Exposure)
    ([12_000, 6_000, 4_500], [7_500, 3_000, 1_500]),
    // Standards Design Vulnerabilities
    ([100_000, 60_000, 25_000], [30_000, 20_000, 2_500]),
    // Standards-based implementation vulnerabilities
    ([75_000, 50_000, 20_000], [25_000, 10_000, 2_500]),
];

/// B2C AWARDS, as printed on the page.
const B2C: Rows = [
    ([50_000, 37_500, 22_500], [25_000, 12_500, 5_000]),
    ([20_000, 10_000, 4_000], [10_000, 5_000, 1_250]),
    ([10_000, 5_000, 3_000], [5_000, 2_500, 750]),
    ([6_000, 3_000, 2_250], [3_750, 1_500, 750]),
    ([50_000, 30_000, 12_500], [15_000, 10_000, 1_250]),
    ([37_500, 25_000, 10_000], [12_500, 5_000, 1_250]),
];

/// The page's 144 cells: (table, impact, severity, quality) -> USD.
fn page() -> BTreeMap<(&'static str, &'static str, &'static str, &'static str), u64> {
    let mut cells = BTreeMap::new();
    for (table, rows) in [("general", &GENERAL), ("b2c", &B2C)] {
        for (impact, (critical, important)) in IMPACTS.iter().zip(rows.iter()) {
            for (qi, quality) in QUALITIES.iter().enumerate() {
                for severity in SEVERITIES {
                    let usd = match severity {
                        "critical" => critical[qi],
                        "important" => important[qi],
                        _ => 0, // the page's single $0 cell under Moderate and under Low
                    };
                    cells.insert((table, *impact, severity, *quality), usd);
                }
            }
        }
    }
    cells
}

fn scopelint() -> Command {
    let mut c = crate::common::scopelint();
    c.args(["--color", "never"]);
    c
}

#[test]
fn the_transcription_has_144_cells_and_the_page_totals() {
    let cells = page();
    assert_eq!(cells.len(), 144);
    assert_eq!(cells.values().filter(|v| **v > 0).count(), 72);
    // Sums worked by hand from the page, column by column, as a check on the transcription.
    let sum = |table: &str| -> u64 {
        cells
            .iter()
            .filter(|(k, _)| k.0 == table)
            .map(|(_, v)| v)
            .sum()
    };
    assert_eq!(sum("general"), 912_500);
    assert_eq!(sum("b2c"), 456_250);
    // Seen on the page: every B2C cell is half the GENERAL cell. A typo in either
    // transcription breaks this.
    for ((t, i, s, q), v) in &cells {
        if *t == "b2c" {
            assert_eq!(v * 2, cells[&("general", *i, *s, *q)], "{i} {s} {q}");
        }
    }
    // The page's own bounds: "$750 up to $100,000".
    let nonzero = cells.values().filter(|v| **v > 0);
    assert_eq!(nonzero.clone().min(), Some(&750));
    assert_eq!(nonzero.max(), Some(&100_000));
}

#[test]
fn rules_show_has_every_cell_of_the_page() {
    let out = scopelint()
        .args(["rules", "show", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let awards = &json["awards"];
    assert_eq!(awards["currency"], "USD");
    assert_eq!(awards["severities"], serde_json::json!(SEVERITIES));
    assert_eq!(awards["qualities"], serde_json::json!(QUALITIES));
    let mut shown = BTreeMap::new();
    for table in awards["tables"].as_array().unwrap() {
        let id = table["id"].as_str().unwrap().to_string();
        for impact in table["impacts"].as_array().unwrap() {
            let iid = impact["id"].as_str().unwrap().to_string();
            for (sev, by_quality) in impact["awards"].as_object().unwrap() {
                for (q, v) in by_quality.as_object().unwrap() {
                    shown.insert(
                        (id.clone(), iid.clone(), sev.clone(), q.clone()),
                        v.as_u64().unwrap(),
                    );
                }
            }
        }
    }
    let want: BTreeMap<_, _> = page()
        .into_iter()
        .map(|((t, i, s, q), v)| ((t.into(), i.into(), s.into(), q.into()), v))
        .collect();
    let mut wrong = Vec::new();
    for (k, v) in &want {
        match shown.get(k) {
            Some(got) if got == v => {}
            got => wrong.push(format!("{k:?}: page {v}, rules show {got:?}")),
        }
    }
    for k in shown.keys().filter(|k| !want.contains_key(*k)) {
        wrong.push(format!("{k:?}: in rules show, not on the page"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An in-scope target of each table: a general host, and a B2C tenant (b2clogin.com).
fn target(table: &str) -> &'static str {
    match table {
        "general" => "https://login.live.com/",
        _ => "https://contosomsobb.b2clogin.com/contosomsobb.onmicrosoft.com/B2C_1_signin/oauth2/v2.0/authorize",
    }
}

fn draft(table: &str, impact: &str, severity: &str, quality: Option<&str>) -> String {
    let quality = quality.map_or(String::new(), |q| format!("quality: {q}\n"));
    // A standards finding is paid only for a certified specification (else it is ineligible,
    // $0): name one, so the cell itself is what is compared.
    let standard = if impact.starts_with("standards") {
        "standard: openid-connect-core\n"
    } else {
        ""
    };
    format!(
        "---\ntitle: award cell\ntargets: [{}]\nimpact: {impact}\nseverity: {severity}\n{standard}{quality}---\n\
         # Summary\n\nx\n\n## Steps to reproduce\n\n1. y\n\n## Impact\n\nz\n",
        target(table)
    )
}

/// Lints every draft in `files` (name -> text) in one run; returns name -> award JSON.
fn awards(files: &[(String, String)]) -> BTreeMap<String, Value> {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = scopelint()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            (name, f["award"].clone())
        })
        .collect()
}

#[test]
fn lint_awards_every_cell_of_the_page() {
    let cells = page();
    let files: Vec<(String, String)> = cells
        .keys()
        .map(|(t, i, s, q)| (format!("{t}-{i}-{s}-{q}.md"), draft(t, i, s, Some(q))))
        .collect();
    let got = awards(&files);
    assert_eq!(got.len(), 144);
    let mut wrong = Vec::new();
    for ((t, i, s, q), v) in &cells {
        let a = &got[&format!("{t}-{i}-{s}-{q}.md")];
        let seen = (
            a["table"].as_str(),
            a["impact"].as_str(),
            a["severity"].as_str(),
            a["quality"].as_str(),
            a["min"].as_u64(),
            a["max"].as_u64(),
            a["currency"].as_str(),
        );
        if seen
            != (
                Some(t),
                Some(i),
                Some(s),
                Some(q),
                Some(*v),
                Some(*v),
                Some("USD"),
            )
        {
            wrong.push(format!("{t} {i} {s} {q}: page {v}, lint {a}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Without `quality:`, the award is the range over report quality (docs/lint.md). Worked by hand
/// from the page, not from the transcription above.
#[test]
fn lint_without_quality_gives_the_range_over_quality() {
    let cases = [
        ("general", "eop", "critical", 8_000, 40_000),
        ("general", "eop-mfa-bypass", "important", 10_000, 50_000),
        (
            "general",
            "information-disclosure",
            "critical",
            4_500,
            12_000,
        ),
        ("b2c", "spoofing", "important", 750, 5_000),
        (
            "b2c",
            "standards-implementation",
            "critical",
            10_000,
            37_500,
        ),
        ("b2c", "eop", "moderate", 0, 0),
        ("general", "standards-design", "low", 0, 0),
    ];
    let files: Vec<(String, String)> = cases
        .iter()
        .map(|(t, i, s, _, _)| (format!("{t}-{i}-{s}.md"), draft(t, i, s, None)))
        .collect();
    let got = awards(&files);
    for (t, i, s, min, max) in cases {
        let a = &got[&format!("{t}-{i}-{s}.md")];
        assert_eq!(a["table"], t, "{a}");
        assert_eq!(a["quality"], Value::Null, "{a}");
        assert_eq!(
            (a["min"].as_u64(), a["max"].as_u64()),
            (Some(min), Some(max)),
            "{t} {i} {s}: {a}"
        );
    }
}
