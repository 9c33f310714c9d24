//! Test-account hygiene: decode a bearer token's claims (no signature check: this is about the
//! researcher's own token) and check that the account and tenant carry the program's test
//! naming marker (`test_naming` in the rules file, `MSOBB` for Microsoft).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::rules::model::TestNamingDef;

/// Claims that name the account.
pub const ACCOUNT_CLAIMS: &[&str] = &["upn", "unique_name", "preferred_username", "email"];

/// The bearer token in an `Authorization` header value, if it looks like a JWT.
pub fn bearer_jwt(header_value: &str) -> Option<&str> {
    let v = header_value.trim();
    let (scheme, token) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (token.split('.').count() == 3).then_some(token)
}

/// Decode the claims (payload) of a JWT without verifying it.
pub fn decode_claims(jwt: &str) -> Result<Map<String, Value>, String> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or("the token is not a JWT (no payload part)")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("the token payload is not base64url: {e}"))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("the token payload is not a JSON object".into()),
        Err(e) => Err(format!("the token payload is not JSON: {e}")),
    }
}

fn contains_marker(text: &str, naming: &TestNamingDef) -> bool {
    if naming.case_insensitive {
        text.to_lowercase().contains(&naming.marker.to_lowercase())
    } else {
        text.contains(&naming.marker)
    }
}

/// Problems with the token's test naming, one sentence each (empty: the token is fine).
pub fn check_marker(claims: &Map<String, Value>, naming: &TestNamingDef) -> Vec<String> {
    let marker = &naming.marker;
    let applies = |what: &str| {
        naming
            .applies_to
            .iter()
            .any(|a| a.value.eq_ignore_ascii_case(what))
    };
    let mut problems = Vec::new();
    let accounts: Vec<(&str, &str)> = ACCOUNT_CLAIMS
        .iter()
        .filter_map(|c| claims.get(*c).and_then(Value::as_str).map(|v| (*c, v)))
        .collect();
    if applies("accounts") {
        if accounts.is_empty() {
            problems.push(format!(
                "the token names no account ({}): cannot check for the test marker `{marker}`",
                ACCOUNT_CLAIMS.join(", ")
            ));
        }
        for (claim, value) in &accounts {
            if !contains_marker(value, naming) {
                problems.push(format!(
                    "account `{value}` (claim `{claim}`) lacks the test marker `{marker}`"
                ));
            }
        }
    }
    if applies("tenants") {
        let mut tenants: Vec<String> = Vec::new();
        for (_, value) in &accounts {
            if let Some((_, domain)) = value.rsplit_once('@') {
                if let Some(t) = tenant_of(domain, &naming.tenant_suffixes) {
                    if !tenants.contains(&t) {
                        tenants.push(t);
                    }
                }
            }
        }
        for t in tenants {
            // "account name and/or tenant name": a marked account vouches for its tenant.
            let vouched = naming.account_or_tenant
                && accounts.iter().any(|(_, v)| {
                    v.rsplit_once('@')
                        .and_then(|(_, d)| tenant_of(d, &naming.tenant_suffixes))
                        .is_some_and(|vt| vt == t)
                        && contains_marker(v, naming)
                });
            if !vouched && !contains_marker(&t, naming) {
                problems.push(format!("tenant `{t}` lacks the test marker `{marker}`"));
            }
        }
    }
    problems
}

/// The tenant name in `domain` when it is `<tenant>.<suffix>` for one of `suffixes`.
fn tenant_of(domain: &str, suffixes: &[String]) -> Option<String> {
    let domain = domain.to_ascii_lowercase();
    suffixes.iter().find_map(|s| {
        let rest = domain.strip_suffix(&s.to_ascii_lowercase())?;
        let rest = rest.strip_suffix('.')?;
        rest.rsplit('.')
            .next()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_saphyr::{Location, Spanned};

    fn naming() -> TestNamingDef {
        TestNamingDef {
            marker: "MSOBB".into(),
            case_insensitive: true,
            applies_to: ["accounts", "tenants"]
                .map(|a| Spanned::new(a.to_string(), Location::UNKNOWN, Location::UNKNOWN))
                .into(),
            account_or_tenant: false,
            tenant_suffixes: vec!["onmicrosoft.com".into()],
            not_accounts: Vec::new(),
            quote: None,
        }
    }

    fn jwt(claims: &str) -> String {
        format!(
            "eyJhbGciOiJub25lIn0.{}.sig",
            URL_SAFE_NO_PAD.encode(claims.as_bytes())
        )
    }

    #[test]
    fn marked_account_and_tenant_pass() {
        let t = jwt(r#"{"upn":"alice-msobb@contosoMSOBB.onmicrosoft.com","tid":"x"}"#);
        let h = format!("Bearer {t}");
        let claims = decode_claims(bearer_jwt(&h).unwrap()).unwrap();
        assert!(check_marker(&claims, &naming()).is_empty());
    }

    #[test]
    fn unmarked_tenant_is_reported() {
        let claims =
            decode_claims(&jwt(r#"{"upn":"aliceMSOBB@contoso.onmicrosoft.com"}"#)).unwrap();
        let p = check_marker(&claims, &naming());
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("tenant `contoso`"));
    }

    #[test]
    fn unmarked_account_is_reported() {
        let claims = decode_claims(&jwt(r#"{"email":"bob@example.com"}"#)).unwrap();
        let p = check_marker(&claims, &naming());
        assert!(p.iter().any(|s| s.contains("bob@example.com")), "{p:?}");
    }

    #[test]
    fn non_jwt_is_not_a_bearer_jwt() {
        assert!(bearer_jwt("Basic dXNlcjpwYXNz").is_none());
        assert!(bearer_jwt("Bearer opaque-token").is_none());
        assert!(decode_claims("a.!!!.c").is_err());
    }
}
