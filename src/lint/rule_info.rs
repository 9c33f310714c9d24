//! Rule metadata: one entry per stable rule id, used by `--explain`, SARIF rule metadata and
//! suppression checking.

use super::{rule, Severity};

pub struct RuleInfo {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub help: &'static str,
}

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: rule::TARGET_OUT_OF_SCOPE,
        severity: Severity::Error,
        summary: "A declared target is not in scope, or no target in the draft is in scope.",
        help: "Every `targets:` entry in the front matter is classified like `scopelint check` does; each one that is not in scope is an error carrying the verdict and its reason. Without `targets:`, the URLs, host names and app ids found in the text are classified, and it is an error when none of them is in scope. Fix: test and report only in-scope assets, or correct the target (exact host, listed API path, an allowed port).",
    },
    RuleInfo {
        id: rule::MISSING_TARGET,
        severity: Severity::Warning,
        summary: "Nothing says what the finding is against.",
        help: "The draft declares no `targets:` and its text holds no URL, host name or app id. Add `targets:` to the front matter, in the syntax `scopelint check` accepts.",
    },
    RuleInfo {
        id: rule::EXCLUDED_CLASS,
        severity: Severity::Error,
        summary: "The finding belongs to a vulnerability class the program excludes.",
        help: "The text matches the patterns of an `excluded_classes` entry of the rules file (denial of service, clickjacking on static pages, missing security headers or cookie flags, subdomain takeover, cookie replay, open redirect on its own, account policies, user or tenant enumeration, server-side information disclosure, low-impact CSRF, unsupported browsers, physical access, rooted devices, third-party code, scanner output, documentation fixes, ...). Classes marked `severity: warning` may still qualify. An open redirect that the draft chains into token or code theft is a warning: the report must show the whole chain. The text is read as sentences (the rules file's `prose` model): a class stated in the title, the first sentence of the description or the impact section is an error; one named in passing, hedged (`might`, `potentially`) or answered by the class's `unless` exception is a warning; a negated mention (`not an open redirect`) is nothing; block quotes, code and sections like \"Out of scope\" are not read. `scopelint lint --explain excluded-class DRAFT.md` shows each sentence's reading.",
    },
    RuleInfo {
        id: rule::MISSING_SECTION,
        severity: Severity::Error,
        summary: "A required report section is missing.",
        help: "Each `report_sections` entry must appear as a heading (`#` / setext heading, or a line that is only bold text) or a label opening a line outside lists and code (`**Impact:** …`, `Impact: …`, a line that is only `Steps to reproduce:`) matching one of its patterns: for the default program a description (Summary, Overview, Details), steps to reproduce (Steps, Repro, PoC) and the impact are errors; the attack vector is a warning.",
    },
    RuleInfo {
        id: rule::TEST_NAMING,
        severity: Severity::Warning,
        summary: "A test account or tenant lacks the program's test marker.",
        help: "Accounts and tenants from `accounts:` / `tenants:` and those found in the text (e-mail addresses; `<name>.<tenant suffix>` host names for the rules file's `test_naming.tenant_suffixes`, also as the domain of an address) must carry the `test_naming.marker` of the rules file, case-insensitively when the rules say so. An account passes when its name or its tenant carries the marker; with `account_or_tenant`, a tenant passes when a marked account in it is named. Addresses listed in `test_naming.not_accounts` (the program's contacts) are not accounts when found in the text. Each offending name is its own warning.",
    },
    RuleInfo {
        id: rule::UNCERTIFIED_STANDARD,
        severity: Severity::Error,
        summary: "A standards impact about a specification that is not certified and final.",
        help: "With `impact: standards-design` or `standards-implementation`, the specification (`standard:` in the front matter, else the ones the text names) must be one the program lists as certified, from a body and with a status the rules file's `standards_policy` pays (`paid_bodies`, `paid_statuses`). When the policy lists `certified_implementations`, a standards finding whose in-scope targets are all on other assets is a warning: findings in non-certified implementations do not qualify.",
    },
    RuleInfo {
        id: rule::SECRET,
        severity: Severity::Error,
        summary: "A credential is pasted into the draft.",
        help: "JWTs and bearer tokens, refresh, access and ID tokens (`refresh_token=` or named in prose), a token cache's `\"secret\"` values, `Authorization: Basic` credentials, `client_secret=` and `password=`-style values, a password given in a sentence (\"the password is `…`\") and private keys, plus the vendor formats of the rules file's `secret_patterns` (session cookies, client-secret shapes). The message shows only the first four characters and the length. Replace the value with `<redacted>` and revoke or rotate it; placeholders like `<redacted>` or `****` are not reported.",
    },
    RuleInfo {
        id: rule::ROE,
        severity: Severity::Error,
        summary: "The draft describes something the rules of engagement forbid.",
        help: "The text matches a `rules_of_engagement` pattern: denial-of-service or load testing, accessing data that is not wholly your own, going beyond proof of concept for server-side execution (e.g. running xp_cmdshell), automated testing that generates significant traffic, phishing or social engineering. Sentences are read as for excluded-class (negation, hedges, ignored sections); a rule may also require the researcher as the actor and a volume (e.g. at least 1000 requests) before it applies.",
    },
    RuleInfo {
        id: rule::AWARD,
        severity: Severity::Info,
        summary: "The award the draft can expect from the program's tables.",
        help: "impact x severity x report quality from the `awards` tables; the table comes from the asset of each in-scope target. When the targets sit on different tables the award of each table is shown, and the JSON `award` is the one that pays least (`awards` lists every table's). An ineligible finding (an excluded-class error, an uncertified or unlisted standard, no target in scope) gets $0 with the reason (JSON `ineligible`); errors the writer can fix (a pasted secret, a missing section or marker) keep the award. A suppressed error (a comment with its reason) does not make the finding ineligible; a rule disabled by `--disable` or `lint.disable` only hides its diagnostics, and the finding stays ineligible. With `quality:` the figure is exact; without it the range over report quality is given together with an estimate: Low = enough to reproduce (a Steps section or a numbered list), Medium = plus a proof of concept (a code block or PoC section), High = plus a root-cause analysis. Moderate and low severity pay $0.",
    },
    RuleInfo {
        id: rule::UNUSED_SUPPRESSION,
        severity: Severity::Warning,
        summary: "A suppression comment suppresses nothing.",
        help: "`<!-- scopelint-disable-next-line RULE: reason -->` applies to the line after the comment, `<!-- scopelint-disable RULE: reason -->` to the whole file. `<!-- scopelint-disable-title RULE: reason -->` to the draft's title. One that matches no diagnostic, or names an unknown rule, is reported so stale suppressions do not pile up.",
    },
    RuleInfo {
        id: rule::SUPPRESSION_WITHOUT_REASON,
        severity: Severity::Warning,
        summary: "A suppression comment gives no reason.",
        help: "Write the reason after a colon: `<!-- scopelint-disable-next-line excluded-class: the redirect is chained into code theft below -->`.",
    },
    RuleInfo {
        id: rule::INVALID_FRONT_MATTER,
        severity: Severity::Error,
        summary: "The front matter cannot be read or has an unknown key or value.",
        help: "Front matter is YAML between `---` lines at the very top. Known keys: program, title, targets, impact, severity, quality, standard, accounts, tenants. The singular `target`, `account` and `tenant` are read as the plural keys. `program` must name a program of the rules. `impact`, `severity` and `quality` must be ids from the program's award tables.",
    },
    RuleInfo {
        id: rule::UNREADABLE_DRAFT,
        severity: Severity::Error,
        summary: "A draft that cannot be read as text (not UTF-8).",
        help: "The draft is reported at the first byte that is not UTF-8 and nothing else in it is checked; the other drafts of the run are linted as usual. Save the file as UTF-8.",
    },
    RuleInfo {
        id: rule::ASSET_NOTE,
        severity: Severity::Info,
        summary: "A condition the program attaches to an asset a target relies on.",
        help: "When a target of the draft is in scope through an asset with a `note` in the rules file (an app of which only one feature is in scope, API paths whose findings must still argue a particular impact, the table a legacy URL is paid from), the note is shown once per asset, at the target, so the report can address it.",
    },
    RuleInfo {
        id: rule::NEVER_REQUESTED,
        severity: Severity::Warning,
        summary: "With --audit-log: a target or URL of the draft was never requested in this session.",
        help: "`lint --audit-log FILE` looks up every declared target and every URL in the draft in the audit log of the session (`probe`, `proxy`, `run`). A URL needs a `sent` entry with the same scheme, host, port and path (the query is not compared); a declared host needs any sent request to it. A target no entry shows as sent and in scope is a warning: the signature of an endpoint that was invented rather than tested. When only an HTTPS tunnel (`CONNECT`) to the host was sent, it is an info: a tunnel carries only the host, so it vouches for the host, not the path. Fix: reproduce the step through scopelint with the audit log on, or correct the URL.",
    },
    RuleInfo {
        id: rule::REFUSED_REQUEST,
        severity: Severity::Error,
        summary: "With --audit-log: the log shows the request to a target of the draft refused.",
        help: "The audit log of the session has a `refused` entry for this URL or host (out of scope, excluded, an internal address, a tunnel that was not TLS to that host) and no `sent` one: the finding cannot rest on a request that was never sent. Refusals for pacing or the budget (`rate-limit`, `request-budget`, `host-stopped`) do not count here; they leave the target unrequested.",
    },
];

pub fn is_rule(id: &str) -> bool {
    RULES.iter().any(|r| r.id == id)
}

pub fn info(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}
