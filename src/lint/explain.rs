//! `--explain RULE`: a rule's metadata with what the loaded program fills in (its classes,
//! sections, certified specifications, marker).

use super::checks::LintRules;
use super::rule;
pub use super::rule_info::{info, is_rule, RuleInfo, RULES};
use crate::rules::Program;

/// The text of `scopelint lint --explain ID`: a rule id, or the id of an excluded class, a rule
/// of engagement or a report section of the program. `None` if unknown.
pub fn explain(id: &str, program: &Program, rules: &LintRules) -> Option<String> {
    // The program's ids, titles and texts in a list are one line each: escaped where they are
    // put, so that none, not even one holding a `\n`, makes a line that looks like the list's.
    let p = |text: &str| crate::text::printable(text).into_owned();
    if let Some(r) = info(id) {
        let mut s = format!("{} ({})\n\n{}\n\n{}\n", r.id, r.severity, r.summary, r.help);
        let list = |title: &str, items: Vec<String>| -> String {
            if items.is_empty() {
                String::new()
            } else {
                format!("\n{title} ({}):\n{}\n", p(program.id()), items.join("\n"))
            }
        };
        match r.id {
            rule::EXCLUDED_CLASS => s.push_str(&list(
                "Excluded classes",
                rules
                    .classes
                    .iter()
                    .map(|c| format!("  {:<36} {} [{}]", p(&c.id), p(&c.title), c.severity))
                    .collect(),
            )),
            rule::ROE => s.push_str(&list(
                "Rules of engagement",
                rules
                    .roe
                    .iter()
                    .map(|r| format!("  {:<36} {}", p(&r.id), p(r.text.trim_end())))
                    .collect(),
            )),
            rule::MISSING_SECTION => s.push_str(&list(
                "Sections",
                rules
                    .sections
                    .iter()
                    .map(|x| format!("  {:<36} {} [{}]", p(&x.id), p(&x.title), x.severity))
                    .collect(),
            )),
            rule::UNCERTIFIED_STANDARD => s.push_str(&list(
                "Certified specifications",
                rules
                    .standards
                    .iter()
                    .filter(|x| rules.standards_policy.problem(x).is_none())
                    .map(|x| format!("  {:<36} {}", p(&x.id), p(&x.title)))
                    .collect(),
            )),
            rule::TEST_NAMING => {
                if let Some(n) = &rules.naming {
                    s.push_str(&format!(
                        "\nMarker ({}): `{}`{}{}\n",
                        p(program.id()),
                        p(&n.marker),
                        if n.case_insensitive {
                            " (case-insensitive)"
                        } else {
                            ""
                        },
                        if n.account_or_tenant {
                            "; on the account or on its tenant"
                        } else {
                            ""
                        }
                    ));
                    if !n.tenant_suffixes.is_empty() {
                        s.push_str(&format!(
                            "Tenant names: the first label under {}\n",
                            n.tenant_suffixes
                                .iter()
                                .map(|t| format!("`{}`", p(t)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    if !n.not_accounts.is_empty() {
                        s.push_str(&format!(
                            "Not accounts (the program's contacts): {}\n",
                            n.not_accounts
                                .iter()
                                .map(|(l, d)| format!(
                                    "`{}@{}`",
                                    p(l.as_deref().unwrap_or("*")),
                                    p(d)
                                ))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
            }
            rule::SECRET => s.push_str(&list(
                "Vendor formats",
                rules
                    .secrets
                    .iter()
                    .map(|s| format!("  {:<36} {}", p(&s.kind), p(&s.advice)))
                    .collect(),
            )),
            _ => {}
        }
        return Some(s);
    }
    if let Some(c) = rules.classes.iter().find(|c| c.id == id) {
        return Some(format!(
            "{id}: excluded class of {} (reported as `excluded-class`, {})\n\n{}\n{}{}",
            p(program.id()),
            c.severity,
            c.title,
            c.quote
                .as_deref()
                .map(|q| format!("\nThe program says: \"{q}\"\n"))
                .unwrap_or_default(),
            c.chained_message
                .as_deref()
                .map(|m| format!("\nWhen chained: {m}\n"))
                .unwrap_or_default(),
        ));
    }
    if let Some(r) = rules.roe.iter().find(|r| r.id == id) {
        return Some(format!(
            "{id}: rule of engagement of {} (reported as `roe`, error)\n\n{}\n",
            p(program.id()),
            r.text
        ));
    }
    None
}
