//! The `check` run: stream targets through the matcher into a reporter.

use std::io::{self, BufRead, Write};

use crate::matcher::{Lookup, Reason, Verdict, VerdictKind};
use crate::output::CheckReporter;
use crate::rules::ScopeRules;
use crate::target::TargetParseError;
use crate::text::strip_line_end;

/// Counts of one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CheckSummary {
    pub in_scope: u64,
    pub out_of_scope: u64,
    pub invalid: u64,
}

impl CheckSummary {
    pub fn total(&self) -> u64 {
        self.in_scope + self.out_of_scope + self.invalid
    }
    pub fn add(&mut self, other: &CheckSummary) {
        self.in_scope += other.in_scope;
        self.out_of_scope += other.out_of_scope;
        self.invalid += other.invalid;
    }
    pub(crate) fn count(&mut self, kind: VerdictKind) {
        match kind {
            VerdictKind::InScope => self.in_scope += 1,
            VerdictKind::OutOfScope => self.out_of_scope += 1,
            VerdictKind::Invalid => self.invalid += 1,
        }
    }
}

/// How a `check` run classifies.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Record the decision path (`--explain`).
    pub explain: bool,
    /// Host lookup: the index, or the linear reference (`--reference`).
    pub lookup: Lookup,
}

impl CheckOptions {
    /// Whether a target may be answered by the quick path ([`ScopeRules::quick_kind`]): the
    /// reporter needs only the verdict's kind, nothing is explained, and hosts are looked up
    /// in the index (the linear reference path is the one it is compared with).
    pub(crate) fn takes_quick_path(self, kind_is_enough: bool) -> bool {
        kind_is_enough && !self.explain && self.lookup == Lookup::Indexed
    }
}

/// Classify one target and hand the verdict to the reporter.
pub fn check_one(
    rules: &ScopeRules,
    raw: &[u8],
    reporter: &mut dyn CheckReporter,
    opts: CheckOptions,
    summary: &mut CheckSummary,
) -> io::Result<()> {
    let Some(program) = rules.programs.first() else {
        return Ok(());
    };
    match std::str::from_utf8(raw) {
        Ok(text) => check_text(rules, text, reporter, opts, summary)?,
        Err(e) => {
            // Not UTF-8: answer `invalid` for this line and go on.
            let lossy = String::from_utf8_lossy(raw);
            let err = TargetParseError {
                message: format!("not valid UTF-8 (at byte {})", e.valid_up_to()),
            };
            let v = Verdict {
                kind: VerdictKind::Invalid,
                program,
                reason: Reason::Invalid(err),
                normalized: None,
                trace: Vec::new(),
                also_in_scope: Vec::new(),
            };
            summary.count(v.kind);
            reporter.verdict(raw, lossy.trim(), &v)?;
        }
    }
    Ok(())
}

/// [`check_one`] for a target known to be text.
fn check_text(
    rules: &ScopeRules,
    text: &str,
    reporter: &mut dyn CheckReporter,
    opts: CheckOptions,
    summary: &mut CheckSummary,
) -> io::Result<()> {
    let raw = text.as_bytes();
    let input = crate::text::trim(text);
    // The quick path answers only what the full path would; it declines the rest.
    if opts.takes_quick_path(reporter.kind_is_enough()) {
        if let Some(kind) = rules.quick_kind(input) {
            summary.count(kind);
            return reporter.kind(raw, kind);
        }
    }
    if let Some(v) = rules.classify_with(input, opts.explain, opts.lookup) {
        summary.count(v.kind);
        reporter.verdict(raw, input, &v)?;
    }
    Ok(())
}

/// Handle the lines of `batch` (the last may have no line end): skip blank and `#` lines,
/// classify the rest. A batch that is text as a whole, as nearly every one is, is checked for
/// UTF-8 once, not line by line: a line end is ASCII, so each of its lines is text too.
fn check_lines(
    rules: &ScopeRules,
    batch: &[u8],
    reporter: &mut dyn CheckReporter,
    opts: CheckOptions,
    summary: &mut CheckSummary,
) -> io::Result<()> {
    let text = std::str::from_utf8(batch).ok();
    let mut check = |start: usize, end: usize| {
        let line = strip_line_end(&batch[start..end]);
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            return Ok(());
        }
        match text {
            // The line without its end is a prefix of the text's line: ASCII boundaries.
            Some(text) => check_text(
                rules,
                &text[start..start + line.len()],
                reporter,
                opts,
                summary,
            ),
            None => check_one(rules, line, reporter, opts, summary),
        }
    };
    for line in crate::text::newline_spans(batch) {
        check(line.start, line.end)?;
    }
    Ok(())
}

/// Stream targets, one per line, from `input`. Blank lines and `#` comments are skipped; CRLF
/// and surrounding whitespace are tolerated. Memory stays bounded by the longest line.
pub fn check_stream(
    rules: &ScopeRules,
    mut input: impl BufRead,
    reporter: &mut dyn CheckReporter,
    opts: CheckOptions,
) -> io::Result<CheckSummary> {
    let mut summary = CheckSummary::default();
    let mut long = Vec::new();
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        // The whole lines in the reader's buffer are classified where they are, not copied.
        let Some(last) = memchr::memrchr(b'\n', buf) else {
            // A line longer than the buffer, or the last line without its line end.
            long.clear();
            input.read_until(b'\n', &mut long)?;
            check_lines(rules, &long, reporter, opts, &mut summary)?;
            if long.capacity() > 1 << 20 {
                // Give back the memory of a huge line instead of keeping it for the whole run.
                long = Vec::new();
            }
            continue;
        };
        check_lines(rules, &buf[..=last], reporter, opts, &mut summary)?;
        input.consume(last + 1);
    }
    reporter.finish()?;
    Ok(summary)
}

/// Makes a reporter that writes one batch of output into a buffer.
pub type ReporterFactory<'a> =
    dyn for<'b> Fn(&'b mut Vec<u8>) -> Box<dyn CheckReporter + 'b> + Sync + 'a;

/// Pins a closure to the higher-ranked signature of [`ReporterFactory`] (closures do not infer
/// it on their own).
pub fn reporter_factory<F>(f: F) -> F
where
    F: for<'b> Fn(&'b mut Vec<u8>) -> Box<dyn CheckReporter + 'b> + Sync,
{
    f
}

/// Bytes of input handed to a worker at a time.
const BATCH_BYTES: usize = 256 * 1024;

/// [`check_stream`] on `threads` worker threads, output in input order. A reader thread cuts
/// the input into batches of whole lines; workers classify a batch each into a buffer with a
/// reporter from `make`; this thread writes the buffers in order. Channels are bounded, so
/// memory stays bounded by a few batches per thread (and the longest line).
pub fn check_stream_parallel(
    rules: &ScopeRules,
    mut input: impl BufRead + Send + 'static,
    out: &mut dyn Write,
    make: &ReporterFactory<'_>,
    opts: CheckOptions,
    threads: usize,
) -> io::Result<CheckSummary> {
    use std::collections::BTreeMap;
    use std::sync::mpsc::sync_channel;
    use std::sync::{Arc, Mutex};

    let threads = threads.max(1);
    let (job_tx, job_rx) = sync_channel::<(u64, Vec<u8>)>(threads * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    type BatchResult = io::Result<(Vec<u8>, CheckSummary)>;
    let (res_tx, res_rx) = sync_channel::<(u64, BatchResult)>(threads * 2);

    // The reader is not a scoped thread: when writing fails (a closed pipe) this function
    // returns at once instead of waiting for the next line of an input that may never come.
    let reader = std::thread::spawn(move || -> io::Result<()> {
        let mut seq = 0u64;
        loop {
            let mut batch = Vec::with_capacity(BATCH_BYTES + 1024);
            let mut eof = false;
            while batch.len() < BATCH_BYTES {
                let buf = input.fill_buf()?;
                if buf.is_empty() {
                    eof = true;
                    break;
                }
                // Whole lines at once; a line longer than the buffer (or the last) by itself.
                match memchr::memrchr(b'\n', buf) {
                    Some(last) => {
                        batch.extend_from_slice(&buf[..=last]);
                        input.consume(last + 1);
                    }
                    None => {
                        input.read_until(b'\n', &mut batch)?;
                    }
                }
            }
            if !batch.is_empty() && job_tx.send((seq, batch)).is_err() {
                return Ok(()); // the writer stopped (e.g. a closed pipe)
            }
            seq += 1;
            if eof {
                return Ok(());
            }
        }
    });
    let summary = std::thread::scope(|scope| {
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let res_tx = res_tx.clone();
            scope.spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((seq, batch)) = job else { return };
                let mut buf = Vec::with_capacity(batch.len() + batch.len() / 2);
                let mut summary = CheckSummary::default();
                let result = {
                    let mut reporter = make(&mut buf);
                    check_lines(rules, &batch, reporter.as_mut(), opts, &mut summary)
                        .and_then(|()| reporter.finish())
                };
                if res_tx.send((seq, result.map(|()| (buf, summary)))).is_err() {
                    return;
                }
            });
        }
        // Only the workers hold the job receiver and the result sender now, so each side
        // sees the other hang up.
        drop(job_rx);
        drop(res_tx);

        // Write batches in input order as they complete.
        let mut total = CheckSummary::default();
        let mut pending: BTreeMap<u64, (Vec<u8>, CheckSummary)> = BTreeMap::new();
        let mut next = 0u64;
        let written: io::Result<()> = (|| {
            for (seq, result) in res_rx.iter() {
                pending.insert(seq, result?);
                while let Some((buf, s)) = pending.remove(&next) {
                    out.write_all(&buf)?;
                    total.add(&s);
                    next += 1;
                }
            }
            out.flush()
        })();
        // On a write error, dropping the receiver stops the workers (and so the reader, at
        // its next batch); the scope still waits for the workers, which finish their batch.
        drop(res_rx);
        written.map(|()| total)
    })?;
    // All batches were written, so the reader has finished: collect its I/O error, if any.
    reader
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the input reader failed")))?;
    Ok(summary)
}
