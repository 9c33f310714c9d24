//! The rules file as a program manager writes it: plain serde structs, one per YAML mapping.
//!
//! Every struct denies unknown keys so a typo is an error with its line, never a silently
//! ignored setting. Items that verdicts or diagnostics point back to are wrapped in
//! [`Spanned`] so the loader can say `file:line` for them.

use std::collections::BTreeMap;

/// `serde_saphyr::Spanned` in the library (`rules::Spanned`). `build.rs` compiles this file too,
/// with a `Spanned` of its own whose `Serialize` writes the locations, to write the embedded
/// program as JSON. Only there do these types derive `Serialize`: `build.rs` sets the cfg
/// `scopelint_crate` for the package's crates, not for itself (in the library, schemars would
/// add every field's default to the published schema, and serde-saphyr's `Spanned` would write
/// values without their locations).
pub use super::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;

/// One rules file: one bounty program.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Format version of this file (currently 1).
    pub schema_version: u32,
    pub program: ProgramMeta,
    /// What may be tested. A target is in scope only if an asset includes it and no
    /// exclusion, customer-owned suffix or uncertain entry takes it out again.
    #[serde(default)]
    #[schemars(with = "Vec<AssetDef>")]
    pub assets: Vec<Spanned<AssetDef>>,
    /// What may not be tested even when an asset covers it. Exclusions always win.
    #[serde(default)]
    #[schemars(with = "Vec<ExclusionDef>")]
    pub exclusions: Vec<Spanned<ExclusionDef>>,
    /// Hosts under these suffixes belong to customers (third-party / user content).
    #[serde(default)]
    #[schemars(with = "Option<CustomerOwnedDef>")]
    pub customer_owned: Option<Spanned<CustomerOwnedDef>>,
    /// Specifications the program covers, with their status.
    #[serde(default)]
    #[schemars(with = "Vec<StandardDef>")]
    pub standards: Vec<Spanned<StandardDef>>,
    /// Credential formats of the program's vendor that `lint` must catch in a draft (session
    /// cookies, client-secret shapes), on top of the built-in generic token formats.
    #[serde(default)]
    #[schemars(with = "Vec<SecretPatternDef>")]
    pub secret_patterns: Vec<Spanned<SecretPatternDef>>,
    /// Vulnerability classes the program does not reward, with detection patterns for `lint`.
    #[serde(default)]
    #[schemars(with = "Vec<ClassDef>")]
    pub excluded_classes: Vec<Spanned<ClassDef>>,
    /// What researchers must not do, with detection patterns for `lint`.
    #[serde(default)]
    #[schemars(with = "Vec<RoeDef>")]
    pub rules_of_engagement: Vec<Spanned<RoeDef>>,
    /// Required sections of a report, recognised by heading.
    #[serde(default)]
    #[schemars(with = "Vec<SectionDef>")]
    pub report_sections: Vec<Spanned<SectionDef>>,
    /// The marker test accounts and tenants must carry.
    #[serde(default)]
    #[schemars(with = "Option<TestNamingDef>")]
    pub test_naming: Option<Spanned<TestNamingDef>>,
    /// Which specifications and implementations pay standards awards (read by `lint`).
    #[serde(default)]
    #[schemars(with = "Option<StandardsPolicyDef>")]
    pub standards_policy: Option<Spanned<StandardsPolicyDef>>,
    /// Award tables: impact x severity x report quality.
    #[serde(default)]
    #[schemars(with = "Option<AwardsDef>")]
    pub awards: Option<Spanned<AwardsDef>>,
    /// Default pacing for `probe` and `proxy`.
    #[serde(default)]
    #[schemars(with = "Option<ProbeDef>")]
    pub probe: Option<Spanned<ProbeDef>>,
    /// Targets with their expected verdict, run by `scopelint rules test` and `cargo test`.
    #[serde(default)]
    #[schemars(with = "Vec<ExampleDef>")]
    pub examples: Vec<Spanned<ExampleDef>>,
    /// How `lint` reads prose: named concepts (sets of terms) that `match` / `unless` of
    /// excluded classes and rules of engagement combine, negation and hedging triggers, and
    /// which report sections are (or are not) evidence of a finding's class.
    #[serde(default)]
    #[schemars(with = "Option<ProseDef>")]
    pub prose: Option<Spanned<ProseDef>>,
}

/// The prose-matching model of `lint`. A *term* is a word or phrase matched on whole words,
/// case-insensitively, after simple English suffix stripping (`replayed`, `replays` and
/// `replaying` all match `replay`); a word ending in `*` matches any word it begins
/// (`enumerat*`); hyphens separate words (`denial-of-service` = `denial of service`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ProseDef {
    /// Named sets of terms (synonyms, abbreviations, spelling variants). A `match` or
    /// `unless` item that names a concept stands for any of its terms; any other item is a
    /// term itself.
    #[serde(default)]
    pub concepts: BTreeMap<String, Vec<String>>,
    /// Negation scope in the spirit of NegEx: a term is negated when a `pre` trigger comes
    /// before it (or a `post` trigger after it) within `window` words of the same clause.
    #[serde(default)]
    #[schemars(with = "Option<NegationDef>")]
    pub negation: Option<Spanned<NegationDef>>,
    /// Hedging triggers (`might`, `could potentially`): a class matched in their scope is
    /// reported as a warning, not an error. Same scope rules as `negation.pre`.
    #[serde(default)]
    pub hedges: Vec<String>,
    /// Case-insensitive regexes on headings: sections whose text is not evidence of the
    /// finding's class (quoted program rules, "what I did not do", references).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub ignore_sections: Vec<Spanned<String>>,
    /// Case-insensitive regexes on headings: sections that state the finding's class (the
    /// impact). With the title and the description's first sentence, these are the
    /// evidence; a class matched only elsewhere is a warning ("mentioned in passing").
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub evidence_sections: Vec<Spanned<String>>,
}

/// Negation triggers (see [`ProseDef::negation`]).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct NegationDef {
    /// Triggers that negate what follows them (`not`, `no`, `without`, `did not`).
    #[serde(default)]
    pub pre: Vec<String>,
    /// Triggers that negate what precedes them (`was ruled out`, `is not possible`).
    #[serde(default)]
    pub post: Vec<String>,
    /// Phrases that contain a trigger but do not negate (`not only`, `no longer`).
    #[serde(default)]
    pub pseudo: Vec<String>,
    /// Terms that end a trigger's scope (`but`, `however`, `which`, `;`, `,`).
    #[serde(default)]
    pub terminators: Vec<String>,
    /// How many words a trigger reaches (default 6).
    #[serde(default)]
    pub window: Option<u32>,
}

/// A volume threshold for a rule of engagement: "N requests" with N below `min` is not
/// high traffic, and a sentence stating it does not break the rule; N at or above `min` does.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct VolumeDef {
    /// The smallest count that breaks the rule.
    pub min: u64,
    /// Terms or concepts for what is counted (`requests`, `attempts`), right after the number.
    pub units: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ProgramMeta {
    /// Short stable handle, e.g. `microsoft-identity`.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    /// Date of the program page revision this file encodes (YYYY-MM-DD).
    pub revision: String,
    /// The page's revision history, oldest first.
    #[serde(default)]
    pub history: Vec<RevisionDef>,
    /// Ports a target may use when an asset does not list its own (empty: any port).
    #[serde(default)]
    pub default_ports: Vec<u16>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct RevisionDef {
    pub date: String,
    pub change: String,
}

/// Something that may be tested.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct AssetDef {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    /// Exact hosts (`login.live.com`) or wildcards (`*.b2clogin.com`, subdomains at any depth).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub hosts: Vec<Spanned<String>>,
    /// Whether `*.example.com` also covers `example.com` itself. Required when `hosts` has a
    /// wildcard: the page must be read for it, not guessed.
    #[serde(default)]
    pub include_apex: Option<bool>,
    /// IP ranges in CIDR notation.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cidrs: Vec<Spanned<String>>,
    /// Mobile apps by platform and store id.
    #[serde(default)]
    #[schemars(with = "Vec<AppDef>")]
    pub apps: Vec<Spanned<AppDef>>,
    /// When present, only these API paths on the hosts are in scope.
    #[serde(default)]
    #[schemars(with = "Option<PathRuleDef>")]
    pub paths: Option<Spanned<PathRuleDef>>,
    /// Ports allowed for this asset (overrides `program.default_ports`).
    #[serde(default)]
    pub ports: Option<Vec<u16>>,
    /// Which award table pays for findings on this asset.
    #[serde(default)]
    pub award_table: Option<String>,
    /// Shown with in-scope verdicts: conditions the page attaches to this asset.
    #[serde(default)]
    pub note: Option<String>,
}

/// Something that is out of scope even when an asset covers it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ExclusionDef {
    pub id: String,
    /// One sentence, shown as the verdict's reason.
    pub reason: String,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub hosts: Vec<Spanned<String>>,
    #[serde(default)]
    pub include_apex: Option<bool>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cidrs: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<AppDef>")]
    pub apps: Vec<Spanned<AppDef>>,
    /// With `hosts`: only these paths are excluded.
    #[serde(default)]
    #[schemars(with = "Option<PathRuleDef>")]
    pub paths: Option<Spanned<PathRuleDef>>,
    /// The program text leaves this uncertain: never in scope until the program says so.
    #[serde(default)]
    pub uncertain: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct AppDef {
    /// `android` or `ios`.
    pub platform: String,
    /// Android package name, iOS bundle id or App Store numeric id.
    pub id: String,
    /// Only this feature of the app is in scope, not the app as a whole. A target must name it
    /// (`android:<package>#<feature>`); the bare app id is out of scope with a reason saying so.
    #[serde(default)]
    pub feature: Option<String>,
}

/// API paths on a host: whole-segment prefixes after an optional version segment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct PathRuleDef {
    /// Allowed values of the first path segment (e.g. `v1.0`); empty means no version segment.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Compare segments without regard to ASCII case.
    #[serde(default)]
    pub case_insensitive: bool,
    /// Path prefixes rewritten before matching, e.g. `/me` -> `/users/{id}`.
    #[serde(default)]
    pub aliases: Vec<PathAliasDef>,
    /// Path prefixes (after the version segment); `{id}` matches any one segment, and a `*`
    /// inside a segment matches any run of characters within that segment (`b2c_1*`).
    #[schemars(with = "Vec<String>")]
    pub prefixes: Vec<Spanned<String>>,
    /// Query parameters the target must also carry (all of them), e.g. `{name: p, value:
    /// "b2c_1*"}`. A parameter given more than once must match every time.
    #[serde(default)]
    pub query: Vec<QueryParamDef>,
}

/// A query parameter condition: the decoded value matches `value` (`*` matches any run).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct QueryParamDef {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct PathAliasDef {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct CustomerOwnedDef {
    /// Rule id used in verdicts.
    pub id: String,
    pub reason: String,
    /// Treat every private-section entry of the Public Suffix List as customer-owned.
    #[serde(default)]
    pub psl_private: bool,
    /// Further suffixes whose subdomains belong to customers.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub suffixes: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct StandardDef {
    pub id: String,
    pub title: String,
    /// Standards body: `openid`, `ietf`, `w3c`, ...
    pub body: String,
    /// `final`, `draft`, `implementers-draft`, `candidate`, `internet-draft`, `rfc`.
    pub status: String,
    /// Whether the program lists this specification as certified (in scope for standards awards).
    pub certified: bool,
    /// Patterns (case-insensitive regexes) that recognise this specification in a draft.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub final_since: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ClassDef {
    pub id: String,
    pub title: String,
    /// `error` (default), `warning` or `info`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub severity: Option<Spanned<String>>,
    /// Case-insensitive regexes; any match puts a draft in this class.
    #[schemars(with = "Vec<String>")]
    pub patterns: Vec<Spanned<String>>,
    /// When one of these also matches, the finding may still qualify: report `chained_message`
    /// as a warning instead of an error (e.g. an open redirect chained into token theft).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub chained_patterns: Vec<Spanned<String>>,
    #[serde(default)]
    pub chained_message: Option<String>,
    /// Concept rules: each item is a list of concepts (or terms) that must all occur in one
    /// sentence, in any order, not negated. Any rule matching puts the sentence in this class.
    #[serde(default, rename = "match")]
    #[schemars(with = "Vec<Vec<String>>")]
    pub match_rules: Vec<Spanned<Vec<String>>>,
    /// Concept rules for the program's own exceptions: when one matches anywhere in the
    /// draft (not negated), the class is a warning with `unless_message`, not an error.
    #[serde(default)]
    #[schemars(with = "Vec<Vec<String>>")]
    pub unless: Vec<Spanned<Vec<String>>>,
    /// The page's wording of the exception, shown when an `unless` rule matched.
    #[serde(default)]
    pub unless_message: Option<String>,
    /// The page's words for this exclusion.
    #[serde(default)]
    pub quote: Option<String>,
}

/// A credential format: a regex over the draft, and what to do when it matches.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct SecretPatternDef {
    pub id: String,
    /// What it is, as the diagnostic names it (`session cookie`).
    pub kind: String,
    /// A regex (case-sensitive unless it says `(?i)`).
    #[schemars(with = "String")]
    pub pattern: Spanned<String>,
    /// The capture group holding the secret value (0: the whole match).
    #[serde(default)]
    pub group: usize,
    /// What the writer should do (redact, revoke, rotate).
    pub advice: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct RoeDef {
    pub id: String,
    /// The rule as the page states it.
    pub text: String,
    /// Case-insensitive regexes that indicate a draft describes breaking this rule.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub patterns: Vec<Spanned<String>>,
    /// Concept rules (as for excluded classes) that indicate breaking this rule.
    #[serde(default, rename = "match")]
    #[schemars(with = "Vec<Vec<String>>")]
    pub match_rules: Vec<Spanned<Vec<String>>>,
    /// Concepts or terms naming the researcher (`I`, `we`): when set, a sentence counts only
    /// if it also names the researcher, so an attack scenario is not the tester's action.
    #[serde(default)]
    pub actor: Vec<String>,
    /// Concept rules that take a sentence out of this rule (an MFA-fatigue attack is not
    /// denial-of-service testing).
    #[serde(default)]
    #[schemars(with = "Vec<Vec<String>>")]
    pub unless: Vec<Spanned<Vec<String>>>,
    /// A volume threshold: counts below it are not a breach of this rule.
    #[serde(default)]
    #[schemars(with = "Option<VolumeDef>")]
    pub volume: Option<Spanned<VolumeDef>>,
}

/// Which standards findings the program pays for. Without this section, any standard marked
/// `certified: true` pays and every implementation counts.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct StandardsPolicyDef {
    /// Standards bodies whose specifications can pay (e.g. `[openid]`); empty: any body.
    #[serde(default)]
    pub paid_bodies: Vec<String>,
    /// Display names of bodies for messages (`ietf: IETF`).
    #[serde(default)]
    pub body_names: BTreeMap<String, String>,
    /// Statuses that can pay (e.g. `[final]`); empty: any status.
    #[serde(default)]
    pub paid_statuses: Vec<String>,
    /// The products whose implementation is certified, by the assets that serve them. A
    /// standards finding whose in-scope targets are all on other assets gets a warning.
    #[serde(default)]
    #[schemars(with = "Vec<CertifiedImplementationDef>")]
    pub certified_implementations: Vec<Spanned<CertifiedImplementationDef>>,
    /// The page's words for the limitation.
    #[serde(default)]
    pub quote: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct CertifiedImplementationDef {
    pub title: String,
    /// Ids of the assets that serve this implementation.
    pub assets: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    pub id: String,
    pub title: String,
    /// `error`, `warning` or `info`.
    #[schemars(with = "String")]
    pub severity: Spanned<String>,
    /// Case-insensitive regexes matched against heading text.
    #[schemars(with = "Vec<String>")]
    pub headings: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct TestNamingDef {
    /// The string test accounts and tenants must contain, e.g. `MSOBB`.
    pub marker: String,
    #[serde(default)]
    pub case_insensitive: bool,
    /// What must carry it: `accounts`, `tenants`.
    #[schemars(with = "Vec<String>")]
    pub applies_to: Vec<Spanned<String>>,
    /// The marker on an account's name or on its tenant's name satisfies the rule for both
    /// ("account name and/or tenant name"); otherwise each account and tenant needs it.
    #[serde(default)]
    pub account_or_tenant: bool,
    /// Domain suffixes whose first label is a tenant name (e.g. `onmicrosoft.com`).
    #[serde(default)]
    pub tenant_suffixes: Vec<String>,
    /// Addresses a draft may mention that are not test accounts (the program's own contacts):
    /// `name@example.com`, or `*@example.com` for every address at that domain.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub not_accounts: Vec<Spanned<String>>,
    #[serde(default)]
    pub quote: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct AwardsDef {
    pub currency: String,
    /// Severity columns, highest first.
    pub severities: Vec<String>,
    /// Report-quality rows, highest first.
    pub qualities: Vec<String>,
    /// How `lint` estimates the report quality of a draft that declares none: each level (ids
    /// from `qualities`, highest first) with the ingredients it needs. Without it, no estimate.
    #[serde(default)]
    pub quality_levels: Vec<QualityLevelDef>,
    #[schemars(with = "Vec<AwardTableDef>")]
    pub tables: Vec<Spanned<AwardTableDef>>,
}

/// A report-quality level and what a draft must show to reach it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct QualityLevelDef {
    /// One of `awards.qualities`.
    pub id: String,
    /// Ingredients: `repro` (reproduction steps), `poc` (a proof of concept), `root_cause`.
    #[serde(default)]
    pub needs: Vec<String>,
    /// The program's definition of the level.
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct AwardTableDef {
    pub id: String,
    pub title: String,
    #[schemars(with = "Vec<ImpactDef>")]
    pub impacts: Vec<Spanned<ImpactDef>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ImpactDef {
    pub id: String,
    pub title: String,
    /// severity -> quality -> amount.
    pub awards: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ProbeDef {
    /// Global request rate, e.g. `1/s`, `30/min`.
    pub rate: String,
    /// Rate per host, e.g. `1/s` (default: `rate`).
    #[serde(default)]
    pub per_host_rate: Option<String>,
    /// Requests allowed back to back before pacing applies (default 1).
    #[serde(default)]
    pub burst: Option<u32>,
    /// Why this rate.
    #[serde(default)]
    pub reason: Option<String>,
    /// Identification headers the program requires, as `Name: value` (e.g.
    /// `X-Bug-Bounty: alice`, `User-Agent: alice-research`). `probe`, `proxy` and `run` add
    /// them to every request whose host is in this program's scope, and to no other request;
    /// they cannot be added inside HTTPS tunnels. Not for credentials or connection headers:
    /// `Authorization`, `Cookie`, `Host`, `Content-Length`, `Connection`, `Proxy-*` and other
    /// hop-by-hop headers are refused.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub headers: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[cfg_attr(not(scopelint_crate), derive(serde::Serialize))]
#[serde(deny_unknown_fields)]
pub struct ExampleDef {
    pub target: String,
    /// `in-scope`, `out-of-scope` or `invalid`.
    pub verdict: String,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub award_table: Option<String>,
    /// The id of the rule expected to decide.
    #[serde(default)]
    pub rule: Option<String>,
}

/// The parts of an asset or exclusion that say what it covers, as written: hosts,
/// `include_apex`, CIDRs, apps, paths.
#[cfg(scopelint_crate)]
pub(crate) type CoverageDefs<'d> = (
    &'d [Spanned<String>],
    Option<bool>,
    &'d [Spanned<String>],
    &'d [Spanned<AppDef>],
    Option<&'d Spanned<PathRuleDef>>,
);

/// `coverage()` on assets and exclusions, which hold the same five fields.
macro_rules! coverage {
    ($($def:ty),*) => {$(
        #[cfg(scopelint_crate)]
        impl $def {
            /// What it covers, as written.
            pub(crate) fn coverage(&self) -> CoverageDefs<'_> {
                let paths = self.paths.as_ref();
                (&self.hosts, self.include_apex, &self.cidrs, &self.apps, paths)
            }
        }
    )*};
}
coverage!(AssetDef, ExclusionDef);
