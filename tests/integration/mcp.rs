//! `scopelint mcp` spoken to by the official Rust MCP client (`rmcp`) over stdio, against the
//! real binary. HTTP goes only to servers on 127.0.0.1: every name is pinned with `--resolve`,
//! the refused ones too (a scope bug would reach the local "outside" server, where the test
//! sees it).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread;

use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::ServiceExt;
use serde_json::{json, Value};

use crate::common;

const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/rules/probe-headers.yaml"
);

/// A server on 127.0.0.1 recording request lines; `/redirect` answers 302 to `redirect_to`.
fn server(redirect_to: Option<String>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits: Arc<Mutex<Vec<String>>> = Arc::default();
    let h = hits.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (h, redirect_to) = (h.clone(), redirect_to.clone());
            thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let mut head = line.trim().to_string();
                let headers = common::read_headers(&mut reader);
                let header =
                    |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
                let len: usize =
                    header("content-length").map_or(0, |(_, v)| v.parse().unwrap_or(0));
                if header("x-bug-bounty").is_some() {
                    head.push_str(" [x-bug-bounty]");
                }
                let mut body = vec![0u8; len];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                h.lock().unwrap().push(head);
                let _ = match (&redirect_to, path.as_str()) {
                    (Some(to), "/redirect") => write!(
                        stream,
                        "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    ),
                    _ => {
                        let text = format!("served {path} body={}", String::from_utf8_lossy(&body));
                        write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                            text.len()
                        )
                    }
                };
            });
        }
    });
    (port, hits)
}

fn args(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

async fn call(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    server_args: &[String],
    tool: &'static str,
    a: Value,
) -> (Value, bool) {
    // The URL the tool is asked to send must be pinned to loopback by the server's `--resolve`
    // options, as for probe: nothing reaches real DNS even with a bug in the scope check.
    if let Some(url) = a.get("url").and_then(Value::as_str) {
        let mut with_url = server_args.to_vec();
        with_url.push(url.to_string());
        common::assert_pinned_to_loopback(&with_url, "");
    }
    let r = client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(args(a)))
        .await
        .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"));
    let text = r.content[0].as_text().unwrap().text.clone();
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (v, r.is_error == Some(true))
}

#[tokio::test]
async fn mcp_tools_through_the_real_binary() {
    let (op, outside) = server(None);
    let (ip, inside) = server(Some(format!("http://evil.example.org:{op}/landed")));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let server_args: Vec<String> = ["--isolated", "--rules", RULES, "mcp", "--max-requests", "5"]
        .map(String::from)
        .into_iter()
        .chain([
            format!("--resolve=www.example.net:{ip}:127.0.0.1"),
            format!("--resolve=evil.example.org:{op}:127.0.0.1"),
            format!("--audit-log={}", log.display()),
        ])
        .collect();
    let cmd =
        tokio::process::Command::new(assert_cmd::cargo::cargo_bin("scopelint")).configure(|c| {
            c.args(&server_args).env_remove("SCOPELINT_RULES");
        });
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();

    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "audit_tail",
            "check_targets",
            "lint_draft",
            "program_summary",
            "send_request"
        ]
    );
    assert!(tools
        .iter()
        .all(|t| t.description.as_ref().is_some_and(|d| d.len() > 40)));

    let (v, err) = call(
        &client,
        &server_args,
        "check_targets",
        json!({"targets": ["http://www.example.net/", "evil.example.org"]}),
    )
    .await;
    assert!(!err);
    assert_eq!(v["results"][0]["verdict"], "in-scope", "{v}");
    assert_eq!(v["results"][1]["verdict"], "out-of-scope", "{v}");
    assert_eq!(v["results"][1]["rule"], "no-asset", "{v}");

    let (v, err) = call(&client, &server_args, "program_summary", json!({})).await;
    assert!(!err && v.to_string().contains("headers-test"), "{v}");

    let (v, err) = call(
        &client,
        &server_args,
        "lint_draft",
        json!({"text": "---\ntargets: [evil.example.org]\n---\n# Summary\n"}),
    )
    .await;
    assert!(!err);
    assert!(v.to_string().contains("target-out-of-scope"), "{v}");

    // In scope: sent, with the program's identification header; body returned.
    let (v, err) = call(
        &client,
        &server_args,
        "send_request",
        json!({"method": "POST", "url": format!("http://www.example.net:{ip}/mcp"), "body": "hi"}),
    )
    .await;
    assert!(!err);
    assert_eq!(v["status"], 200, "{v}");
    assert_eq!(v["body"], "served /mcp body=hi", "{v}");

    // A form body whose field an exclusion's query condition names: refused, nothing sent.
    let sent_before = inside.lock().unwrap().len();
    let (v, err) = call(
        &client,
        &server_args,
        "send_request",
        json!({"method": "POST", "url": format!("http://www.example.net:{ip}/mcp"),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"}, "body": "mode=admin"}),
    )
    .await;
    assert!(!err);
    assert_eq!(v["sent"], false, "{v}");
    assert_eq!(v["refused"]["rule"], "www-admin-mode", "{v}");
    assert!(v["refused"]["reason"]
        .as_str()
        .unwrap()
        .contains("read a body's fields as query parameters"));
    assert_eq!(inside.lock().unwrap().len(), sent_before);

    // Out of scope: a tool result with rule and reason, nothing sent.
    let (v, err) = call(
        &client,
        &server_args,
        "send_request",
        json!({"method": "GET", "url": format!("http://evil.example.org:{op}/x")}),
    )
    .await;
    assert!(!err, "a refusal is a result, not an error");
    assert_eq!(v["sent"], false);
    assert_eq!(v["refused"]["rule"], "no-asset", "{v}");

    // A redirect out of scope: refused at the second hop.
    let (v, _) = call(
        &client,
        &server_args,
        "send_request",
        json!({"method": "GET", "url": format!("http://www.example.net:{ip}/redirect")}),
    )
    .await;
    assert_eq!(v["refused"]["rule"], "no-asset", "{v}");
    assert!(v["refused"]["reason"]
        .as_str()
        .unwrap()
        .contains("redirect not followed"));
    assert_eq!(v["hops"].as_array().unwrap().len(), 2);

    // A caller Host header: refused before anything.
    let (v, _) = call(
        &client,
        &server_args,
        "send_request",
        json!({"method": "GET", "url": format!("http://www.example.net:{ip}/h"), "headers": {"Host": "evil.example.org"}}),
    )
    .await;
    assert_eq!(v["refused"]["rule"], "bad-request", "{v}");

    // A method outside the list: a schema error from the server, as a tool error.
    let r = client
        .call_tool(
            CallToolRequestParams::new("send_request").with_arguments(args(
                json!({"method": "TRACE", "url": format!("http://www.example.net:{ip}/")}),
            )),
        )
        .await;
    assert!(r.is_err() || r.unwrap().is_error == Some(true));

    let (v, _) = call(&client, &server_args, "audit_tail", json!({"count": 10})).await;
    let verdicts: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        ["sent", "refused", "refused", "sent", "refused", "refused"],
        "{v}"
    );

    client.cancel().await.unwrap();

    assert_eq!(
        *inside.lock().unwrap(),
        [
            "POST /mcp HTTP/1.1 [x-bug-bounty]",
            "GET /redirect HTTP/1.1 [x-bug-bounty]"
        ]
    );
    assert!(
        outside.lock().unwrap().is_empty(),
        "{:?}",
        outside.lock().unwrap()
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 8, "{text}"); // 2 x (sending, sent) + 4 refused
}
