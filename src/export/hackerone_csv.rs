//! `scopelint export hackerone-csv`: a program's scope as the CSV of HackerOne's scope download
//! and bulk upload. Wildcards become `WILDCARD`, hosts `URL`, ranges `CIDR`, single addresses
//! `IP_ADDRESS`, apps `GOOGLE_PLAY_APP_ID` / `APPLE_STORE_APP_ID`; path prefixes and ports are
//! written into the identifier (`api.example.com:8443/v2`, as `import hackerone-csv` reads it
//! back) and said in the instruction; exclusions are rows not eligible for submission.
//! What cannot be expressed is left out (assets) or excluded more widely (exclusions), never
//! widened, and said in a warning.

use super::{flatten, Export, Flat};
use crate::rules::{HostPattern, PathRule, PathSeg, Program};
use crate::target::Platform;

/// The columns, in HackerOne's order.
pub const COLUMNS: [&str; 10] = [
    "identifier",
    "asset_type",
    "instruction",
    "eligible_for_bounty",
    "eligible_for_submission",
    "availability_requirement",
    "confidentiality_requirement",
    "integrity_requirement",
    "max_severity",
    "system_tags",
];

struct Row {
    identifier: String,
    asset_type: &'static str,
    instruction: String,
    bounty: bool,
    submission: bool,
    max_severity: String,
}

/// The literal path prefixes a path rule allows (versions × prefixes), or why it has none.
fn literal_paths(pr: &PathRule) -> Result<Vec<String>, String> {
    if !pr.query.is_empty() {
        return Err("query conditions".into());
    }
    let mut prefixes = Vec::new();
    for (raw, segs) in &pr.prefixes {
        let mut s = String::new();
        for seg in segs {
            match seg {
                PathSeg::Lit(l) => {
                    s.push('/');
                    s.push_str(l);
                }
                _ => return Err(format!("the path pattern `{raw}`")),
            }
        }
        prefixes.push(s);
    }
    if prefixes.is_empty() {
        prefixes.push(String::new());
    }
    let versions: Vec<String> = if pr.versions.is_empty() {
        vec![String::new()]
    } else {
        pr.versions.iter().map(|v| format!("/{v}")).collect()
    };
    Ok(versions
        .iter()
        .flat_map(|v| prefixes.iter().map(move |p| format!("{v}{p}")))
        .filter(|p| !p.is_empty())
        .collect())
}

/// What the asset's note says about bounty and severity (as `import` writes them).
fn note_facts(note: Option<&str>) -> (bool, String) {
    let note = note.unwrap_or("");
    let bounty = !note
        .to_ascii_lowercase()
        .contains("not eligible for bounty");
    let severity = note
        .split("Max severity: ")
        .nth(1)
        .and_then(|r| r.split(['.', ' ']).next())
        .filter(|s| !s.is_empty())
        .unwrap_or("critical")
        .to_ascii_lowercase();
    (bounty, severity)
}

fn rows_of(p: &Program, r: &Flat, index: usize, ex: &mut Export, rows: &mut Vec<Row>) {
    let what = if r.excluded { "exclusion" } else { "asset" };
    let (note, title) = if r.excluded {
        (None, None)
    } else {
        let a = p.assets.get(index);
        (
            a.and_then(|a| a.note.clone()),
            a.and_then(|a| a.title.clone()),
        )
    };
    let reason = if r.excluded {
        p.exclusions
            .get(index)
            .map(|x| x.reason.clone())
            .or_else(|| p.customer_owned.as_ref().map(|c| c.reason.clone()))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let (bounty, severity) = note_facts(note.as_deref());
    let mut instruction: Vec<String> = Vec::new();
    if let Some(t) = &title {
        instruction.push(t.clone());
    }
    if let Some(n) = &note {
        // The eligibility and severity sentences `import` writes have their own columns.
        let rest = n
            .split_inclusive(". ")
            .filter(|sentence| {
                let t = sentence.trim();
                !t.eq_ignore_ascii_case("not eligible for bounty.")
                    && !t.starts_with("Max severity: ")
            })
            .collect::<String>();
        if !rest.trim().is_empty() {
            instruction.push(rest.trim().to_string());
        }
    }
    if !reason.is_empty() {
        instruction.push(reason.clone());
    }
    // Path prefixes: literal ones go into the identifier; others cannot be expressed.
    let mut paths: Vec<String> = vec![String::new()];
    if let Some(pr) = r.paths {
        match literal_paths(pr) {
            Ok(list) if !list.is_empty() => {
                instruction.push(format!(
                    "Only the path{} {} {} {} scope.",
                    if list.len() == 1 { "" } else { "s" },
                    list.join(", "),
                    if list.len() == 1 { "is" } else { "are" },
                    if r.excluded { "out of" } else { "in" }
                ));
                if !pr.aliases.is_empty() {
                    ex.warnings.push(format!(
                        "{what} `{}`: path aliases cannot be expressed in HackerOne's CSV; only the listed prefixes are exported",
                        r.id
                    ));
                }
                if pr.case_insensitive {
                    ex.warnings.push(format!(
                        "{what} `{}`: case-insensitive paths cannot be expressed in HackerOne's CSV; exported with the case written",
                        r.id
                    ));
                }
                paths = list;
            }
            Ok(_) => {}
            Err(why) if r.excluded => ex.warnings.push(format!(
                "exclusion `{}`: {why} cannot be expressed in HackerOne's CSV; the whole host is excluded instead",
                r.id
            )),
            Err(why) => {
                ex.warnings.push(format!(
                    "asset `{}`: {why} cannot be expressed in HackerOne's CSV; left out",
                    r.id
                ));
                return;
            }
        }
    }
    let (ports, port_note): (Vec<String>, String) = if r.excluded || r.ports.is_empty() {
        (vec![String::new()], String::new())
    } else {
        let list: Vec<String> = r.ports.iter().map(u16::to_string).collect();
        (
            r.ports.iter().map(|n| format!(":{n}")).collect(),
            match list.as_slice() {
                [one] => format!(" Only port {one} is in scope."),
                _ => format!(" Only ports {} are in scope.", list.join(", ")),
            },
        )
    };
    let instruction = instruction.join(" ");
    let mut push = |identifier: String, asset_type: &'static str, on_host: bool| {
        let mut text = instruction.clone();
        if on_host {
            text.push_str(&port_note);
        }
        rows.push(Row {
            identifier,
            asset_type,
            instruction: text.trim().to_string(),
            bounty: bounty && !r.excluded,
            submission: !r.excluded,
            max_severity: if r.excluded {
                String::new()
            } else {
                severity.clone()
            },
        })
    };
    for h in &r.hosts {
        let mut names: Vec<(String, &'static str)> = Vec::new();
        match h {
            HostPattern::Exact(x) => names.push((x.clone(), "URL")),
            HostPattern::Subdomains { base, include_apex } => {
                names.push((format!("*.{base}"), "WILDCARD"));
                if *include_apex {
                    names.push((base.clone(), "URL"));
                }
            }
            HostPattern::Glob { pattern, .. } => {
                if pattern.contains('{') {
                    ex.warnings.push(format!(
                        "{what} `{}`: HackerOne has no one-label placeholder; `{pattern}` is written as is (scopelint reads it back)",
                        r.id
                    ));
                }
                names.push((pattern.clone(), "WILDCARD"));
            }
        }
        for (name, ty) in names {
            for port in &ports {
                for path in &paths {
                    push(format!("{name}{port}{path}"), ty, true);
                }
            }
        }
    }
    for c in &r.cidrs {
        if r.paths.is_some() && !r.excluded {
            ex.warnings.push(format!(
                "asset `{}`: a path on the range {c} cannot be expressed; left out",
                r.id
            ));
            continue;
        }
        if !r.excluded && !r.ports.is_empty() {
            ex.warnings.push(format!(
                "asset `{}`: ports on the range {c} cannot be expressed; left out",
                r.id
            ));
            continue;
        }
        let single = c.prefix_len() == c.max_prefix_len();
        if single {
            push(c.addr().to_string(), "IP_ADDRESS", false);
        } else {
            push(c.to_string(), "CIDR", false);
        }
    }
    for (pl, id) in &r.apps {
        push(
            id.clone(),
            match pl {
                Platform::Android => "GOOGLE_PLAY_APP_ID",
                Platform::Ios => "APPLE_STORE_APP_ID",
            },
            false,
        );
    }
}

/// Export program `p` as HackerOne's scope CSV.
pub fn export(p: &Program) -> Export {
    let mut ex = Export::default();
    let mut rows = Vec::new();
    let (mut asset_i, mut exclusion_i) = (0, 0);
    for r in flatten(p) {
        // `flatten` lists assets, then exclusions, then customer-owned suffixes, in order.
        let index = if r.excluded {
            exclusion_i += 1;
            exclusion_i - 1
        } else {
            asset_i += 1;
            asset_i - 1
        };
        rows_of(p, &r, index, &mut ex, &mut rows);
    }
    if p.customer_owned.as_ref().is_some_and(|c| c.psl_private) {
        ex.warnings.push(
            "customer-owned hosts under Public Suffix List private entries (e.g. *.azurewebsites.net) cannot be expressed in HackerOne's CSV; check wildcard matches with scopelint".into(),
        );
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = |rec: &[&str]| w.write_record(rec).expect("writing to memory");
    write(&COLUMNS);
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        if !seen.insert((r.identifier.clone(), r.submission)) {
            continue;
        }
        write(&[
            &r.identifier,
            r.asset_type,
            &r.instruction,
            if r.bounty { "true" } else { "false" },
            if r.submission { "true" } else { "false" },
            "",
            "",
            "",
            &r.max_severity,
            "",
        ]);
    }
    let bytes = w.into_inner().expect("writing to memory");
    ex.text = String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8");
    ex
}
