//! bounty-targets-data JSON (HackerOne, Bugcrowd, Intigriti, YesWeHack, Federacy): an array of
//! programs, each with `targets.in_scope[]` and `targets.out_of_scope[]`.

use serde_json::Value;

use super::{ImportFormat, Imported, Kind, RawEntry};
use crate::psl::SuffixList;
use crate::target::Platform;

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The handles a program answers to with `--program`: handle, id, last URL segment.
pub fn handles(format: ImportFormat, p: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["handle", "id", "company_handle"] {
        if let Some(h) = s(p, key) {
            out.push(h.to_string());
        }
    }
    if format != ImportFormat::Intigriti {
        if let Some(u) = s(p, "url") {
            if let Some(last) = u.trim_end_matches('/').rsplit('/').next() {
                out.push(last.to_string());
            }
        }
    }
    out
}

/// The handle shown for a program (and used as its id).
pub fn main_handle(format: ImportFormat, p: &Value) -> String {
    match format {
        ImportFormat::Hackerone | ImportFormat::Intigriti | ImportFormat::Yeswehack => {
            s(p, "handle").or_else(|| s(p, "id")).map(str::to_string)
        }
        _ => None,
    }
    .or_else(|| handles(format, p).into_iter().last())
    .or_else(|| s(p, "name").map(str::to_string))
    .unwrap_or_else(|| "imported".to_string())
}

/// The platform a program's `url` points at, if it is one of the known ones.
fn platform_of_url(url: &str) -> Option<ImportFormat> {
    let host = url
        .split("://")
        .nth(1)?
        .split('/')
        .next()?
        .to_ascii_lowercase();
    let on = |d: &str| host == d || host.ends_with(&format!(".{d}"));
    [
        ("hackerone.com", ImportFormat::Hackerone),
        ("bugcrowd.com", ImportFormat::Bugcrowd),
        ("intigriti.com", ImportFormat::Intigriti),
        ("yeswehack.com", ImportFormat::Yeswehack),
        ("federacy.com", ImportFormat::Federacy),
    ]
    .into_iter()
    .find_map(|(d, f)| on(d).then_some(f))
}

/// The key that holds a target's text in each platform's file.
fn text_key(format: ImportFormat) -> &'static str {
    match format {
        ImportFormat::Hackerone => "asset_identifier",
        ImportFormat::Intigriti => "endpoint",
        _ => "target",
    }
}

/// Refuse a file of another platform (or another shape) instead of importing an empty program:
/// the programs' URLs name their platform, and the targets carry that platform's text key.
fn check_shape(format: ImportFormat, programs: &[Value], origin: &str) -> Result<(), String> {
    use crate::named::Named;
    let sample = &programs[..programs.len().min(50)];
    let mut votes: Vec<ImportFormat> = sample
        .iter()
        .filter_map(|p| s(p, "url").and_then(platform_of_url))
        .collect();
    votes.sort_by_key(|f| f.name());
    let most = votes
        .chunk_by(|a, b| a == b)
        .max_by_key(|c| c.len())
        .map(|c| c[0]);
    if let Some(other) = most.filter(|f| *f != format && !votes.contains(&format)) {
        return Err(format!(
            "{origin}: the programs in this file are on {} (their URLs say so), not {}: use `scopelint import {} ...`",
            other.name(),
            format.name(),
            other.name()
        ));
    }
    if let Some(i) = programs.iter().position(|p| !p.is_object()) {
        return Err(format!(
            "{origin}: element [{i}] of the array is not a program (a JSON object)"
        ));
    }
    if !sample.is_empty() && !sample.iter().any(|p| p.get("targets").is_some()) {
        return Err(format!(
            "{origin}: no program has `targets`, which every program of a bounty-targets-data file has"
        ));
    }
    if !sample.is_empty()
        && !sample
            .iter()
            .filter_map(|p| p.get("targets"))
            .any(|t| t.get("in_scope").is_some() || t.get("out_of_scope").is_some())
    {
        return Err(format!(
            "{origin}: no program's `targets` has `in_scope` or `out_of_scope`"
        ));
    }
    let targets: Vec<&Value> = sample
        .iter()
        .filter_map(|p| p.get("targets"))
        .flat_map(|t| ["in_scope", "out_of_scope"].map(|k| t.get(k)))
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .collect();
    let key = text_key(format);
    if !targets.is_empty() && !targets.iter().any(|t| t.get(key).is_some()) {
        return Err(format!(
            "{origin}: no target has `{key}`, which {} files give every target: is this another platform's file?",
            format.name()
        ));
    }
    Ok(())
}

/// The text and kind of one target, per platform.
pub(super) fn target_of(format: ImportFormat, t: &Value) -> TargetText {
    let ty = s(t, "asset_type")
        .or_else(|| s(t, "type"))
        .unwrap_or("")
        .to_string();
    let lower = ty.to_ascii_lowercase();
    let text = match format {
        ImportFormat::Hackerone => s(t, "asset_identifier"),
        ImportFormat::Intigriti => s(t, "endpoint"),
        _ => s(t, "target")
            .filter(|x| !x.trim().is_empty())
            .or_else(|| s(t, "uri")),
    }
    .unwrap_or("")
    .to_string();
    let kind = match lower.as_str() {
        "google_play_app_id" | "android" | "mobile-application-android" => {
            Kind::App(Platform::Android)
        }
        "apple_store_app_id" | "ios" | "mobile-application-ios" => Kind::App(Platform::Ios),
        "" | "url" | "wildcard" | "cidr" | "ip_address" | "iprange" | "website" | "api"
        | "web-application" | "network" | "other" | "application" => Kind::Any,
        _ => Kind::NotNetwork(ty.clone()),
    };
    let mut notes = Vec::new();
    if let Some(imp) = s(t, "impact").filter(|x| !x.is_empty()) {
        notes.push(format!("Impact: {imp}."));
    }
    if t.get("eligible_for_bounty") == Some(&Value::Bool(false)) {
        notes.push("Not eligible for bounty.".to_string());
    }
    if let Some(sev) = s(t, "max_severity").filter(|x| !x.is_empty()) {
        notes.push(format!("Max severity: {sev}."));
    }
    // Bugcrowd names each target; HackerOne and Intigriti attach instructions. Kept for
    // out-of-scope entries too (as the exclusion's note).
    let mut remarks = Vec::new();
    if let Some(label) = s(t, "name").filter(|x| !x.trim().is_empty() && x.trim() != text.trim()) {
        remarks.push(format!("Name: {}.", label.trim().trim_end_matches('.')));
    }
    for key in ["instruction", "description"] {
        if let Some(i) = s(t, key).filter(|x| !x.trim().is_empty()) {
            remarks.push(format!("Instructions: {}", i.trim()));
        }
    }
    notes.extend(remarks.iter().cloned());
    let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join(" "));
    TargetText {
        text,
        kind,
        note: join(notes),
        remarks: join(remarks),
    }
}

/// One target as read: its text and kind, the note for an asset (everything the platform says
/// about it), and the remarks kept for an exclusion (its name and instructions).
pub(super) struct TargetText {
    pub text: String,
    pub kind: Kind,
    pub note: Option<String>,
    pub remarks: Option<String>,
}

/// Parse a platform file into its programs, refusing a file of another shape or platform
/// ([`check_shape`]: the one detector, shared by single-program and whole-platform import).
pub fn parse_programs(
    format: ImportFormat,
    json: &str,
    origin: &str,
) -> Result<Vec<Value>, String> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| format!("{origin}:{}:{}: not valid JSON: {e}", e.line(), e.column()))?;
    let programs = match v {
        Value::Array(a) => a,
        _ => return Err(format!("{origin}: expected a JSON array of programs")),
    };
    check_shape(format, &programs, origin)?;
    Ok(programs)
}

/// Import one program of a platform file.
pub fn import_platform(
    format: ImportFormat,
    json: &str,
    origin: &str,
    program: Option<&str>,
    command: String,
    psl: &SuffixList,
) -> Result<Imported, String> {
    let programs = parse_programs(format, json, origin)?;
    let programs = &programs;
    let chosen: Vec<&Value> = match program {
        // The program's own handle first (Intigriti's company handle is shared by programs).
        Some(want)
            if programs
                .iter()
                .filter(|p| main_handle(format, p).eq_ignore_ascii_case(want))
                .count()
                == 1 =>
        {
            programs
                .iter()
                .filter(|p| main_handle(format, p).eq_ignore_ascii_case(want))
                .collect()
        }
        Some(want) => programs
            .iter()
            .filter(|p| {
                handles(format, p)
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(want))
                    || s(p, "name").is_some_and(|n| n.trim().eq_ignore_ascii_case(want.trim()))
            })
            .collect(),
        None => programs.iter().collect(),
    };
    let p = match chosen.as_slice() {
        [one] => *one,
        [] if program.is_some() => {
            return Err(format!(
                "{origin}: no program `{}` (match by handle, id, URL's last segment or name)",
                program.unwrap_or("")
            ))
        }
        [] => return Err(format!("{origin}: the file lists no programs")),
        many => {
            let sample: Vec<String> = many
                .iter()
                .take(5)
                .map(|p| main_handle(format, p))
                .collect();
            return Err(format!(
                "{origin}: {} programs match; choose one with --program HANDLE (e.g. {})",
                many.len(),
                sample.join(", ")
            ));
        }
    };
    import_program(format, p, origin, command, psl)
}

/// Import one program (an element of the platform file's array).
pub fn import_program(
    format: ImportFormat,
    p: &Value,
    origin: &str,
    command: String,
    psl: &SuffixList,
) -> Result<Imported, String> {
    let handle = main_handle(format, p);
    let name = s(p, "name").unwrap_or(&handle).to_string();
    let url = s(p, "url").map(str::to_string);
    let mut imp = Imported::new(&handle, &name, url, command);
    imp.program_notes = program_facts(p);
    let targets = p
        .get("targets")
        .ok_or_else(|| format!("{origin}: program `{handle}` has no `targets`"))?;
    for (key, excluded) in [("in_scope", false), ("out_of_scope", true)] {
        let list = match targets.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(format!(
                    "{origin}: `targets.{key}` of `{handle}` is not an array"
                ))
            }
        };
        for (i, t) in list.iter().enumerate() {
            let TargetText {
                text,
                kind,
                note,
                remarks,
            } = target_of(format, t);
            // HackerOne marks in-scope entries that may not be submitted.
            let excluded =
                excluded || t.get("eligible_for_submission") == Some(&Value::Bool(false));
            imp.add(
                RawEntry {
                    origin: format!("{key}[{i}]"),
                    text,
                    excluded,
                    kind,
                    note: if excluded { remarks } else { note },
                },
                psl,
            );
        }
    }
    Ok(imp)
}

/// What a platform says about the program as a whole (bounty range, payout, safe harbour,
/// disclosure), kept as a note: the rules model has no field for them.
fn program_facts(p: &Value) -> Vec<String> {
    let money = |v: &Value| match v {
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => {
            let value = o.get("value").filter(|x| !x.is_null())?;
            let cur = o.get("currency").and_then(Value::as_str).unwrap_or("");
            Some(format!("{value} {cur}").trim().to_string())
        }
        _ => None,
    };
    let mut out = Vec::new();
    for (key, label) in [
        ("min_bounty", "Minimum bounty"),
        ("max_bounty", "Maximum bounty"),
        ("max_payout", "Maximum payout"),
    ] {
        if let Some(m) = p.get(key).and_then(money) {
            out.push(format!("{label}: {m}."));
        }
    }
    for (key, yes, no) in [
        ("offers_bounties", "Offers bounties.", "Offers no bounties."),
        ("offers_awards", "Offers awards.", "Offers no awards."),
        (
            "allows_disclosure",
            "Allows disclosure.",
            "Does not allow disclosure.",
        ),
        ("managed_by_bugcrowd", "Managed by Bugcrowd.", ""),
    ] {
        match p.get(key) {
            Some(Value::Bool(true)) => out.push(yes.to_string()),
            Some(Value::Bool(false)) if !no.is_empty() => out.push(no.to_string()),
            _ => {}
        }
    }
    if let Some(h) = s(p, "safe_harbor").filter(|x| !x.is_empty()) {
        out.push(format!("Safe harbor: {h}."));
    }
    out
}
