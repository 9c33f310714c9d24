//! Credentials pasted into a draft. The patterns here are generic token formats (JWTs, bearer
//! tokens, `password=` values, private keys); formats that belong to one vendor (its session
//! cookies, its client-secret shape) come from the rules file's `secret_patterns`. A secret is
//! never printed in full: only its first characters and its length.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub kind: String,
    /// What to do about it.
    pub advice: String,
    /// Byte range of the secret value in the draft.
    pub range: Range<usize>,
    /// The first characters of the value (never more than 4).
    pub prefix: String,
    pub len: usize,
}

impl Secret {
    /// How the secret is shown in a snippet.
    pub fn redacted(&self) -> String {
        format!("{}…[REDACTED]", self.prefix)
    }
}

/// One way a secret looks: built in, or from a rules file's `secret_patterns`.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub kind: String,
    pub advice: String,
    pub re: Regex,
    /// Capture group holding the value (0: the whole match).
    pub group: usize,
}

fn p(kind: &str, advice: &str, re: &str, group: usize) -> Pattern {
    Pattern {
        kind: kind.to_string(),
        advice: advice.to_string(),
        re: Regex::new(re).expect("secret pattern"),
        group,
    }
}

const JWT_KIND: &str = "JSON Web Token";

/// Whether a JWT match is a header and claims whose signature the writer cut off
/// (`eyJ….eyJ…...REDACTED`, `eyJ….eyJ….…`): without a signature the token is not usable, and the
/// claims are what a report shows.
fn is_cut_jwt(v: &str, after: &str) -> bool {
    v.ends_with('.') && after.starts_with(['.', '\u{2026}', '[', '<', '*'])
}

const TOKEN_ADVICE: &str = "replace it with `<redacted>` (or show only the decoded, non-secret claims) and let it expire or revoke the session";

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    vec![
        p(
            "private key",
            "remove the key block and rotate the key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
            0,
        ),
        p(
            JWT_KIND,
            TOKEN_ADVICE,
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
            0,
        ),
        p(
            "bearer token",
            TOKEN_ADVICE,
            r"(?i)\bbearer\s+([A-Za-z0-9\-._~+/]{20,}=*)",
            1,
        ),
        p(
            "refresh token",
            "replace it with `<redacted>` and revoke it (sign out everywhere / revoke sessions for the test account)",
            r#"(?i)\brefresh[_ ]?token["']?\s*[:=]\s*["']?([A-Za-z0-9\-._~+/*!]{20,}=*)"#,
            1,
        ),
        p(
            "access or ID token",
            TOKEN_ADVICE,
            r#"(?i)\b(?:access[_ ]token|id[_ ]token)["']?\s*[:=]\s*["']?([A-Za-z0-9\-._~+/*!]{20,}=*)"#,
            1,
        ),
        // A token cache (MSAL's, and others') keeps each token under `"secret"`.
        p(
            "token from a token cache",
            TOKEN_ADVICE,
            r#"(?i)["']secret["']\s*:\s*["']([A-Za-z0-9\-._~+/*!]{20,}=*)"#,
            1,
        ),
        p(
            "Basic credentials",
            "replace it with `<redacted>` and change the test account's password (Basic credentials are the user name and password in base64)",
            r#"(?i)\bauthorization["']?\s*[:=]\s*["']?basic\s+([A-Za-z0-9+/]{8,}={0,2})"#,
            1,
        ),
        p(
            "client secret",
            "replace it with `<redacted>` and delete the secret from the app registration",
            r#"(?i)\bclient_?secret["']?\s*[:=]\s*["']?([^\s"'&,;<>]{8,})"#,
            1,
        ),
        p(
            "password",
            "replace it with `<redacted>` and change the test account's password",
            r#"(?i)\b(?:password|passwd|pwd|passcode)["']?\s*[:=]\s*["']?([^\s"'&,;]{4,})"#,
            1,
        ),
        // Prose: "the test account's password is `Winter2026!x`".
        p(
            "password",
            "replace it with `<redacted>` and change the test account's password",
            r#"(?i)\bpassword\b[^\n`"':=]{0,40}?\bis\s+[`"']([^`"'\s]{4,})[`"']"#,
            1,
        ),
    ]
});

/// Placeholders that are not secrets.
fn is_placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    let l = l.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    v.starts_with(['<', '{', '$', '*', '[', '%'])
        || v.chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '…' | '-' | '_'))
        || l.contains("redacted")
        || l.contains("removed")
        || l.contains("example")
        || l.contains("placeholder")
        || l.contains("your_")
        || l.contains("your-")
        || l == "password"
        || l == "secret"
        || l == "hidden"
        // JSON's and YAML's empty values: `"password": null`.
        || matches!(l, "null" | "none" | "true" | "false" | "undefined" | "empty")
}

/// Every secret in `text`, in order, without overlaps (the first, longest match wins): the
/// built-in formats first, then the program's own.
pub fn find(text: &str, program: &[Pattern]) -> Vec<Secret> {
    let mut found: Vec<Secret> = Vec::new();
    // The ranges taken so far, by start. They never overlap, so a new range overlaps one of
    // them exactly when it overlaps the last one starting before its end: one lookup, not a
    // scan of every earlier secret (that scan was quadratic in a draft full of tokens).
    let mut taken: std::collections::BTreeMap<usize, usize> = Default::default();
    for pat in PATTERNS.iter().chain(program) {
        for c in pat.re.captures_iter(text) {
            let Some(m) = c.get(pat.group) else { continue };
            let v = m.as_str();
            if is_placeholder(v) || (pat.kind == JWT_KIND && is_cut_jwt(v, &text[m.end()..])) {
                continue;
            }
            let range = m.range();
            if taken
                .range(..range.end)
                .next_back()
                .is_some_and(|(_, &end)| range.start < end)
            {
                continue;
            }
            taken.insert(range.start, range.end);
            found.push(Secret {
                kind: pat.kind.clone(),
                advice: pat.advice.clone(),
                prefix: v.chars().take(4).collect(),
                len: v.chars().count(),
                range,
            });
        }
    }
    found.sort_by_key(|s| s.range.start);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor formats the default program declares, as `lint` compiles them.
    fn program_patterns() -> Vec<Pattern> {
        let rules = crate::rules::ScopeRules::embedded(crate::psl::SuffixList::embedded()).unwrap();
        crate::lint::checks::LintRules::compile(&rules.programs[0])
            .unwrap()
            .secrets
    }

    const JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlc2lnbmF0dXJl";

    #[test]
    fn finds_each_kind_once_and_never_keeps_the_value() {
        let text = format!(
            "Authorization: Bearer {JWT}\nrefresh_token=0.AXEAabcdefghijklmnopqrstuvwxyz123456\nclient_secret=Abc8Q~abcdefghijklmnopqrstuvwxyz0123456\npassword: hunter2hunter2\nCookie: ESTSAUTHPERSISTENT=0.ARoAv4j5cvGGr0GRqy180BHbR8Hf\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"
        );
        let s = find(&text, &program_patterns());
        let kinds: Vec<_> = s.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec![
                "JSON Web Token",
                "refresh token",
                "client secret",
                "password",
                "session cookie",
                "private key"
            ]
        );
        assert_eq!(s[0].prefix, "eyJ0");
        assert_eq!(s[0].len, JWT.len());
        assert!(!s[0].redacted().contains("eyJ0eXAi"));
    }

    /// The shapes drafts paste secrets in besides `name=value`: a token named in prose, a
    /// token cache's `"secret"`, Basic credentials, a password given in a sentence.
    #[test]
    fn finds_secrets_written_in_prose_caches_and_basic_auth() {
        let text = "Refresh token: 0.AXoAabcdefghijklmnopqrstuvwxyz0123\n\
                    The access token = abcdefghijklmnopqrstuvwxyz0123\n\
                    {\"credential_type\": \"RefreshToken\", \"secret\": \"1.AWEBabcdefghijklmnopqrstuvwxyz\"}\n\
                    Authorization: Basic dXNlcjpodW50ZXIy\n\
                    The test account's password is `Winter2026!x`.\n";
        let s = find(text, &[]);
        let got: Vec<(&str, &str)> = s
            .iter()
            .map(|s| (s.kind.as_str(), &text[s.range.clone()]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("refresh token", "0.AXoAabcdefghijklmnopqrstuvwxyz0123"),
                ("access or ID token", "abcdefghijklmnopqrstuvwxyz0123"),
                (
                    "token from a token cache",
                    "1.AWEBabcdefghijklmnopqrstuvwxyz"
                ),
                ("Basic credentials", "dXNlcjpodW50ZXIy"),
                ("password", "Winter2026!x"),
            ]
        );
    }

    #[test]
    fn placeholders_are_not_secrets() {
        let text = "password: <redacted>\nclient_secret=********\nBearer <token>\nESTSAUTH=[REDACTED]\npassword=REDACTED\n\
                    {\"password\": null}\nThe password is `<redacted>`.\nThe refresh token is short: abc\n\
                    Authorization: Basic <base64>\n\
                    id_token: eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0...REDACTED\n\
                    eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.\u{2026}\n";
        assert_eq!(find(text, &program_patterns()), vec![]);
    }

    #[test]
    fn vendor_formats_come_from_the_rules_file() {
        let text = "Cookie: ESTSAUTHPERSISTENT=0.ARoAv4j5cvGGr0GRqy180BHbR8Hf\nsecret Abc8Q~abcdefghijklmnopqrstuvwxyz0123456\n";
        assert_eq!(find(text, &[]), vec![]);
        let kinds: Vec<String> = find(text, &program_patterns())
            .into_iter()
            .map(|s| s.kind)
            .collect();
        assert_eq!(kinds, vec!["session cookie", "client secret"]);
    }
}
