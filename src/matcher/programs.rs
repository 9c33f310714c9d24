//! Answers across several programs: the first program that has a target in scope, every
//! program that has it, and which of them pays the most ("you will receive the single highest
//! payout award from a single bounty program").

use super::{Lookup, Verdict, VerdictKind};
use crate::rules::multi::max_award;
use crate::rules::ScopeRules;

impl ScopeRules {
    /// Classify under every program: the first program that has the target in scope wins;
    /// otherwise the first program's answer is reported.
    pub fn classify(&self, input: &str, explain: bool) -> Option<Verdict<'_>> {
        self.classify_with(input, explain, Lookup::Indexed)
    }

    /// [`ScopeRules::classify`] with a choice of host lookup.
    pub fn classify_with(&self, input: &str, explain: bool, how: Lookup) -> Option<Verdict<'_>> {
        let mut first = None;
        for (i, p) in self.programs.iter().enumerate() {
            let mut v = p.classify_with(input, explain, how);
            if v.kind == VerdictKind::InScope {
                // Every later program that also has it in scope (earlier ones did not).
                for q in &self.programs[i + 1..] {
                    if q.classify_with(input, false, how).kind == VerdictKind::InScope {
                        v.also_in_scope.push(q.id());
                    }
                }
                return Some(v);
            }
            if v.kind == VerdictKind::Invalid {
                return Some(v);
            }
            first.get_or_insert(v);
        }
        first
    }
}

impl ScopeRules {
    /// The verdict kind [`ScopeRules::classify`] gives `input` (trimmed), computed without
    /// building a verdict, for plain network targets; `None` when the full path must decide
    /// (an unusual input, a rule that looks at paths, no program).
    pub fn quick_kind(&self, input: &str) -> Option<VerdictKind> {
        let mut buf = [0u8; 256];
        let t = crate::target::quick_net(input, &mut buf)?;
        let mut kind = None;
        for p in &self.programs {
            match p.quick_kind(&t)? {
                VerdictKind::InScope => return Some(VerdictKind::InScope),
                k => kind = Some(k),
            }
        }
        kind
    }
}

/// One program's in-scope answer and the most it can pay for it.
#[derive(Debug)]
pub struct Eligible<'p> {
    pub verdict: Verdict<'p>,
    /// The highest award of the deciding asset's table (or of any table when the asset names
    /// none); `None` when the program publishes no award table.
    pub max_award: Option<u64>,
}

impl ScopeRules {
    /// Every program that has `input` in scope, in load order.
    pub fn in_scope_everywhere(&self, input: &str) -> Vec<Verdict<'_>> {
        self.programs
            .iter()
            .map(|p| p.classify(input, false))
            .filter(|v| v.kind == VerdictKind::InScope)
            .collect()
    }

    /// Ids of the programs other than `decided` that also have `input` in scope.
    pub fn also_in_scope(&self, input: &str, decided: &str) -> Vec<&str> {
        self.in_scope_everywhere(input)
            .iter()
            .map(|v| v.program.id())
            .filter(|id| *id != decided)
            .collect()
    }

    /// The programs that have `input` in scope, highest possible award first (programs without
    /// award tables last, then load order). The first is the one a finding should go to: a
    /// finding is paid once, by a single program.
    pub fn best_paying(&self, input: &str) -> Vec<Eligible<'_>> {
        let mut out: Vec<Eligible<'_>> = self
            .in_scope_everywhere(input)
            .into_iter()
            .map(|verdict| {
                let max_award = max_award(verdict.program, verdict.award_table());
                Eligible { verdict, max_award }
            })
            .collect();
        // Stable: equal awards keep load order.
        out.sort_by_key(|e| std::cmp::Reverse(e.max_award));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::psl::SuffixList;

    #[test]
    fn best_paying_orders_by_award_and_directories_expand() {
        let psl = SuffixList::embedded();
        let cheap =
            crate::rules::plain::load_plain_str("*.live.com\n", "cheap.txt", psl.clone()).unwrap();
        let rules = ScopeRules {
            programs: vec![
                cheap,
                crate::rules::load_program_str(crate::rules::EMBEDDED_RULES, "default.yaml", psl)
                    .unwrap(),
            ],
        };
        let best = rules.best_paying("login.live.com");
        assert_eq!(best.len(), 2);
        assert_eq!(best[0].verdict.program.id(), "microsoft-identity");
        assert!(best[0].max_award.is_some_and(|a| a > 0));
        assert_eq!(best[1].max_award, None);
        assert_eq!(
            rules.also_in_scope("login.live.com", "cheap"),
            vec!["microsoft-identity"]
        );
        assert!(rules.best_paying("example.org").is_empty());
    }
}
