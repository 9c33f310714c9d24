//! `scopelint check`: classify targets from arguments and standard input.

use std::io::{self, Write};

use scopelint::check::{
    check_one, check_stream, check_stream_parallel, reporter_factory, CheckOptions, CheckSummary,
};
use scopelint::matcher::Lookup;
use scopelint::output::{check_reporter, record_reporter, CheckFormat};
use scopelint::records::{check_records, FieldPath};
use scopelint::{ScopeRules, VerdictKind};

use super::args::CheckArgs;
use super::progress::ProgressReader;
use super::{CliError, ExitStatus};

pub fn cmd_check(
    rules: &ScopeRules,
    args: &CheckArgs,
    color: bool,
) -> Result<ExitStatus, CliError> {
    // -q: the exit status is the answer; nothing is written.
    let mut out: Box<dyn Write> = if args.quiet {
        Box::new(io::sink())
    } else {
        Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()))
    };
    let print_kind = args.print;
    // What the reporters print: with -q nothing reaches the output, so a filter (which needs
    // only each verdict's kind, and lets plain targets take the quick path) is as good.
    let shown = if args.quiet {
        Some(VerdictKind::InScope)
    } else {
        print_kind
    };
    if print_kind.is_some() && (args.format != CheckFormat::Text || args.explain) {
        // --print echoes input lines unchanged: there is no verdict object to format or explain.
        return Err(CliError::Usage(
            "--print prints the input lines unchanged: it cannot be combined with --format json/jsonl or --explain; use --format jsonl and filter on `verdict` instead"
                .into(),
        ));
    }
    // A target that names a file here was probably meant as input: say so, and go on.
    for t in args.targets.iter().filter(|t| t.as_str() != "-") {
        if std::path::Path::new(t).is_file() {
            let t = scopelint::text::printable(t);
            eprintln!(
                "scopelint: hint: `{t}` is a file; to classify the targets in it, use `scopelint check - < {t}`"
            );
        }
    }
    let opts = CheckOptions {
        explain: args.explain,
        lookup: if args.reference {
            Lookup::Linear
        } else {
            Lookup::Indexed
        },
    };
    let from_stdin = args.targets.is_empty() || args.targets.iter().any(|t| t == "-");
    // Only standard input runs on threads; asking how many cores there are reads cgroup files,
    // which a target on the command line should not wait for.
    let threads = match args.threads {
        0 if from_stdin => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
        0 => 1,
        n => n,
    };
    // One JSON array cannot be cut into independent batches.
    let parallel = args.field.is_empty()
        && from_stdin
        && threads > 1
        && (shown.is_some() || args.format != CheckFormat::Json);

    let mut summary = CheckSummary::default();
    if !args.field.is_empty() {
        if args.targets.iter().any(|t| t != "-") {
            return Err(CliError::Usage(
                "--field reads JSON Lines from standard input: give no TARGET (or `-`)".into(),
            ));
        }
        let fields = args
            .field
            .iter()
            .map(|f| FieldPath::parse(f))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CliError::Usage)?;
        let mut reporter = record_reporter(&mut out, shown, args.format, color, args.explain);
        summary = check_records(
            rules,
            stdin_input(io::stdin().lock(), args),
            &fields,
            reporter.as_mut(),
            opts,
        )?;
    } else {
        let mut reporter = check_reporter(&mut out, shown, args.format, color, args.explain);
        for t in args.targets.iter().filter(|t| t.as_str() != "-") {
            check_one(rules, t.as_bytes(), reporter.as_mut(), opts, &mut summary)?;
        }
        if from_stdin && !parallel {
            let s = check_stream(
                rules,
                stdin_input(io::stdin().lock(), args),
                reporter.as_mut(),
                opts,
            )?;
            summary.add(&s);
        } else {
            reporter.finish()?;
        }
    }
    if parallel {
        let make =
            reporter_factory(|buf| check_reporter(buf, shown, args.format, color, args.explain));
        let input = stdin_input(io::stdin(), args);
        let s = check_stream_parallel(rules, input, &mut out, &make, opts, threads)?;
        summary.add(&s);
    }
    if summary.total() == 0 && print_kind.is_none() {
        let _ = writeln!(io::stderr(), "scopelint: no targets given");
    }
    if args.stats {
        let _ = writeln!(
            io::stderr(),
            "scopelint check: {} target{}: {} in scope, {} out of scope, {} invalid",
            summary.total(),
            if summary.total() == 1 { "" } else { "s" },
            summary.in_scope,
            summary.out_of_scope,
            summary.invalid
        );
    }
    // With --print, "found" is "printed nothing" (exit 1), as with grep.
    Ok(ExitStatus::found(match print_kind {
        Some(kind) => match kind {
            VerdictKind::InScope => summary.in_scope == 0,
            VerdictKind::OutOfScope => summary.out_of_scope == 0,
            VerdictKind::Invalid => summary.invalid == 0,
        },
        None => summary.out_of_scope + summary.invalid > 0,
    }))
}

/// Standard input (`stdin`, locked or not: the parallel reader hands it to a thread) in
/// 256 KiB reads, whose lines are classified in the buffer, with the progress bar.
fn stdin_input<R: io::Read>(stdin: R, args: &CheckArgs) -> io::BufReader<ProgressReader<R>> {
    io::BufReader::with_capacity(
        256 * 1024,
        ProgressReader::new(stdin, "check", args.no_progress),
    )
}
