//! JSON-RPC 2.0 over LSP's base protocol: `Content-Length: N\r\n\r\n` and N bytes of JSON.
//! Reading never panics: a header or body that is not what the protocol says becomes a
//! [`Incoming::Malformed`] the server answers, or ends the stream when the framing itself
//! is lost.

use std::io::{BufRead, Read, Write};

use serde_json::{json, Value};

/// The largest message body read (an editor sends whole documents; relcheck reads no
/// file over 16 MiB either).
pub const MAX_BODY: usize = 32 << 20;

/// Longest header line accepted.
const MAX_HEADER_LINE: usize = 8 << 10;

/// JSON-RPC error codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// LSP: a request before `initialize`.
pub const SERVER_NOT_INITIALIZED: i64 = -32002;
/// LSP: a request after `shutdown`.
pub const INVALID_AFTER_SHUTDOWN: i64 = -32600;

/// One message from the client.
#[derive(Debug)]
pub enum Incoming {
    /// A request: it gets exactly one response with its `id`.
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// A notification: no response.
    Notification { method: String, params: Value },
    /// A response to a request of ours (the server sends none that need an answer).
    Response,
    /// A framed message that is not a JSON-RPC message; answered with an error (`id`
    /// null unless one could be read).
    Malformed {
        id: Value,
        code: i64,
        message: String,
    },
}

/// Reads the next message; `None` at the end of the input, or when the framing is lost
/// (a header without `Content-Length`, a body cut short), after saying why on stderr.
pub fn read_message(input: &mut impl BufRead) -> Option<Incoming> {
    let mut length: Option<usize> = None;
    let mut bad_length: Option<String> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        let n = input
            .by_ref()
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
            .ok()?;
        if n == 0 {
            if saw_header {
                eprintln!("relcheck lsp: input ended inside a message header");
            }
            return None;
        }
        if !line.ends_with(b"\n") {
            eprintln!("relcheck lsp: header line longer than {MAX_HEADER_LINE} bytes; stopping");
            return None;
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !saw_header {
                continue; // blank lines between messages
            }
            break;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<usize>() {
                    Ok(v) => length = Some(v),
                    Err(_) => bad_length = Some(value.trim().to_string()),
                }
            }
        }
    }
    let Some(length) = length else {
        eprintln!(
            "relcheck lsp: message header without a valid Content-Length{}; stopping",
            bad_length.map(|v| format!(" (`{v}`)")).unwrap_or_default()
        );
        return None;
    };
    if length > MAX_BODY {
        // Skip the body (bounded by its length) and say why.
        let skipped = std::io::copy(&mut input.take(length as u64), &mut std::io::sink()).ok()?;
        if skipped < length as u64 {
            return None;
        }
        return Some(Incoming::Malformed {
            id: Value::Null,
            code: INVALID_REQUEST,
            message: format!("message of {length} bytes is larger than {MAX_BODY} bytes"),
        });
    }
    let mut body = vec![0u8; length];
    if input.read_exact(&mut body).is_err() {
        eprintln!("relcheck lsp: input ended inside a message body");
        return None;
    }
    Some(parse_body(&body))
}

/// A message body as JSON-RPC.
pub fn parse_body(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Malformed {
                id: Value::Null,
                code: PARSE_ERROR,
                message: format!("message is not JSON: {e}"),
            }
        }
    };
    let Value::Object(mut obj) = value else {
        return Incoming::Malformed {
            id: Value::Null,
            code: INVALID_REQUEST,
            message: "message is not a JSON object".into(),
        };
    };
    let id = obj.remove("id");
    let params = obj.remove("params").unwrap_or(Value::Null);
    match (obj.remove("method"), id) {
        (Some(Value::String(method)), Some(id @ (Value::Number(_) | Value::String(_)))) => {
            Incoming::Request { id, method, params }
        }
        (Some(Value::String(method)), None) => Incoming::Notification { method, params },
        (Some(Value::String(_)), Some(_)) => Incoming::Malformed {
            id: Value::Null,
            code: INVALID_REQUEST,
            message: "request `id` must be a number or a string".into(),
        },
        (None, Some(_)) if obj.contains_key("result") || obj.contains_key("error") => {
            Incoming::Response
        }
        (_, id) => Incoming::Malformed {
            id: id.unwrap_or(Value::Null),
            code: INVALID_REQUEST,
            message: "message has no `method` string".into(),
        },
    }
}

/// Writes one message with its header.
pub fn write_message(out: &mut impl Write, message: &Value) -> std::io::Result<()> {
    let body = message.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// A successful response.
pub fn response(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error response.
pub fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// A notification from the server.
pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Option<Incoming> {
        read_message(&mut std::io::Cursor::new(s.as_bytes().to_vec()))
    }

    #[test]
    fn frames_and_kinds() {
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
        let m = read(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        assert!(matches!(m, Some(Incoming::Request { method, .. }) if method == "initialize"));
        let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let m = read(&format!(
            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        ));
        assert!(matches!(m, Some(Incoming::Notification { method, .. }) if method == "exit"));
    }

    #[test]
    fn malformed_input_is_an_answer_or_the_end() {
        let m = read("Content-Length: 5\r\n\r\n{nope");
        assert!(matches!(
            m,
            Some(Incoming::Malformed {
                code: PARSE_ERROR,
                ..
            })
        ));
        let m = read("Content-Length: 2\r\n\r\n[]");
        assert!(matches!(
            m,
            Some(Incoming::Malformed {
                code: INVALID_REQUEST,
                ..
            })
        ));
        let m = read("Content-Length: 12\r\n\r\n{\"id\":[1,2]}");
        assert!(matches!(
            m,
            Some(Incoming::Malformed {
                code: INVALID_REQUEST,
                ..
            })
        ));
        assert!(read("Content-Length: x\r\n\r\n{}").is_none());
        assert!(read("Content-Length: 10\r\n\r\n{}").is_none());
        assert!(read("").is_none());
    }
}
