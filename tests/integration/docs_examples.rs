//! The examples in README.md and docs/ are true: every rules file shown loads, every other YAML
//! block parses, and every `scopelint` command line shown (that can run here: its files exist,
//! it sends no request) is accepted, i.e. it does not end in a usage or configuration error.

use std::path::Path;
use std::process::Command;

use scopelint::psl::SuffixList;

/// Fenced code blocks of a Markdown file: (info string, body, line of the opening fence).
fn fenced_blocks(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, Vec<&str>)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut open {
            None if trimmed.starts_with("```") => {
                open = Some((trimmed[3..].trim().to_string(), i + 1, Vec::new()));
            }
            Some((info, at, body)) if trimmed.starts_with("```") => {
                // Fragments indented inside a list item keep their relative indentation.
                let indent = body
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.len() - l.trim_start().len())
                    .min()
                    .unwrap_or(0);
                let text: Vec<&str> = body.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
                out.push((info.clone(), text.join("\n"), *at));
                open = None;
            }
            Some((_, _, body)) => body.push(line),
            None => {}
        }
    }
    out
}

fn documents() -> Vec<std::path::PathBuf> {
    let mut files = vec![Path::new("README.md").to_path_buf()];
    let mut docs: Vec<_> = std::fs::read_dir("docs")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

#[test]
fn yaml_examples_load() {
    let mut rules_files = 0;
    let mut problems = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (info, body, line) in fenced_blocks(&text) {
            if info != "yaml" {
                continue;
            }
            let at = format!("{}:{line}", doc.display());
            if body.contains("schema_version:") {
                rules_files += 1;
                if let Err(e) =
                    scopelint::rules::load_program_str(&body, &at, SuffixList::embedded())
                {
                    problems.push(format!("{at}: the rules file does not load: {e}"));
                }
            } else if let Err(e) = serde_saphyr::from_str::<serde_json::Value>(&body) {
                problems.push(format!("{at}: not YAML: {e}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(rules_files >= 1, "no rules file example found");
}

/// Split a shell line into words (single and double quotes, no expansion).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            (None, c) => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Why a documented command line cannot run here, if it cannot.
fn cannot_run(args: &[String]) -> Option<&'static str> {
    // Any of these words anywhere (the first bare word may be a global option's value).
    if args
        .iter()
        .any(|a| matches!(a.as_str(), "probe" | "proxy" | "run" | "mcp" | "sync"))
    {
        return Some("sends requests");
    }
    let missing_file = args.iter().any(|a| {
        let looks_like_path = !a.contains("://")
            && !a.starts_with("android:")
            && !a.starts_with("ios:")
            && (a.contains('/')
                || [
                    ".yaml", ".yml", ".md", ".txt", ".json", ".jsonl", ".sarif", ".inscope",
                ]
                .iter()
                .any(|x| a.ends_with(x)));
        looks_like_path && !Path::new(a.split('=').next_back().unwrap_or(a)).exists()
    });
    missing_file.then_some("names a file that is not in the repository")
}

/// The command lines a document shows: in shell blocks, and in the first column of example
/// tables (`| ... | `scopelint ...` |`), with the line they are on.
fn command_lines(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (info, body, line) in fenced_blocks(text) {
        if matches!(info.as_str(), "sh" | "bash" | "console" | "shell") {
            out.extend(body.lines().map(|l| (l.to_string(), line)));
        }
    }
    for (i, l) in text.lines().enumerate() {
        if !l.starts_with('|') {
            continue;
        }
        for span in l.split('`').skip(1).step_by(2) {
            if span.starts_with("scopelint ") && span.split_whitespace().count() > 2 {
                out.push((span.to_string(), i + 1));
            }
        }
    }
    out
}

#[test]
fn command_examples_are_accepted() {
    let mut ran = 0;
    let mut problems = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for (cmd, line) in command_lines(&text) {
            {
                let cmd = cmd.split(" #").next().unwrap_or(&cmd).trim();
                let cmd = cmd.strip_prefix("$ ").unwrap_or(cmd);
                let Some(rest) = cmd.strip_prefix("scopelint ") else {
                    continue;
                };
                if rest.contains(['|', '>', '<', '$', '&', '`']) || rest.contains("...") {
                    continue;
                }
                let args = words(rest);
                if cannot_run(&args).is_some() {
                    continue;
                }
                let mut c = Command::new(env!("CARGO_BIN_EXE_scopelint"));
                c.args(&args)
                    .env_remove("SCOPELINT_RULES")
                    .env("NO_COLOR", "1")
                    .stdin(std::process::Stdio::null());
                if !args.iter().any(|a| a == "--config") {
                    c.arg("--isolated");
                }
                let out = c.output().unwrap();
                ran += 1;
                let code = out.status.code();
                if !matches!(code, Some(0 | 1)) {
                    problems.push(format!(
                        "{}:{line}: `scopelint {rest}` exited {code:?}: {}",
                        doc.display(),
                        String::from_utf8_lossy(&out.stderr).trim()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Not vacuous: the guides show many runnable commands.
    assert!(ran >= 8, "only {ran} commands ran");
}
