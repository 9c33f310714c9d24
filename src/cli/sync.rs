//! `scopelint sync PLATFORM URL --into DIR`: fetch a platform file, import every program into
//! DIR (as `import --all`), keep the previous import in `DIR/.previous/`, and print the change
//! feed between the two. The fetched file and its validators stay in `DIR/.sync/` so the next
//! sync asks only for a newer file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use scopelint::import::all::{self, AllImport};
use scopelint::import::fetch::{self, Fetched, Validators};
use scopelint::named::Named;

use super::args::{Cli, SyncArgs};
use super::import_export::report_all;
use super::rules::{load_dir, write_feed};
use super::{rules_psl, CliError, ExitStatus};

/// Where the previous import is kept.
const PREVIOUS: &str = ".previous";
/// Where the fetched file and its validators are kept.
const STATE: &str = ".sync";

/// The fetched file and what identifies it, in `DIR/.sync/`.
struct State {
    dir: PathBuf,
}

impl State {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.file(name))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The validators of the last fetch of `url` (none when it was another URL).
    fn validators(&self, url: &str) -> Validators {
        if self.read("snapshot.url").as_deref() != Some(url) {
            return Validators::default();
        }
        Validators {
            etag: self.read("snapshot.etag"),
            last_modified: self.read("snapshot.last-modified"),
        }
    }

    fn save(&self, url: &str, body: &[u8], v: &Validators) -> Result<(), CliError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| cannot("create", &self.dir, e))?;
        let write = |name: &str, bytes: &[u8]| {
            let path = self.file(name);
            std::fs::write(&path, bytes).map_err(|e| cannot("write", &path, e))
        };
        write("snapshot.json", body)?;
        write("snapshot.url", url.as_bytes())?;
        for (name, value) in [
            ("snapshot.etag", &v.etag),
            ("snapshot.last-modified", &v.last_modified),
        ] {
            match value {
                Some(x) => write(name, x.as_bytes())?,
                None => {
                    let _ = std::fs::remove_file(self.file(name));
                }
            }
        }
        Ok(())
    }
}

fn cannot(what: &str, path: &Path, e: std::io::Error) -> CliError {
    CliError::Config(format!("{}: cannot {what}: {e}", path.display()))
}

pub fn cmd_sync(cli: &Cli, args: &SyncArgs) -> Result<ExitStatus, CliError> {
    let platform = args.platform;
    let psl = rules_psl(cli)?;
    let dir = &args.into;
    let state = State {
        dir: dir.join(STATE),
    };
    let had_import = !all::generated_files(dir)
        .map_err(CliError::Config)?
        .is_empty();
    // Ask for a newer file only when the import it came from is still there.
    let previous = if had_import {
        state.validators(&args.url)
    } else {
        Validators::default()
    };
    let limits = fetch::Limits {
        max_bytes: args.max_bytes,
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let fetched = super::send::runtime()?
        .block_on(fetch::fetch(&args.url, &previous, limits))
        .map_err(CliError::Config)?;
    let (body, validators) = match fetched {
        Fetched::NotModified => {
            eprintln!(
                "scopelint sync: {} has not changed since the last sync (HTTP 304)",
                args.url
            );
            write_feed(&[], args.format)?;
            return Ok(ExitStatus::Clean);
        }
        Fetched::Body(body, v) => (body, v),
    };
    let text = String::from_utf8(body).map_err(|e| {
        CliError::Config(scopelint::text::not_utf8(
            &args.url,
            &e,
            scopelint::text::LineEnds::Newline,
        ))
    })?;
    let command = format!("scopelint sync {} {}", platform.name(), args.url);
    // Import before touching DIR: a file that does not import leaves the last sync as it was.
    let imported =
        all::import_all(platform, &text, &args.url, &command, &psl).map_err(CliError::Config)?;
    rotate(dir)?;
    all::write_all(dir, &imported).map_err(CliError::Config)?;
    state.save(&args.url, text.as_bytes(), &validators)?;
    report_all(&imported, dir, false);
    if !had_import {
        first_sync(&imported, dir);
        write_feed(&[], args.format)?;
        return Ok(ExitStatus::Clean);
    }
    let skipped = imported
        .skipped_programs
        .iter()
        .map(|p| (p.id.clone(), p.reason.clone()))
        .collect();
    // The new side is what was just imported (already loaded once); the old one is on disk.
    let old = load_dir(&dir.join(PREVIOUS), &psl)?;
    let feed = scopelint::authoring::diff::feed(
        &old.iter().map(|p| &p.file).collect::<Vec<_>>(),
        &imported.files.iter().map(|f| &f.rules).collect::<Vec<_>>(),
        &skipped,
    );
    write_feed(&feed, args.format)?;
    Ok(ExitStatus::found(!feed.is_empty()))
}

fn first_sync(imported: &AllImport, dir: &Path) {
    eprintln!(
        "scopelint sync: first sync of {}: {} programs; the next sync prints what changed",
        dir.display(),
        imported.files.len()
    );
}

/// Replace `DIR/.previous/` by the current import (its rules files and `skipped.tsv`).
fn rotate(dir: &Path) -> Result<(), CliError> {
    let previous = dir.join(PREVIOUS);
    std::fs::create_dir_all(&previous).map_err(|e| cannot("create", &previous, e))?;
    for old in all::generated_files(&previous).map_err(CliError::Config)? {
        std::fs::remove_file(&old).map_err(|e| cannot("remove", &old, e))?;
    }
    let _ = std::fs::remove_file(previous.join(all::SKIPPED_FILE));
    let mut current = all::generated_files(dir).map_err(CliError::Config)?;
    if dir.join(all::SKIPPED_FILE).is_file() {
        current.push(dir.join(all::SKIPPED_FILE));
    }
    for f in current {
        let to = previous.join(f.file_name().unwrap_or_default());
        std::fs::copy(&f, &to).map_err(|e| cannot("copy", &to, e))?;
    }
    Ok(())
}
