//! Project configuration: `scopelint.yaml` (or `.scopelint.yaml`), found in the working
//! directory or the nearest parent that has one, for the settings a team shares.
//!
//! Precedence, highest first: a command-line flag, an environment variable (only
//! `SCOPELINT_RULES`), the configuration file, the built-in default. [`Settings`] keeps, for
//! every value, where it came from, so `scopelint config show` can say so.
//!
//! The file is parsed like a rules file: every mapping rejects unknown keys, duplicate keys are
//! errors, and every error carries `file:line:column`. Paths in it are relative to the
//! directory that holds it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_saphyr::Spanned;

use scopelint::lint::report::LintFormat;
use scopelint::lint::Severity;
use scopelint::named::Named;
use scopelint::output::CheckFormat;
use scopelint::probe::ProbeFormat;

/// File names looked for in each directory, in this order (the first one found wins).
pub const CONFIG_FILE_NAMES: [&str; 2] = ["scopelint.yaml", ".scopelint.yaml"];

/// The environment variable that lists rules files (`FILE[:FILE...]`).
pub const RULES_ENV: &str = "SCOPELINT_RULES";

// ---- the file -------------------------------------------------------------------------------

/// `scopelint.yaml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Rules files (programs) to use instead of the embedded default.
    pub rules: Option<Spanned<Vec<Spanned<String>>>>,
    /// A Public Suffix List file to use instead of the vendored copy.
    pub psl: Option<Spanned<String>>,
    /// `auto`, `always` or `never`.
    pub color: Option<Spanned<String>>,
    pub check: Option<CheckSection>,
    pub lint: Option<LintSection>,
    pub probe: Option<ProbeSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSection {
    pub format: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintSection {
    pub format: Option<Spanned<String>>,
    pub fail_on: Option<Spanned<String>>,
    /// Rule ids whose diagnostics are dropped.
    pub disable: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSection {
    pub rate: Option<Spanned<String>>,
    pub per_host_rate: Option<Spanned<String>>,
    pub burst: Option<Spanned<u32>>,
    pub format: Option<Spanned<String>>,
    /// Directory of the TLS interception CA (`--ca-dir`), relative to this file.
    pub ca_dir: Option<Spanned<String>>,
}

/// A problem in a configuration file, with where it is (the one source-located error type).
pub type ConfigError = scopelint::diagnostic::SourceError;

/// A configuration file, parsed and checked.
#[derive(Debug)]
pub struct Config {
    /// The file's path, as found or given.
    pub path: PathBuf,
    pub file: ConfigFile,
}

impl Config {
    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read configuration file: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parse configuration text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        // Lines as YAML counts them (a lone `\r` ends one): a comment does not hide what follows.
        let file = if scopelint::text::lines(text, scopelint::text::LineEnds::Any)
            .iter()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            ConfigFile::default()
        } else {
            serde_saphyr::from_str_with_options::<ConfigFile>(
                text,
                scopelint::rules::yaml_options(),
            )
            .map_err(|e| {
                let (line, column) = e
                    .location()
                    .map(|l| (l.line(), l.column()))
                    .unwrap_or((1, 1));
                ConfigError {
                    file: origin.clone(),
                    line: line.max(1) as u32,
                    column: column.max(1) as u32,
                    message: scopelint::rules::yaml_error_message(&e),
                }
            })?
        };
        let config = Config {
            path: path.to_path_buf(),
            file,
        };
        config.check()?;
        Ok(config)
    }

    /// The directory relative paths are taken from.
    pub fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn error_at<T>(&self, at: &Spanned<T>, message: String) -> ConfigError {
        ConfigError {
            file: self.path.display().to_string(),
            line: at.referenced.line().max(1) as u32,
            column: at.referenced.column().max(1) as u32,
            message,
        }
    }

    /// Values serde cannot check: enum names, rule ids, rates.
    fn check(&self) -> Result<(), ConfigError> {
        let f = &self.file;
        if let Some(c) = &f.color {
            parse_choice(&c.value, &["auto", "always", "never"])
                .map_err(|m| self.error_at(c, format!("color: {m}")))?;
        }
        if let Some(rules) = &f.rules {
            if rules.value.is_empty() {
                return Err(self.error_at(
                    rules,
                    "rules: an empty list; remove the key to use the embedded default".into(),
                ));
            }
        }
        if let Some(fmt) = f.check.as_ref().and_then(|s| s.format.as_ref()) {
            parse_enum::<CheckFormat>(&fmt.value)
                .map_err(|m| self.error_at(fmt, format!("check.format: {m}")))?;
        }
        if let Some(lint) = &f.lint {
            if let Some(fmt) = &lint.format {
                parse_enum::<LintFormat>(&fmt.value)
                    .map_err(|m| self.error_at(fmt, format!("lint.format: {m}")))?;
            }
            if let Some(level) = &lint.fail_on {
                parse_choice(&level.value, &["error", "warning", "info"])
                    .map_err(|m| self.error_at(level, format!("lint.fail_on: {m}")))?;
            }
            for id in lint.disable.iter().flat_map(|d| &d.value) {
                if !scopelint::lint::rule_info::RULES
                    .iter()
                    .any(|r| r.id == id.value)
                {
                    return Err(self.error_at(
                        id,
                        format!(
                            "lint.disable: unknown rule `{}` (rules: {})",
                            id.value,
                            scopelint::lint::Linter::rule_ids()
                        ),
                    ));
                }
            }
        }
        if let Some(probe) = &f.probe {
            for (key, rate) in [
                ("rate", &probe.rate),
                ("per_host_rate", &probe.per_host_rate),
            ] {
                if let Some(r) = rate {
                    scopelint::probe::rate::parse_rate(&r.value)
                        .map_err(|m| self.error_at(r, format!("probe.{key}: {m}")))?;
                }
            }
            if let Some(b) = &probe.burst {
                scopelint::probe::rate::check_burst(b.value)
                    .map_err(|m| self.error_at(b, format!("probe.burst: {m}")))?;
            }
            if let Some(fmt) = &probe.format {
                parse_enum::<ProbeFormat>(&fmt.value)
                    .map_err(|m| self.error_at(fmt, format!("probe.format: {m}")))?;
            }
            if let Some(d) = probe.ca_dir.as_ref().filter(|d| d.value.trim().is_empty()) {
                return Err(self.error_at(
                    d,
                    "probe.ca_dir: an empty path; remove the key to use the default".into(),
                ));
            }
        }
        Ok(())
    }
}

fn parse_choice(value: &str, choices: &[&str]) -> Result<(), String> {
    if choices.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "`{value}` is not one of {}",
            choices
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

fn parse_enum<E: Named>(value: &str) -> Result<E, String> {
    E::parse(value).ok_or_else(|| {
        let names: Vec<String> = E::names().iter().map(|n| format!("`{n}`")).collect();
        format!("`{value}` is not one of {}", names.join(", "))
    })
}

fn enum_name<E: Named>(value: &E) -> String {
    value.name().to_string()
}

// ---- discovery ------------------------------------------------------------------------------

/// The configuration file for a directory: `scopelint.yaml` or `.scopelint.yaml` in `start`
/// or its nearest parent that has one.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        CONFIG_FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// How the configuration file in use was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChoice {
    /// `--config FILE`.
    Given(PathBuf),
    /// Found by [`discover`].
    Discovered(PathBuf),
    /// None was found.
    None,
    /// `--isolated`: configuration files are ignored.
    Isolated,
}

/// Choose and load the configuration: `--config FILE`, else (unless `--isolated`) the file
/// discovered from `cwd`.
pub fn load(
    given: Option<&Path>,
    isolated: bool,
    cwd: &Path,
) -> Result<(ConfigChoice, Option<Config>), ConfigError> {
    if let Some(path) = given {
        let config = Config::load(path)?;
        return Ok((ConfigChoice::Given(path.to_path_buf()), Some(config)));
    }
    if isolated {
        return Ok((ConfigChoice::Isolated, None));
    }
    match discover(cwd) {
        Some(path) => {
            let config = Config::load(&path)?;
            Ok((ConfigChoice::Discovered(path), Some(config)))
        }
        None => Ok((ConfigChoice::None, None)),
    }
}

// ---- resolved settings ----------------------------------------------------------------------

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    File { path: PathBuf, line: u64 },
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "flag {name}"),
            Source::Env(name) => write!(f, "env {name}"),
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

/// One resolved value and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Setting<T> {
        Setting {
            value,
            source: Source::Default,
        }
    }

    /// The command line gave this value: it wins over everything else.
    pub fn set_by_flag(&mut self, value: T, flag: &'static str) {
        self.value = value;
        self.source = Source::Flag(flag);
    }
}

/// Every setting the configuration file can hold, resolved (environment > file > default;
/// flags are applied on top with [`Setting::set_by_flag`]).
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: ConfigChoice,
    /// Rules files; empty means the embedded default program.
    pub rules: Setting<Vec<PathBuf>>,
    /// `None`: the vendored Public Suffix List.
    pub psl: Setting<Option<PathBuf>>,
    /// `auto`, `always` or `never`.
    pub color: Setting<String>,
    pub check_format: Setting<CheckFormat>,
    pub lint_format: Setting<LintFormat>,
    pub lint_fail_on: Setting<Severity>,
    pub lint_disable: Setting<Vec<String>>,
    /// `None`: the rules file's `probe.rate`.
    pub probe_rate: Setting<Option<String>>,
    pub probe_per_host_rate: Setting<Option<String>>,
    pub probe_burst: Setting<Option<u32>>,
    pub probe_format: Setting<ProbeFormat>,
    /// `None`: the default data directory (`proxy`/`run --intercept`).
    pub probe_ca_dir: Setting<Option<PathBuf>>,
}

impl Settings {
    /// Resolve from the environment variable value of [`RULES_ENV`], the configuration (if
    /// any) and the defaults.
    pub fn resolve(
        choice: ConfigChoice,
        config: Option<&Config>,
        rules_env: Option<&std::ffi::OsStr>,
    ) -> Settings {
        let mut s = Settings {
            config: choice,
            rules: Setting::default(Vec::new()),
            psl: Setting::default(None),
            color: Setting::default("auto".to_string()),
            check_format: Setting::default(CheckFormat::Text),
            lint_format: Setting::default(LintFormat::Text),
            lint_fail_on: Setting::default(Severity::Error),
            lint_disable: Setting::default(Vec::new()),
            probe_rate: Setting::default(None),
            probe_per_host_rate: Setting::default(None),
            probe_burst: Setting::default(None),
            probe_format: Setting::default(ProbeFormat::Text),
            probe_ca_dir: Setting::default(None),
        };
        if let Some(c) = config {
            let dir = c.dir();
            let f = &c.file;
            if let Some(r) = &f.rules {
                s.rules = Setting {
                    value: r.value.iter().map(|p| dir.join(&p.value)).collect(),
                    source: file_source(c, r),
                };
            }
            if let Some(p) = &f.psl {
                s.psl = Setting {
                    value: Some(dir.join(&p.value)),
                    source: file_source(c, p),
                };
            }
            if let Some(v) = &f.color {
                s.color = Setting {
                    value: v.value.clone(),
                    source: file_source(c, v),
                };
            }
            if let Some(v) = f.check.as_ref().and_then(|x| x.format.as_ref()) {
                if let Ok(value) = parse_enum(&v.value) {
                    s.check_format = Setting {
                        value,
                        source: file_source(c, v),
                    };
                }
            }
            if let Some(lint) = &f.lint {
                if let Some(v) = &lint.format {
                    if let Ok(value) = parse_enum(&v.value) {
                        s.lint_format = Setting {
                            value,
                            source: file_source(c, v),
                        };
                    }
                }
                if let Some(v) = &lint.fail_on {
                    if let Some(value) = Severity::parse(&v.value) {
                        s.lint_fail_on = Setting {
                            value,
                            source: file_source(c, v),
                        };
                    }
                }
                if let Some(v) = &lint.disable {
                    s.lint_disable = Setting {
                        value: v.value.iter().map(|x| x.value.clone()).collect(),
                        source: file_source(c, v),
                    };
                }
            }
            if let Some(probe) = &f.probe {
                if let Some(v) = &probe.rate {
                    s.probe_rate = Setting {
                        value: Some(v.value.clone()),
                        source: file_source(c, v),
                    };
                }
                if let Some(v) = &probe.per_host_rate {
                    s.probe_per_host_rate = Setting {
                        value: Some(v.value.clone()),
                        source: file_source(c, v),
                    };
                }
                if let Some(v) = &probe.burst {
                    s.probe_burst = Setting {
                        value: Some(v.value),
                        source: file_source(c, v),
                    };
                }
                if let Some(v) = &probe.format {
                    if let Ok(value) = parse_enum(&v.value) {
                        s.probe_format = Setting {
                            value,
                            source: file_source(c, v),
                        };
                    }
                }
                if let Some(v) = &probe.ca_dir {
                    s.probe_ca_dir = Setting {
                        value: Some(dir.join(&v.value)),
                        source: file_source(c, v),
                    };
                }
            }
        }
        if let Some(env) = rules_env.filter(|v| !v.is_empty()) {
            s.rules = Setting {
                value: std::env::split_paths(env).collect(),
                source: Source::Env(RULES_ENV),
            };
        }
        s
    }

    /// The `scopelint config show` text: one `key = value  # source` line per setting.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let config = match &self.config {
            ConfigChoice::Given(p) => format!("{}  # flag --config", p.display()),
            ConfigChoice::Discovered(p) => format!("{}  # discovered", p.display()),
            ConfigChoice::None => "none  # no scopelint.yaml or .scopelint.yaml found".into(),
            ConfigChoice::Isolated => "none  # flag --isolated".into(),
        };
        out.push_str(&format!(
            "config = {}\n",
            scopelint::text::printable(&config)
        ));
        let list = |v: &[String]| format!("[{}]", v.join(", "));
        let paths = |v: &[PathBuf]| {
            list(
                &v.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>(),
            )
        };
        let rules = if self.rules.value.is_empty() {
            format!("embedded ({})", scopelint::rules::EMBEDDED_RULES_PATH)
        } else {
            paths(&self.rules.value)
        };
        let opt = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
        let rows: Vec<(&str, String, &Source)> = vec![
            ("rules", rules, &self.rules.source),
            (
                "psl",
                self.psl
                    .value
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "vendored".into()),
                &self.psl.source,
            ),
            ("color", self.color.value.clone(), &self.color.source),
            (
                "check.format",
                enum_name(&self.check_format.value),
                &self.check_format.source,
            ),
            (
                "lint.format",
                enum_name(&self.lint_format.value),
                &self.lint_format.source,
            ),
            (
                "lint.fail_on",
                self.lint_fail_on.value.to_string(),
                &self.lint_fail_on.source,
            ),
            (
                "lint.disable",
                list(&self.lint_disable.value),
                &self.lint_disable.source,
            ),
            (
                "probe.rate",
                opt(&self.probe_rate.value, "from the rules file"),
                &self.probe_rate.source,
            ),
            (
                "probe.per_host_rate",
                opt(&self.probe_per_host_rate.value, "from the rules file"),
                &self.probe_per_host_rate.source,
            ),
            (
                "probe.burst",
                self.probe_burst
                    .value
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "from the rules file".into()),
                &self.probe_burst.source,
            ),
            (
                "probe.format",
                enum_name(&self.probe_format.value),
                &self.probe_format.source,
            ),
            (
                "probe.ca_dir",
                self.probe_ca_dir
                    .value
                    .clone()
                    .or_else(scopelint::probe::intercept::default_ca_dir)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "none (no XDG_DATA_HOME or HOME)".into()),
                &self.probe_ca_dir.source,
            ),
        ];
        // Values and paths come from a repository's configuration file: escaped one by one, so
        // that none, not even one holding a `\n`, makes a line of its own.
        let p = |text: &str| scopelint::text::printable(text).into_owned();
        for (key, value, source) in rows {
            out.push_str(&format!(
                "{key} = {}  # {}\n",
                p(&value),
                p(&source.to_string())
            ));
        }
        out
    }
}

fn line_of<T>(at: &Spanned<T>) -> u64 {
    at.referenced.line().max(1)
}

fn file_source<T>(c: &Config, at: &Spanned<T>) -> Source {
    Source::File {
        path: c.path.clone(),
        line: line_of(at),
    }
}

// ---- --version ------------------------------------------------------------------------------

/// The `--version` text after the binary name: the crate version, the embedded program's
/// revision and the vendored Public Suffix List's VERSION. Computed once, by scanning the
/// embedded texts (no YAML or PSL parse on start-up).
pub fn long_version() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let (id, revision) = embedded_program_revision();
        format!(
            "{}\nembedded program: {} (revision {})\npublic suffix list: {}",
            env!("CARGO_PKG_VERSION"),
            id.unwrap_or("unknown"),
            revision.unwrap_or("unknown"),
            embedded_psl_version().unwrap_or("unknown"),
        )
    })
}

/// `program.id` and `program.revision` of the embedded rules, read off the text.
pub fn embedded_program_revision() -> (Option<&'static str>, Option<&'static str>) {
    let mut in_program = false;
    let (mut id, mut revision) = (None, None);
    for line in scopelint::rules::EMBEDDED_RULES.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            if in_program {
                // `program:` ended: nothing below it is read (every command builds this text,
                // and the rest of the file is most of it).
                break;
            }
            in_program = line.trim_end() == "program:";
            continue;
        }
        // Direct children of `program:` only (two-space indent).
        let Some(rest) = line.strip_prefix("  ").filter(|r| !r.starts_with(' ')) else {
            continue;
        };
        if !in_program {
            continue;
        }
        let scalar = |v: &'static str| {
            let v = v.split(" #").next().unwrap_or(v).trim();
            v.trim_matches('"').trim_matches('\'')
        };
        if let Some(v) = rest.strip_prefix("id:") {
            id = Some(scalar(v));
        } else if let Some(v) = rest.strip_prefix("revision:") {
            revision = Some(scalar(v));
        }
    }
    (id, revision)
}

/// The `// VERSION:` line of the vendored Public Suffix List.
pub fn embedded_psl_version() -> Option<&'static str> {
    scopelint::psl::EMBEDDED_PSL
        .lines()
        .take(50)
        .find_map(|l| l.strip_prefix("// VERSION:"))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/proj/scopelint.yaml"))
    }

    #[test]
    fn version_scan_agrees_with_the_parsers() {
        let psl = scopelint::psl::SuffixList::embedded();
        assert_eq!(embedded_psl_version(), psl.version());
        assert!(embedded_psl_version().is_some());
        let rules = scopelint::ScopeRules::embedded(psl).unwrap();
        let p = &rules.programs[0].file.program;
        let (id, revision) = embedded_program_revision();
        assert_eq!(id, Some(p.id.as_str()));
        assert_eq!(revision, Some(p.revision.as_str()));
        assert!(long_version().contains(&p.revision));
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let e = parse("lint:\n  fail_on: warning\n  dissable: [award]\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("dissable"), "{e}");
    }

    #[test]
    fn bad_values_are_errors_with_their_line() {
        let e = parse("check:\n  format: xml\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.contains("check.format")),
            (2, true),
            "{e}"
        );
        let e = parse("lint:\n  disable:\n    - award\n    - no-such-rule\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        let e = parse("probe:\n  rate: fast\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse("color: auto\ncolor: never\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
    }

    #[test]
    fn paths_are_relative_to_the_config_directory() {
        let c = parse("# team settings\nrules:\n  - scope/a.yaml\npsl: psl.dat\n").unwrap();
        let s = Settings::resolve(ConfigChoice::Discovered(c.path.clone()), Some(&c), None);
        assert_eq!(s.rules.value, vec![PathBuf::from("/proj/scope/a.yaml")]);
        assert_eq!(s.psl.value, Some(PathBuf::from("/proj/psl.dat")));
        assert_eq!(
            s.rules.source,
            Source::File {
                path: "/proj/scopelint.yaml".into(),
                line: 3
            }
        );
    }

    #[test]
    fn env_beats_file_and_flag_beats_env() {
        let c = parse("rules: [a.yaml]\n").unwrap();
        let mut s = Settings::resolve(
            ConfigChoice::None,
            Some(&c),
            Some(std::ffi::OsStr::new("env.yaml")),
        );
        assert_eq!(s.rules.value, vec![PathBuf::from("env.yaml")]);
        assert_eq!(s.rules.source, Source::Env(RULES_ENV));
        s.rules.set_by_flag(vec!["flag.yaml".into()], "--rules");
        assert_eq!(s.rules.source.to_string(), "flag --rules");
    }

    #[test]
    fn empty_file_is_all_defaults() {
        let c = parse("# nothing yet\n\n").unwrap();
        let s = Settings::resolve(ConfigChoice::None, Some(&c), None);
        assert_eq!(s.lint_fail_on.source, Source::Default);
        assert!(s.render().contains("lint.fail_on = error  # default"));
        // A comment ended by a lone `\r` (YAML's line break too) hides nothing after it.
        let c = parse("# project config\rlint:\r  fail_on: warning\r").unwrap();
        let s = Settings::resolve(ConfigChoice::None, Some(&c), None);
        assert_ne!(s.lint_fail_on.source, Source::Default);
    }

    #[test]
    fn discovery_walks_up_and_prefers_the_plain_name() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(discover(&sub), None);
        std::fs::write(dir.path().join(".scopelint.yaml"), "").unwrap();
        assert_eq!(discover(&sub), Some(dir.path().join(".scopelint.yaml")));
        std::fs::write(dir.path().join("scopelint.yaml"), "").unwrap();
        assert_eq!(discover(&sub), Some(dir.path().join("scopelint.yaml")));
    }
}
