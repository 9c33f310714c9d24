//! Floors for `lint`'s excluded-class check on the labelled corpus (`fixtures/lint-corpus/`),
//! and the failure kinds of issue 16, each as a draft. `cargo run --release --example
//! lint_eval` prints the full tables (BENCHMARKS.md).

use scopelint::lint::corpus::{evaluate, parse, Scores};
use scopelint::lint::{FileReport, Linter, Severity};
use scopelint::psl::SuffixList;
use scopelint::ScopeRules;

fn rules() -> ScopeRules {
    ScopeRules::embedded(SuffixList::embedded()).unwrap()
}

fn part(linter: &Linter<'_>, name: &str) -> (Scores, usize) {
    let path = format!(
        "{}/fixtures/lint-corpus/{name}.tsv",
        env!("CARGO_MANIFEST_DIR")
    );
    let samples = parse(&std::fs::read_to_string(path).unwrap());
    (evaluate(linter, &samples), samples.len())
}

#[test]
fn corpus_floors() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    let (tune, n_tune) = part(&l, "tune");
    let (hold, n_hold) = part(&l, "holdout");
    // The corpus itself: at least 850 texts, 20 per excluded class, 300 payable.
    assert!(n_tune + n_hold >= 850, "{}", n_tune + n_hold);
    assert!(tune.payable + hold.payable >= 300);
    for (id, c) in &tune.classes {
        let total = c.support + hold.classes.get(id).map_or(0, |h| h.support);
        assert!(total >= 20, "{id}: {total} texts");
    }
    // Goals of issue 16: recall >= 95 %, errors on payable texts <= 1 %. The part the model
    // was tuned on must stay near where it is; the held-out part at the goal.
    assert!(tune.recall() >= 0.98, "tune recall {}", tune.recall());
    assert!(hold.recall() >= 0.95, "holdout recall {}", hold.recall());
    assert!(
        tune.payable_error_rate() <= 0.01,
        "tune payable errors {}",
        tune.payable_error_rate()
    );
    assert!(
        hold.payable_error_rate() <= 0.01,
        "holdout payable errors {}",
        hold.payable_error_rate()
    );
    for (id, c) in &tune.classes {
        assert!(c.recall() >= 0.85, "{id}: tune recall {}", c.recall());
    }
    assert!(
        tune.precision() >= 0.90,
        "tune precision {}",
        tune.precision()
    );
}

fn lint(l: &Linter<'_>, text: &str) -> FileReport {
    l.lint_text("d.md", text)
}

/// (rule, severity, class or rule-of-engagement id) of each excluded-class / roe diagnostic.
fn found(rep: &FileReport) -> Vec<(&'static str, Severity, String)> {
    rep.diagnostics
        .iter()
        .filter(|d| d.rule == "excluded-class" || d.rule == "roe")
        .map(|d| {
            let id = d.message.split('`').nth(1).unwrap_or("").to_string();
            (d.rule, d.severity, id)
        })
        .collect()
}

fn title(t: &str) -> String {
    format!("---\ntitle: {}\n---\n", serde_json::to_string(t).unwrap())
}

fn summary(t: &str) -> String {
    format!("# Summary\n\n{t}\n")
}

#[test]
fn word_order_and_inflection() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    let e = |id: &str| vec![("excluded-class", Severity::Error, id.to_string())];
    assert_eq!(
        found(&lint(
            &l,
            &title("Session cookie can be replayed from another machine")
        )),
        e("cookie-replay")
    );
    assert_eq!(
        found(&lint(
            &l,
            &title("Cookies remain usable on a second machine")
        )),
        e("cookie-replay")
    );
    assert_eq!(
        found(&lint(&l, &title("Denial of service on the token endpoint"))),
        e("denial-of-service")
    );
    assert_eq!(
        found(&lint(&l, &title("Cache poisoning DoS on a CDN host"))),
        e("denial-of-service")
    );
}

#[test]
fn negation_and_testing_notes() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    for t in [
        "This is not an open redirect: the code itself is delivered to the attacker.",
        "No denial of service testing was done. The consent endpoint grants admin-only permissions.",
        "This is not a user enumeration issue. The API returns the full profile of other tenants' users.",
    ] {
        let got = found(&lint(&l, &summary(t)));
        assert!(
            got.iter().all(|(_, s, _)| *s != Severity::Error),
            "{t}: {got:?}"
        );
    }
    // Controls: the same classes stated, not negated, are errors, so the loop above is not
    // passing because nothing is read.
    for (t, class) in [
        (
            "This is an open redirect on the sign-in page.",
            "open-redirect",
        ),
        (
            "The token endpoint suffers a denial of service.",
            "denial-of-service",
        ),
        (
            "This is a user enumeration issue on the sign-in page.",
            "user-tenant-enumeration",
        ),
    ] {
        let got = found(&lint(&l, &summary(t)));
        assert!(
            got.iter()
                .any(|(_, s, c)| *s == Severity::Error && c == class),
            "{t}: {got:?}"
        );
    }
}

#[test]
fn program_exceptions_are_warnings() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    let rep = lint(
        &l,
        &title("Open redirect leading to OAuth code theft and account takeover"),
    );
    assert_eq!(
        found(&rep),
        vec![("excluded-class", Severity::Warning, "open-redirect".into())]
    );
    let rep = lint(&l, &title("Clickjacking of the delete account page"));
    assert_eq!(
        found(&rep),
        vec![("excluded-class", Severity::Warning, "clickjacking".into())]
    );
    assert!(rep.diagnostics[0].message.contains("sensitive"));
    let rep = lint(
        &l,
        &summary("The Authenticator app crashes with a stack trace and writes the access token to a shared file."),
    );
    assert!(found(&rep).iter().all(|(_, s, _)| *s != Severity::Error));
    // Server names alone are excluded.
    let rep = lint(
        &l,
        &title("Internal server names leaked in a response header"),
    );
    assert_eq!(
        found(&rep),
        vec![(
            "excluded-class",
            Severity::Error,
            "server-side-information-disclosure".into()
        )]
    );
}

#[test]
fn rules_of_engagement_are_about_the_testers_actions() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    let roe = |text: &str| -> Vec<String> {
        found(&lint(&l, &summary(text)))
            .into_iter()
            .filter(|x| x.0 == "roe")
            .map(|x| x.2)
            .collect()
    };
    assert!(roe(
        "Attackers can flood the victim with push notifications until they approve (MFA fatigue)."
    )
    .is_empty());
    assert!(
        roe("We flooded my second test account with push notifications to show the fatigue.")
            .is_empty()
    );
    assert!(
        roe("I brute-forced the 6-digit OTP of my own test account using 40 requests.").is_empty()
    );
    assert_eq!(
        roe("We sent 5,000 requests to the OTP endpoint."),
        vec!["automated-high-traffic"]
    );
    assert_eq!(
        roe("We ran a stress test against the token endpoint."),
        vec!["denial-of-service-testing"]
    );
    assert!(roe("I did not run any load test against the endpoint.").is_empty());
}

#[test]
fn every_occurrence_and_title_suppression() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    let text = "---\ntitle: Open redirect on the logout page\n---\n# Summary\n\nThe logout page has an open redirect to any site.\n\n## Impact\n\nAn open redirect.\n";
    let lines = |rep: &FileReport| -> Vec<u32> {
        rep.diagnostics
            .iter()
            .filter(|d| d.rule == "excluded-class")
            .map(|d| d.line)
            .collect()
    };
    assert_eq!(lines(&lint(&l, text)), vec![2, 6, 10]);
    let suppressed = text.replace(
        "# Summary",
        "<!-- scopelint-disable-title excluded-class: the title names the entry point only -->\n# Summary",
    );
    assert_eq!(lines(&lint(&l, &suppressed)), vec![7, 11]);
}

/// Payable findings that only share words with an excluded class: a prompt shown on the lock
/// screen (remote, not physical access), a setting the finding gets around (not a
/// misconfiguration), a Conditional Access policy next to a password grant (not a password
/// policy). None is a diagnostic; the classes stated plainly still are.
#[test]
fn shared_words_are_not_the_excluded_class() {
    let r = rules();
    let l = Linter::new(&r).unwrap();
    for t in [
        "The Authenticator app shows the approval prompt on the lock screen with an attacker-chosen location, so the victim approves the attacker's sign-in.",
        "When an admin disables a device in Entra ID, its primary refresh token keeps working for days and still signs in to Exchange Online.",
        "A Conditional Access policy that requires MFA is skipped when the password grant is used against the token endpoint.",
        "The tenant admin configures the app to require assignment, yet any user of the tenant gets a token for it.",
    ] {
        let got = found(&lint(&l, &summary(t)));
        assert_eq!(got, vec![], "{t}");
    }
    for (t, class) in [
        (
            "From the lock screen of a stolen phone, the Authenticator prompt can be approved.",
            "mfa-bypass-physical-access",
        ),
        (
            "When an administrator turns off security defaults, legacy authentication works.",
            "user-misconfiguration",
        ),
        (
            "The password policy permits passwords of only four characters.",
            "account-policies",
        ),
    ] {
        let got = found(&lint(&l, &summary(t)));
        assert_eq!(
            got,
            vec![("excluded-class", Severity::Error, class.to_string())],
            "{t}"
        );
    }
}
