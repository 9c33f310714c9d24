//! The fields of a request body that servers read as query parameters.
//!
//! PHP's `$_REQUEST`, ASP.NET's `Request[...]`, Spring's request parameters and Rails' `params`
//! read a form's fields (and Rails a JSON body's members) alongside the query string, so a
//! `POST /` with the form body `mode=admin` reaches what an exclusion of `?mode=admin` keeps
//! out. The engine checks a request whose body has fields as if they were in its query (see
//! `Engine::check_body`).

use url::form_urlencoded;

/// How a body's fields are read, from its `Content-Type`; `None` for a body no common server
/// reads as parameters (or no `Content-Type`: PHP and Spring read none then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` with this boundary.
    Multipart(String),
    /// `application/json` or a `+json` type (Rails' params).
    Json,
}

impl BodyKind {
    pub fn of(content_type: &str) -> Option<BodyKind> {
        let mut parts = content_type.split(';');
        let essence = parts.next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => Some(BodyKind::Form),
            "multipart/form-data" => parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .filter(|b| !b.is_empty())
                .map(BodyKind::Multipart),
            e if e == "application/json"
                || (e.starts_with("application/") && e.ends_with("+json")) =>
            {
                Some(BodyKind::Json)
            }
            _ => None,
        }
    }
}

/// The body's fields written as a query string (empty when it has none). Bytes the query
/// could not hold as written are percent-escaped, so a server decoding either reads the same.
pub fn fields_as_query(kind: &BodyKind, body: &[u8]) -> String {
    match kind {
        BodyKind::Form => escape_for_query(body),
        BodyKind::Multipart(boundary) => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (name, value) in multipart_fields(boundary, body) {
                q.append_pair(&name, &value);
            }
            q.finish()
        }
        BodyKind::Json => {
            let mut q = form_urlencoded::Serializer::new(String::new());
            if let Ok(serde_json::Value::Object(members)) =
                serde_json::from_slice::<serde_json::Value>(body)
            {
                for (name, value) in &members {
                    let values = match value {
                        serde_json::Value::Array(items) => items.iter().collect(),
                        v => vec![v],
                    };
                    for v in values {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Number(n) => n.to_string(),
                            serde_json::Value::Bool(b) => b.to_string(),
                            // Nested objects and nulls are no parameter of their own.
                            _ => continue,
                        };
                        q.append_pair(name, &text);
                    }
                }
            }
            q.finish()
        }
    }
}

/// A form body as a query string: its escapes and separators kept, every other byte a query
/// cannot hold (space, `#`, controls, non-ASCII, ...) percent-escaped.
fn escape_for_query(body: &[u8]) -> String {
    let mut out = String::with_capacity(body.len());
    for &b in body {
        if b.is_ascii_alphanumeric() || b"-._~!$'()*,;:@/?&=+%[]".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The non-file fields of a `multipart/form-data` body: each part's `name` from its
/// `Content-Disposition` (quoted or not), and its content. Parts with a `filename` are files,
/// which PHP and Spring keep apart from the parameters.
fn multipart_fields(boundary: &str, body: &[u8]) -> Vec<(String, String)> {
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let mut fields = Vec::new();
    for part in text.split(delimiter.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let part = part
            .strip_prefix("\r\n")
            .or_else(|| part.strip_prefix('\n'));
        let Some(part) = part else { continue };
        let Some((head, content)) = part
            .split_once("\r\n\r\n")
            .or_else(|| part.split_once("\n\n"))
        else {
            continue;
        };
        let content = content
            .strip_suffix("\r\n")
            .or_else(|| content.strip_suffix('\n'))
            .unwrap_or(content);
        let disposition = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then_some(v)
        });
        let Some(disposition) = disposition else {
            continue;
        };
        let mut name = None;
        let mut file = false;
        for param in disposition.split(';').skip(1) {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            match k.trim().to_ascii_lowercase().as_str() {
                "name" => name = Some(v.trim().trim_matches('"').to_string()),
                "filename" | "filename*" => file = true,
                _ => {}
            }
        }
        if let (Some(name), false) = (name, file) {
            fields.push((name, content.to_string()));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_content_types() {
        assert_eq!(
            BodyKind::of("application/x-www-form-urlencoded; charset=UTF-8"),
            Some(BodyKind::Form)
        );
        assert_eq!(
            BodyKind::of("multipart/form-data; boundary=\"xyz\""),
            Some(BodyKind::Multipart("xyz".into()))
        );
        assert_eq!(BodyKind::of("multipart/form-data"), None);
        assert_eq!(BodyKind::of("Application/JSON"), Some(BodyKind::Json));
        assert_eq!(
            BodyKind::of("application/merge-patch+json"),
            Some(BodyKind::Json)
        );
        assert_eq!(BodyKind::of("text/plain"), None);
    }

    #[test]
    fn fields_of_each_kind() {
        assert_eq!(
            fields_as_query(&BodyKind::Form, b"mode=admin&x=a b#c\xff"),
            "mode=admin&x=a%20b%23c%FF"
        );
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nadmin\r\n\
--xyz\r\ncontent-disposition: form-data; name=f; filename=\"a.txt\"\r\n\r\nmode=admin\r\n\
--xyz\r\nContent-Disposition: form-data; name=q\r\n\r\na&b\r\n--xyz--\r\n";
        assert_eq!(
            fields_as_query(&BodyKind::Multipart("xyz".into()), body),
            "mode=admin&q=a%26b"
        );
        assert_eq!(
            fields_as_query(
                &BodyKind::Json,
                br#"{"mode":"admin","n":1,"b":true,"list":["x","y"],"o":{"mode":"admin"},"z":null}"#
            ),
            // Members in name order (serde_json's map); order does not change a match.
            "b=true&list=x&list=y&mode=admin&n=1"
        );
        assert_eq!(fields_as_query(&BodyKind::Json, b"[1,2]"), "");
    }
}
