//! Prose matching for `lint`: concepts (sets of terms) combined as "all of these within one
//! sentence, any order", with negation and hedging scope in the spirit of NegEx, and with the
//! place of each sentence in the draft (title, first sentence, impact section, elsewhere).
//!
//! Everything program-specific (the terms, the triggers, the section names) comes from the
//! rules file's `prose` section ([`crate::rules::model::ProseDef`]); this module only knows
//! English word shapes. Work is linear in the draft: one tokenizing pass, one dictionary
//! lookup per token, and sentences are cut into chunks of at most [`MAX_SENTENCE`] words so
//! the per-sentence negation checks stay bounded.

use foldhash::{HashMap, HashSet};

use regex::bytes::Regex;

use super::draft::Draft;

/// Longest sentence, in words, that negation scope is computed over; longer runs of text
/// without a full stop are cut into chunks of this size.
pub const MAX_SENTENCE: usize = 80;

const NEG_PRE: u32 = 0;
const NEG_POST: u32 = 1;
const PSEUDO: u32 = 2;
const TERMINATOR: u32 = 3;
const HEDGE: u32 = 4;

/// A word or punctuation mark of the draft. Its lowercased and stemmed forms live in the
/// [`TokBuf`]'s arena (no allocation per word).
#[derive(Debug, Clone)]
pub struct Token {
    stem: (u32, u32),
    raw: (u32, u32),
    /// Byte range in the draft.
    pub start: usize,
    pub end: usize,
    /// The value, for a number (`50,000` -> 50000).
    pub num: Option<u64>,
}

/// Tokens and the arena holding their forms.
#[derive(Debug, Default)]
pub struct TokBuf {
    pub toks: Vec<Token>,
    arena: String,
}

impl TokBuf {
    fn get(&self, (a, b): (u32, u32)) -> &str {
        self.arena.get(a as usize..b as usize).unwrap_or("")
    }
    /// Lowercased, suffix-stripped form.
    pub fn stem(&self, t: &Token) -> &str {
        self.get(t.stem)
    }
    /// Lowercased form.
    pub fn raw(&self, t: &Token) -> &str {
        self.get(t.raw)
    }
}

/// Simple English suffix stripping, applied alike to terms and to drafts (so it need only be
/// consistent, not linguistically right): plural `s`, `ing`, `ed`, a final `e`, `y` -> `i`.
/// Words of three letters or fewer are kept (`dos`, `ips`, `was`).
pub fn stem(word: &str) -> String {
    let mut w = word.to_lowercase().replace('’', "'");
    stem_tail(&mut w, 0);
    w
}

/// [`stem`] in place: `w[start..]` is a lowercased word with `'` for `’`.
fn stem_tail(w: &mut String, start: usize) {
    for suf in ["'s", "'"] {
        if w.len() - start > suf.len() && w.ends_with(suf) {
            w.truncate(w.len() - suf.len());
        }
    }
    let t = &w[start..];
    if t.chars().count() <= 3 || !t.is_ascii() || t.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if t.ends_with('s') && !t.ends_with("ss") && !t.ends_with("us") && !t.ends_with("is") {
        w.pop();
    }
    let mut cut = false;
    for suf in ["ing", "ed"] {
        if w.len() - start >= suf.len() + 3 && w.ends_with(suf) {
            w.truncate(w.len() - suf.len());
            cut = true;
            break;
        }
    }
    if cut {
        let b = &w.as_bytes()[start..];
        let n = b.len();
        if n >= 4 && b[n - 1] == b[n - 2] && !b"aeioulsz".contains(&b[n - 1]) {
            w.pop();
        }
    }
    if w.len() - start > 3 && w.ends_with('e') {
        w.pop();
    }
    if w.len() - start > 3 && w.ends_with('y') {
        w.pop();
        w.push('i');
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Split `text` (which starts at byte `base` of the draft) into tokens.
pub fn tokenize(text: &str, base: usize, out: &mut TokBuf) {
    let bytes = text.as_bytes();
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if is_word_char(c) {
            let mut end = i + c.len_utf8();
            let digits = c.is_ascii_digit();
            let mut all_digits = digits;
            while let Some(&(j, d)) = it.peek() {
                let next_is_word = text[j + d.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(is_word_char);
                if is_word_char(d) {
                    all_digits &= d.is_ascii_digit();
                } else if (d == '\'' || d == '’') && next_is_word && !all_digits {
                    // `don't`, `victim's`
                } else if d == ','
                    && all_digits
                    && bytes
                        .get(j + 1..j + 4)
                        .is_some_and(|g| g.iter().all(u8::is_ascii_digit))
                    && !bytes.get(j + 4).is_some_and(u8::is_ascii_digit)
                {
                    // `50,000`
                } else {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
            let word = &text[i..end];
            let num = if all_digits {
                word.bytes()
                    .filter(u8::is_ascii_digit)
                    .try_fold(0u64, |n, b| {
                        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
                    })
            } else {
                None
            };
            let a = &mut out.arena;
            let r0 = a.len();
            if word.is_ascii() {
                a.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
            } else {
                a.extend(word.chars().flat_map(char::to_lowercase));
            }
            let r1 = a.len();
            a.extend(word.chars().flat_map(char::to_lowercase).map(|c| {
                if c == '’' {
                    '\''
                } else {
                    c
                }
            }));
            stem_tail(a, r1);
            let s1 = a.len();
            out.toks.push(Token {
                stem: (r1 as u32, s1 as u32),
                raw: (r0 as u32, r1 as u32),
                start: base + i,
                end: base + end,
                num,
            });
        } else if matches!(c, ',' | ';' | ':' | '(' | ')') {
            let a = &mut out.arena;
            let r0 = a.len();
            a.push(c);
            let r1 = a.len();
            out.toks.push(Token {
                stem: (r0 as u32, r1 as u32),
                raw: (r0 as u32, r1 as u32),
                start: base + i,
                end: base + i + 1,
                num: None,
            });
        }
    }
}

#[derive(Debug, Clone)]
enum Pat {
    Exact(String),
    Prefix(String),
    /// `=word`: the word exactly as written (no suffix stripping).
    Raw(String),
}

impl Pat {
    fn matches(&self, buf: &TokBuf, t: &Token) -> bool {
        match self {
            Pat::Exact(s) => buf.stem(t) == s,
            Pat::Prefix(p) => buf.raw(t).starts_with(p.as_str()),
            Pat::Raw(r) => buf.raw(t) == r,
        }
    }
}

#[derive(Debug, Clone)]
struct Term {
    pats: Vec<Pat>,
    concept: u32,
}

/// The compiled dictionary: every term of every concept, indexed by its first word.
#[derive(Debug, Default)]
pub struct Lexicon {
    names: HashMap<String, u32>,
    /// Concept id -> display name.
    labels: Vec<String>,
    terms: Vec<Term>,
    by_first: HashMap<String, Vec<usize>>,
    /// Terms whose first word is a prefix pattern, by its first three letters.
    by_prefix: HashMap<String, Vec<usize>>,
    /// Prefix patterns shorter than three letters (checked at every word).
    short_prefix: Vec<usize>,
    window: usize,
    /// Terms already added (concept and patterns), so spelling variants that normalize alike
    /// are matched once.
    seen: HashSet<String>,
    ignore_sections: Vec<Regex>,
    evidence_sections: Vec<Regex>,
}

fn first3(s: &str) -> &str {
    &s[..s.char_indices().nth(3).map_or(s.len(), |(i, _)| i)]
}

impl Lexicon {
    /// An empty lexicon with the negation window and the section regexes.
    pub fn new(window: usize, ignore_sections: Vec<Regex>, evidence_sections: Vec<Regex>) -> Self {
        let mut l = Lexicon {
            window: window.max(1),
            ignore_sections,
            evidence_sections,
            ..Lexicon::default()
        };
        for name in [
            "negation",
            "negation (after)",
            "pseudo-negation",
            "terminator",
            "hedge",
        ] {
            l.labels.push(name.to_string());
        }
        l
    }

    fn new_concept(&mut self, label: &str) -> u32 {
        self.labels.push(label.to_string());
        (self.labels.len() - 1) as u32
    }

    fn add_term(&mut self, text: &str, concept: u32) {
        let mut pats = Vec::new();
        for word in text.split(|c: char| c.is_whitespace() || c == '-') {
            if word.is_empty() {
                continue;
            }
            if let Some(r) = word.strip_prefix('=').filter(|r| !r.is_empty()) {
                pats.push(Pat::Raw(r.to_lowercase()));
                continue;
            }
            if let Some(p) = word.strip_suffix('*') {
                let p = p.to_lowercase();
                if !p.is_empty() {
                    pats.push(Pat::Prefix(p));
                }
                continue;
            }
            let mut buf = TokBuf::default();
            tokenize(word, 0, &mut buf);
            pats.extend(buf.toks.iter().map(|t| Pat::Exact(buf.stem(t).to_string())));
        }
        if pats.is_empty() {
            return;
        }
        if !self.seen.insert(format!("{concept}:{pats:?}")) {
            return;
        }
        let idx = self.terms.len();
        match &pats[0] {
            Pat::Exact(s) => self.by_first.entry(s.clone()).or_default().push(idx),
            Pat::Raw(r) => self.by_first.entry(stem(r)).or_default().push(idx),
            Pat::Prefix(p) if p.chars().count() >= 3 => self
                .by_prefix
                .entry(first3(p).to_string())
                .or_default()
                .push(idx),
            Pat::Prefix(_) => self.short_prefix.push(idx),
        }
        self.terms.push(Term { pats, concept });
    }

    /// Define a named concept.
    pub fn define(&mut self, name: &str, terms: &[String]) {
        let id = self.new_concept(name);
        self.names.insert(name.to_string(), id);
        for t in terms {
            self.add_term(t, id);
        }
    }

    /// Add trigger terms (negation, pseudo-negation, terminators, hedges).
    fn triggers(&mut self, kind: u32, terms: &[String]) {
        for t in terms {
            self.add_term(t, kind);
        }
    }
    pub fn negation_pre(&mut self, t: &[String]) {
        self.triggers(NEG_PRE, t)
    }
    pub fn negation_post(&mut self, t: &[String]) {
        self.triggers(NEG_POST, t)
    }
    pub fn pseudo(&mut self, t: &[String]) {
        self.triggers(PSEUDO, t)
    }
    pub fn terminators(&mut self, t: &[String]) {
        self.triggers(TERMINATOR, t)
    }
    pub fn hedges(&mut self, t: &[String]) {
        self.triggers(HEDGE, t)
    }

    /// The concept an item of a `match` / `unless` / `actor` list stands for: a defined
    /// concept by name, else the item as a term of its own.
    pub fn item(&mut self, item: &str) -> u32 {
        if let Some(&id) = self.names.get(item) {
            return id;
        }
        let key = format!("={item}");
        if let Some(&id) = self.names.get(&key) {
            return id;
        }
        let id = self.new_concept(item);
        self.names.insert(key, id);
        self.add_term(item, id);
        id
    }

    /// A rule: all of these concepts in one sentence.
    pub fn rule(&mut self, items: &[String]) -> Vec<u32> {
        items.iter().map(|i| self.item(i)).collect()
    }

    fn label(&self, c: u32) -> &str {
        self.labels.get(c as usize).map_or("?", String::as_str)
    }

    fn occurrences(&self, buf: &TokBuf, toks: &[Token], out: &mut Vec<Occ>) {
        for i in 0..toks.len() {
            let first = &toks[i];
            let exact = self.by_first.get(buf.stem(first)).map(Vec::as_slice);
            let prefix = self
                .by_prefix
                .get(first3(buf.raw(first)))
                .map(Vec::as_slice);
            for &ti in exact
                .unwrap_or_default()
                .iter()
                .chain(prefix.unwrap_or_default())
                .chain(&self.short_prefix)
            {
                let t = &self.terms[ti];
                let n = t.pats.len();
                if i + n <= toks.len()
                    && t.pats
                        .iter()
                        .zip(&toks[i..i + n])
                        .all(|(p, k)| p.matches(buf, k))
                {
                    out.push(Occ {
                        concept: t.concept,
                        start: i,
                        end: i + n,
                    });
                }
            }
        }
    }
}

/// One occurrence of a term, as a token range of its sentence.
#[derive(Debug, Clone, Copy)]
struct Occ {
    concept: u32,
    start: usize,
    end: usize,
}

/// Where a sentence sits in the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The front matter's `title:` (or the first heading when there is none).
    Title,
    /// The description's first sentence.
    First,
    /// A section the rules file names as evidence (the impact).
    Evidence,
    /// Anywhere else that counts.
    Body,
}

impl Place {
    pub fn is_evidence(self) -> bool {
        self != Place::Body
    }
    pub fn describe(self) -> &'static str {
        match self {
            Place::Title => "in the title",
            Place::First => "in the first sentence",
            Place::Evidence => "in the impact section",
            Place::Body => "in passing",
        }
    }
}

#[derive(Debug, Clone)]
struct Sentence {
    tok_start: usize,
    tok_end: usize,
    place: Place,
    occ_start: usize,
    occ_end: usize,
}

/// A draft read as sentences, with every term occurrence found.
pub struct Analysis {
    toks: Vec<Token>,
    sents: Vec<Sentence>,
    occs: Vec<Occ>,
    /// Per sentence, a bit per concept found (`words` 64-bit words each).
    present: Vec<u64>,
    words: usize,
}

/// The result of one rule in one sentence.
#[derive(Debug, Clone)]
pub enum RuleResult {
    /// Every concept found: byte offset of the earliest term, the terms as written, and the
    /// hedge in scope, if any.
    Match {
        offset: usize,
        terms: Vec<String>,
        hedge: Option<String>,
    },
    /// Every concept found, but one only inside a negation's scope (the trigger as written).
    Negated {
        term: String,
        trigger: String,
    },
    None,
}

impl Analysis {
    /// Read `d`: the title, then the body's sentences, skipping code blocks, block quotes and
    /// the sections the lexicon ignores.
    pub fn new(lex: &Lexicon, d: &Draft<'_>) -> Analysis {
        let mut b = Builder::default();
        let text = d.scan.as_str();
        let mut has_title = false;
        if let Some(t) = &d.front.title {
            // The `title:` line of the front matter, at its real offsets.
            let mut off = 0;
            for (n, line) in text.split_inclusive('\n').enumerate() {
                if n as u32 + 1 == t.line {
                    if let Some(p) = line.find("title:") {
                        tokenize(&line[p + 6..], off + p + 6, &mut b.buf);
                        b.flush_as(Place::Title);
                        has_title = true;
                    }
                    break;
                }
                off += line.len();
            }
        }
        let mut headings = d.headings.iter().map(|h| h.line).peekable();
        let mut blocks = d.code_blocks.iter().peekable();
        let mut place = Place::Body;
        let mut ignored = false;
        let mut off = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let lineno = n as u32 + 1;
            let start = off;
            off += line.len();
            if start < d.body_offset {
                continue;
            }
            while blocks.peek().is_some_and(|r| r.end <= lineno) {
                blocks.next();
            }
            while headings.peek().is_some_and(|&h| h < lineno) {
                headings.next();
            }
            let body = line.trim_end_matches(['\n', '\r']);
            if blocks.peek().is_some_and(|r| r.contains(&lineno)) {
                b.flush(place);
                continue;
            }
            if headings.peek() == Some(&lineno) {
                b.flush(place);
                let h = body.trim().trim_start_matches('#').trim();
                ignored = lex.ignore_sections.iter().any(|r| r.is_match(h.as_bytes()));
                let evidence = lex
                    .evidence_sections
                    .iter()
                    .any(|r| r.is_match(h.as_bytes()));
                place = if evidence {
                    Place::Evidence
                } else {
                    Place::Body
                };
                if !ignored && !evidence {
                    let hp = if has_title { Place::Body } else { Place::Title };
                    has_title = true;
                    tokenize(body, start, &mut b.buf);
                    b.flush_as(hp);
                }
                continue;
            }
            let t = body.trim_start();
            if t.is_empty() || t.starts_with('>') || ignored {
                b.flush(place);
                continue;
            }
            let bullet = t.starts_with(['-', '*', '+'])
                || t.split_once(['.', ')']).is_some_and(|(n, _)| {
                    !n.is_empty() && n.len() <= 3 && n.bytes().all(|c| c.is_ascii_digit())
                });
            if bullet {
                b.flush(place);
            }
            // Sentences end at `.`, `!` or `?` before white space or the end of the line.
            let mut seg = 0;
            let mut it = body.char_indices().peekable();
            while let Some((i, c)) = it.next() {
                let ends = matches!(c, '.' | '!' | '?')
                    && it.peek().is_none_or(|&(_, n)| n.is_whitespace());
                if ends {
                    tokenize(&body[seg..i], start + seg, &mut b.buf);
                    seg = i + 1;
                    b.flush(place);
                }
            }
            tokenize(&body[seg..], start + seg, &mut b.buf);
        }
        b.flush(place);
        let mut occs = Vec::new();
        let words = lex.labels.len().div_ceil(64).max(1);
        let mut present = vec![0u64; words * b.sents.len()];
        for (i, s) in b.sents.iter_mut().enumerate() {
            s.occ_start = occs.len();
            lex.occurrences(&b.buf, &b.buf.toks[s.tok_start..s.tok_end], &mut occs);
            s.occ_end = occs.len();
            for o in &occs[s.occ_start..] {
                let c = o.concept as usize;
                present[i * words + c / 64] |= 1 << (c % 64);
            }
        }
        Analysis {
            toks: b.buf.toks,
            sents: b.sents,
            occs,
            present,
            words,
        }
    }

    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.sents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sents.is_empty()
    }

    pub fn place(&self, s: usize) -> Place {
        self.sents[s].place
    }

    /// Byte offset where sentence `s` starts.
    pub fn offset(&self, s: usize) -> usize {
        self.toks[self.sents[s].tok_start].start
    }

    /// The sentence holding byte `offset`, if any.
    pub fn sentence_at(&self, offset: usize) -> Option<usize> {
        let i = self
            .sents
            .partition_point(|s| self.toks[s.tok_start].start <= offset);
        let s = i.checked_sub(1)?;
        let sent = &self.sents[s];
        (offset < self.toks[sent.tok_end - 1].end).then_some(s)
    }

    fn occs(&self, s: usize) -> &[Occ] {
        let x = &self.sents[s];
        &self.occs[x.occ_start..x.occ_end]
    }

    fn tok(&self, s: usize, i: usize) -> &Token {
        &self.toks[self.sents[s].tok_start + i]
    }

    fn span_text(&self, d: &Draft<'_>, s: usize, o: &Occ) -> String {
        let a = self.tok(s, o.start).start;
        let b = self.tok(s, o.end - 1).end;
        d.scan.get(a..b).unwrap_or("").to_string()
    }

    /// Whether any term of `concept` occurs in sentence `s`.
    pub fn has(&self, s: usize, concept: u32) -> bool {
        let c = concept as usize;
        self.present
            .get(s * self.words + c / 64)
            .is_some_and(|w| w & (1 << (c % 64)) != 0)
    }

    /// The trigger of kind `kind` whose scope covers `o` (before it for `NEG_PRE` and `HEDGE`,
    /// after it for `NEG_POST`), unless a terminator, a pseudo-trigger or a term of the rule
    /// itself takes it out.
    fn trigger_for(
        &self,
        lex: &Lexicon,
        s: usize,
        o: &Occ,
        kind: u32,
        rule: &[u32],
    ) -> Option<Occ> {
        let occs = self.occs(s);
        occs.iter()
            .filter(|t| t.concept == kind)
            .filter(|t| {
                let (gap_a, gap_b) = if kind == NEG_POST {
                    (o.end, t.start)
                } else {
                    (t.end, o.start)
                };
                gap_a <= gap_b
                    && gap_b - gap_a <= lex.window
                    && !occs
                        .iter()
                        .any(|x| x.concept == TERMINATOR && x.start >= gap_a && x.end <= gap_b)
                    && !occs
                        .iter()
                        .any(|x| x.concept == PSEUDO && x.start <= t.start && x.end >= t.end)
                    && !occs
                        .iter()
                        .any(|x| rule.contains(&x.concept) && x.start < t.end && t.start < x.end)
            })
            .copied()
            .next()
    }

    /// Evaluate one rule (every concept in sentence `s`, any order, not negated).
    pub fn eval(&self, lex: &Lexicon, d: &Draft<'_>, s: usize, rule: &[u32]) -> RuleResult {
        if rule.is_empty() {
            return RuleResult::None;
        }
        let occs = self.occs(s);
        // Most rules lack a concept in most sentences: decide that before any negation work.
        if !rule.iter().all(|&c| self.has(s, c)) {
            return RuleResult::None;
        }
        let mut terms = Vec::new();
        let mut offset = usize::MAX;
        let mut hedge = None;
        let mut negated = None;
        for &c in rule {
            let mut found = None;
            for o in occs.iter().filter(|o| o.concept == c) {
                let neg = self
                    .trigger_for(lex, s, o, NEG_PRE, rule)
                    .or_else(|| self.trigger_for(lex, s, o, NEG_POST, rule));
                match neg {
                    Some(t) => {
                        if negated.is_none() {
                            negated = Some((self.span_text(d, s, o), self.span_text(d, s, &t)));
                        }
                    }
                    None => {
                        found = Some(*o);
                        break;
                    }
                }
            }
            let Some(o) = found else {
                return match negated {
                    Some((term, trigger)) => RuleResult::Negated { term, trigger },
                    None => RuleResult::None,
                };
            };
            if hedge.is_none() {
                hedge = self
                    .trigger_for(lex, s, &o, HEDGE, rule)
                    .map(|t| self.span_text(d, s, &t));
            }
            offset = offset.min(self.tok(s, o.start).start);
            terms.push(self.span_text(d, s, &o));
        }
        RuleResult::Match {
            offset,
            terms,
            hedge,
        }
    }

    /// The negation trigger (as written) whose scope covers the word at byte `offset` of
    /// sentence `s`, if any: regex matches are negated like concept terms.
    pub fn negated_at(
        &self,
        lex: &Lexicon,
        d: &Draft<'_>,
        s: usize,
        offset: usize,
    ) -> Option<String> {
        let sent = &self.sents[s];
        let i = self.toks[sent.tok_start..sent.tok_end].partition_point(|t| t.end <= offset);
        let o = Occ {
            concept: u32::MAX,
            start: i,
            end: i + 1,
        };
        self.trigger_for(lex, s, &o, NEG_PRE, &[])
            .map(|t| self.span_text(d, s, &t))
    }

    /// Numbers in sentence `s` directly followed (within two words) by a term of one of
    /// `units`.
    pub fn counts(&self, s: usize, units: &[u32]) -> Vec<u64> {
        let occs = self.occs(s);
        let n = self.sents[s].tok_end - self.sents[s].tok_start;
        (0..n)
            .filter_map(|i| {
                let v = self.tok(s, i).num?;
                occs.iter()
                    .any(|o| units.contains(&o.concept) && o.start > i && o.start <= i + 2)
                    .then_some(v)
            })
            .collect()
    }

    /// A one-line account of every term found in sentence `s`, for `--explain`.
    pub fn describe(&self, lex: &Lexicon, d: &Draft<'_>, s: usize) -> String {
        let mut seen = Vec::new();
        for o in self.occs(s).iter().filter(|o| o.concept != TERMINATOR) {
            let x = format!("{} \"{}\"", lex.label(o.concept), self.span_text(d, s, o));
            if !seen.contains(&x) {
                seen.push(x);
            }
        }
        seen.join(", ")
    }
}

#[derive(Default)]
struct Builder {
    buf: TokBuf,
    sents: Vec<Sentence>,
    cur: usize,
    first_done: bool,
}

impl Builder {
    /// End the open sentence; the first body sentence is the description's first sentence.
    fn flush(&mut self, place: Place) {
        let p = if place == Place::Body && !self.first_done && self.buf.toks.len() > self.cur {
            self.first_done = true;
            Place::First
        } else {
            place
        };
        self.flush_as(p);
    }

    fn flush_as(&mut self, place: Place) {
        while self.cur < self.buf.toks.len() {
            let end = (self.cur + MAX_SENTENCE).min(self.buf.toks.len());
            self.sents.push(Sentence {
                tok_start: self.cur,
                tok_end: end,
                place,
                occ_start: 0,
                occ_end: 0,
            });
            self.cur = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_agree_across_inflections() {
        for group in [
            &["replay", "replayed", "replays", "replaying"][..],
            &["cookie", "cookies"],
            &["crash", "crashes", "crashed", "crashing"],
            &["policy", "policies"],
            &["log", "logged", "logging"],
            &["call", "called"],
            &["frame", "framed"],
        ] {
            let s: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(s.iter().all(|x| *x == s[0]), "{group:?}: {s:?}");
        }
        assert_eq!(stem("dos"), "dos");
        assert_eq!(stem("access"), "access");
    }

    #[test]
    fn numbers_with_thousands_separators() {
        let mut t = TokBuf::default();
        tokenize("ran 50,000 requests, then 40", 0, &mut t);
        let nums: Vec<_> = t.toks.iter().filter_map(|t| t.num).collect();
        assert_eq!(nums, vec![50000, 40]);
    }

    fn lex() -> Lexicon {
        let mut l = Lexicon::new(6, Vec::new(), Vec::new());
        l.define("dos", &["dos".into(), "denial of service".into()]);
        l.define("lacking", &["no".into(), "missing".into()]);
        l.define("header", &["x-frame-options".into()]);
        l.negation_pre(&["not".into(), "no".into()]);
        l.pseudo(&["not only".into()]);
        l.terminators(&["but".into()]);
        l.hedges(&["might".into()]);
        l
    }

    fn first(l: &mut Lexicon, text: &str, rule: &[&str]) -> RuleResult {
        let rule: Vec<String> = rule.iter().map(|s| s.to_string()).collect();
        let r = l.rule(&rule);
        let d = Draft::parse(text);
        let a = Analysis::new(l, &d);
        a.eval(l, &d, a.len() - 1, &r)
    }

    #[test]
    fn negation_scope() {
        let mut l = lex();
        assert!(matches!(
            first(
                &mut l,
                "# Summary\nThis is not a denial-of-service.\n",
                &["dos"]
            ),
            RuleResult::Negated { .. }
        ));
        assert!(matches!(
            first(&mut l, "# Summary\nNot a bug, but a DoS.\n", &["dos"]),
            RuleResult::Match { .. }
        ));
        assert!(matches!(
            first(&mut l, "# Summary\nNot only a DoS.\n", &["dos"]),
            RuleResult::Match { .. }
        ));
        // A trigger that is part of the rule's own terms does not negate it.
        assert!(matches!(
            first(
                &mut l,
                "# Summary\nThe page has no X-Frame-Options.\n",
                &["lacking", "header"]
            ),
            RuleResult::Match { .. }
        ));
        match first(&mut l, "# Summary\nIt might cause a DoS.\n", &["dos"]) {
            RuleResult::Match { hedge, .. } => assert_eq!(hedge.as_deref(), Some("might")),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn places() {
        let l = lex();
        let d = Draft::parse("---\ntitle: A DoS\n---\n# Summary\nOne. Two.\n> quoted DoS\n```\ncode\n```\n## Impact\nThree.\n");
        let a = Analysis::new(&l, &d);
        let p: Vec<Place> = (0..a.len()).map(|s| a.place(s)).collect();
        assert_eq!(
            p,
            vec![
                Place::Title,
                Place::Body,
                Place::First,
                Place::Body,
                Place::Body,
                Place::Body
            ]
        );
    }
}
