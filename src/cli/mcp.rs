//! `scopelint mcp`: a Model Context Protocol server over stdio (the official Rust SDK, `rmcp`)
//! that gives an AI agent the scope engine with settings it cannot change: the rules, rate,
//! budget and audit log are fixed by the command line when the server starts.
//!
//! Tools: `check_targets`, `program_summary`, `lint_draft` (text only, never a path),
//! `send_request` (through the probe engine) and `audit_tail`. A refusal is a tool result the
//! model reads (rule and reason), not a protocol error.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{schemars, tool, tool_handler, tool_router, ServerHandler, ServiceExt};
use serde::Deserialize;
use serde_json::{json, Value};

use scopelint::lint;
use scopelint::probe::audit::AuditRecord;
use scopelint::probe::send::{send_one, SendRequest};
use scopelint::probe::Engine;
use scopelint::ScopeRules;

use super::args::McpArgs;
use super::send::{engine, runtime};
use super::{CliError, ExitStatus};

/// Audit entries kept for `audit_tail`.
const AUDIT_KEPT: usize = 500;
/// Default and largest response body returned by `send_request`.
const BODY_DEFAULT: usize = 64 * 1024;
const BODY_MAX: usize = 1024 * 1024;
/// Largest draft `lint_draft` takes.
const DRAFT_MAX: usize = 1024 * 1024;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct CheckTargets {
    /// Targets as `scopelint check` takes them: URLs, hosts, host:port, host/path, IPs,
    /// `android:<package>`, `ios:<bundle-id>`. At most 1000.
    pub targets: Vec<String>,
    /// Include the decision path of each verdict.
    #[serde(default)]
    pub explain: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ProgramSummary {
    /// Program id, when several programs are loaded (default: the first).
    #[serde(default)]
    pub program: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct LintDraft {
    /// The report draft itself (Markdown with optional YAML front matter), as text. Not a
    /// path: this tool reads no files. At most 1 MiB.
    pub text: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SendHttp {
    /// HTTP method.
    pub method: HttpMethod,
    /// Absolute http:// or https:// URL. Its host must be in scope; so must every redirect hop.
    pub url: String,
    /// Request headers as `{"Name": "value"}`. A `Host` header is refused.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// Request body (text).
    #[serde(default)]
    pub body: Option<String>,
    /// Redirects to follow for GET and HEAD (default 5, at most 10); each hop is checked.
    #[serde(default)]
    pub max_redirects: Option<usize>,
    /// Most response body bytes returned (default 65536, at most 1048576).
    #[serde(default)]
    pub max_body_bytes: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AuditTail {
    /// How many of the last entries (default 20, at most 500).
    #[serde(default)]
    pub count: Option<usize>,
}

#[derive(Clone)]
pub struct ScopeServer {
    engine: Arc<Engine>,
    log: Arc<Mutex<VecDeque<AuditRecord>>>,
}

fn json_result(v: Value) -> CallToolResult {
    let text =
        serde_json::to_string_pretty(&v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    CallToolResult::success(vec![ContentBlock::text(text)])
}

fn error_result(msg: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(msg)])
}

#[tool_router]
impl ScopeServer {
    fn new(engine: Arc<Engine>) -> Self {
        ScopeServer {
            engine,
            log: Arc::default(),
        }
    }

    fn rules(&self) -> &ScopeRules {
        &self.engine.rules
    }

    #[tool(
        description = "Classify targets against the bug-bounty program's scope. For each target: verdict (in-scope, out-of-scope, invalid), program, asset, deciding rule, reason and the rules-file line. Checks only; sends nothing."
    )]
    async fn check_targets(&self, Parameters(p): Parameters<CheckTargets>) -> CallToolResult {
        if p.targets.len() > 1000 {
            return error_result("at most 1000 targets per call".into());
        }
        let out: Vec<Value> = p
            .targets
            .iter()
            .map(|t| match self.rules().classify(t, p.explain) {
                Some(v) => {
                    serde_json::to_value(scopelint::output::VerdictRecord::new(t, &v, p.explain))
                        .unwrap_or(Value::Null)
                }
                None => json!({"target": t, "verdict": "invalid", "reason": "no rules loaded"}),
            })
            .collect();
        json_result(json!({ "results": out }))
    }

    #[tool(
        description = "The program's rules from the source of truth: scope (assets), exclusions, rules of engagement, award tables, test-account marker, request pacing. Read this before testing."
    )]
    async fn program_summary(&self, Parameters(p): Parameters<ProgramSummary>) -> CallToolResult {
        let programs = &self.rules().programs;
        let found = match &p.program {
            None => programs.first(),
            Some(id) => programs.iter().find(|x| x.id() == id),
        };
        match found {
            Some(prog) => json_result(scopelint::authoring::show::show_json(prog)),
            None => error_result(format!(
                "no program `{}` is loaded (loaded: {})",
                p.program.unwrap_or_default(),
                programs
                    .iter()
                    .map(|x| x.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    #[tool(
        description = "Pre-check a bug-bounty report draft given as text (Markdown, optional YAML front matter with targets, impact, severity): out-of-scope targets, excluded vulnerability classes, missing sections, pasted secrets, rules-of-engagement problems, expected award. Returns diagnostics with line numbers. Reads no files."
    )]
    async fn lint_draft(&self, Parameters(p): Parameters<LintDraft>) -> CallToolResult {
        if p.text.len() > DRAFT_MAX {
            return error_result("the draft is over 1 MiB".into());
        }
        let linter = match lint::Linter::new(self.rules()) {
            Ok(l) => l,
            Err(e) => return error_result(e.to_string()),
        };
        let report = linter.lint_text("draft.md", &p.text);
        let mut buf: Vec<u8> = Vec::new();
        let rendered = {
            let mut r = lint::report::reporter(
                scopelint::lint::report::LintFormat::Json,
                Box::new(&mut buf),
                false,
            );
            let mut summary = lint::LintSummary::default();
            summary.add(&report);
            r.file(&report).and_then(|_| r.finish(&summary))
        };
        match rendered
            .map_err(|e| e.to_string())
            .and_then(|_| serde_json::from_slice::<Value>(&buf).map_err(|e| e.to_string()))
        {
            Ok(v) => json_result(v),
            Err(e) => error_result(e),
        }
    }

    #[tool(
        description = "Send one HTTP request through scopelint's enforcing engine. The URL and every redirect hop must be in the program's scope (refused otherwise, with the rule and reason; nothing is sent; a form or JSON body's fields are checked as query parameters), internal addresses are refused, requests are paced and count against the request budget, and each is written to the audit log (secret header values redacted). A Host header is refused. Returns status, headers, the response body (bounded) and every hop's audit entry."
    )]
    async fn send_request(&self, Parameters(p): Parameters<SendHttp>) -> CallToolResult {
        use reqwest::Method;
        let method = match p.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Head => Method::HEAD,
            HttpMethod::Post => Method::POST,
            HttpMethod::Put => Method::PUT,
            HttpMethod::Patch => Method::PATCH,
            HttpMethod::Delete => Method::DELETE,
            HttpMethod::Options => Method::OPTIONS,
        };
        let req = SendRequest {
            method,
            url: p.url,
            headers: p.headers.into_iter().collect(),
            body: p.body,
            max_redirects: p.max_redirects.unwrap_or(5).min(10),
            max_body: p.max_body_bytes.unwrap_or(BODY_DEFAULT).min(BODY_MAX),
        };
        let outcome = send_one(&self.engine, req, "mcp").await;
        {
            let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            for h in &outcome.hops {
                if log.len() == AUDIT_KEPT {
                    log.pop_front();
                }
                log.push_back(h.clone());
            }
        }
        json_result(serde_json::to_value(&outcome).unwrap_or(Value::Null))
    }

    #[tool(
        description = "The last audit entries of this session (requests sent, refused or failed through send_request), newest last."
    )]
    async fn audit_tail(&self, Parameters(p): Parameters<AuditTail>) -> CallToolResult {
        let n = p.count.unwrap_or(20).min(AUDIT_KEPT);
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let entries: Vec<&AuditRecord> = log.iter().skip(log.len().saturating_sub(n)).collect();
        json_result(json!({ "entries": entries }))
    }
}

#[tool_handler(
    name = "scopelint",
    instructions = "Bug-bounty scope guard. Read program_summary first; check targets before testing; send HTTP only through send_request (out-of-scope requests are refused); lint report drafts before submitting."
)]
impl ServerHandler for ScopeServer {}

pub fn cmd_mcp(rules: ScopeRules, args: &McpArgs) -> Result<ExitStatus, CliError> {
    let engine = Arc::new(engine(rules, &args.send)?);
    runtime()?.block_on(async {
        let server = ScopeServer::new(engine);
        let running = server
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| CliError::Config(format!("mcp: {e}")))?;
        running
            .waiting()
            .await
            .map_err(|e| CliError::Config(format!("mcp: {e}")))?;
        Ok::<_, CliError>(())
    })?;
    Ok(ExitStatus::Clean)
}
