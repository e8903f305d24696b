//! `relcheck lsp`: a language server over stdio (LSP 3.17, synchronous). For every open
//! `.tf`/`.tf.json` document it checks the document's directory (its files, not its
//! subdirectories) as `relcheck check DIR/*.tf` does (variables files, local modules,
//! `.relcheck.toml`, `relcheck:ignore`), reading
//! the editor's unsaved text of every open document instead of its file, and publishes
//! the findings of each open document of that directory as diagnostics. Code actions
//! offer each finding's fix (the `--fix` edit, under the same checks) as a
//! `WorkspaceEdit`; hover shows the rule's `relcheck explain` text.
//!
//! [`protocol`] frames and parses messages, [`server`] keeps the state and answers,
//! [`features`] turns a report into diagnostics, code actions and hovers, [`convert`]
//! maps byte offsets to LSP positions (UTF-16) and paths to URIs.

pub mod convert;
mod features;
pub mod protocol;
mod server;

use std::io::{BufRead, Write};

pub use server::{Server, Step};

/// Serves one client until `exit` or the end of the input; returns the exit status
/// (0 after `shutdown` + `exit`, 1 otherwise, as LSP says).
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> i32 {
    let mut server = Server::default();
    while let Some(message) = protocol::read_message(&mut input) {
        // A bug must not take the editor's diagnostics down: the message gets an internal
        // error (requests) and the server goes on.
        let id = match &message {
            protocol::Incoming::Request { id, .. } => Some(id.clone()),
            _ => None,
        };
        let handled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.handle(message)));
        let step = handled.unwrap_or_else(|_| Step {
            send: id
                .map(|id| {
                    protocol::error(
                        id,
                        protocol::INTERNAL_ERROR,
                        "internal error in relcheck lsp (please report it)",
                    )
                })
                .into_iter()
                .collect(),
            exit: None,
        });
        for m in &step.send {
            if let Err(e) = protocol::write_message(&mut output, m) {
                eprintln!("relcheck lsp: cannot write to the client: {e}");
                return 1;
            }
        }
        if let Some(code) = step.exit {
            return code;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    fn frame(messages: &[Value]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in messages {
            let body = m.to_string();
            out.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).bytes());
        }
        out
    }

    /// The answers to `input`, and the exit status.
    fn run(input: Vec<u8>) -> (Vec<Value>, i32) {
        let mut output = Vec::new();
        let code = super::serve(std::io::Cursor::new(input), &mut output);
        let mut answers = Vec::new();
        let mut rest = &output[..];
        while !rest.is_empty() {
            let head = rest.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let header = std::str::from_utf8(&rest[..head]).unwrap();
            let length: usize = header["Content-Length: ".len()..].parse().unwrap();
            let body = &rest[head + 4..head + 4 + length];
            answers.push(serde_json::from_slice(body).unwrap());
            rest = &rest[head + 4 + length..];
        }
        (answers, code)
    }

    /// Parameters of every shape a confused client could send: no panic, an answer to
    /// every request, and the exit status LSP asks for.
    #[test]
    fn odd_parameters_are_answered_not_fatal() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("main.tf");
        std::fs::write(
            &path,
            "resource \"aws_db_instance\" \"x\" {\n  multi_az = false\n}\n",
        )
        .unwrap();
        let uri = super::convert::path_to_uri(&path.canonicalize().unwrap());
        let req = |id: i64, method: &str, params: Value| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let note = |method: &str, params: Value| json!({"jsonrpc": "2.0", "method": method, "params": params});
        let odd_positions = [
            json!({"line": 99, "character": 99}),
            json!({"line": -1, "character": 0}),
            json!({"line": "0", "character": 0}),
            json!(null),
        ];
        let mut messages = vec![
            req(1, "initialize", json!(null)),
            note(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri}}),
            ),
            note(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": "untitled:1", "text": "x"}}),
            ),
            note(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": "file:///nowhere/at/all.tf", "text": "x ="}}),
            ),
            note(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri}, "contentChanges": [{"range": {"start": {"line": 9, "character": 9}, "end": {"line": 0, "character": 0}}, "text": "é"}]}),
            ),
            note(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri}, "contentChanges": "no"}),
            ),
            note(
                "textDocument/didClose",
                json!({"textDocument": {"uri": "file:///never/opened.tf"}}),
            ),
            note("textDocument/didSave", json!(42)),
        ];
        let mut id = 2;
        for p in &odd_positions {
            messages.push(req(
                id,
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": p}),
            ));
            messages.push(req(
                id + 1,
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri}, "range": {"start": p, "end": p}}),
            ));
            id += 2;
        }
        messages.push(req(id, "textDocument/hover", json!([1, 2])));
        messages.push(req(id + 1, "shutdown", json!(null)));
        messages.push(req(id + 2, "textDocument/hover", json!({})));
        messages.push(note("exit", json!(null)));
        let (answers, code) = run(frame(&messages));
        assert_eq!(code, 0);
        for i in 1..=id + 2 {
            let n = answers.iter().filter(|a| a["id"] == json!(i)).count();
            assert_eq!(n, 1, "request {i}: {answers:#?}");
        }
        // Answered by design, not by the panic guard.
        assert!(
            answers.iter().all(|a| a["error"]["code"] != -32603),
            "{answers:#?}"
        );
        let after_shutdown = answers.iter().find(|a| a["id"] == json!(id + 2)).unwrap();
        assert_eq!(after_shutdown["error"]["code"], -32600);
    }

    /// Bytes that are not the protocol: the server stops reading (status 1), never panics
    /// or waits for more than it was given.
    #[test]
    fn garbage_ends_the_server() {
        let mut seed: u32 = 7;
        for len in [0usize, 1, 17, 200, 5000] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let mut with_header = b"Content-Length: 30\r\n\r\n".to_vec();
            with_header.extend(&bytes);
            assert_eq!(run(bytes).1, 1);
            assert_eq!(run(with_header).1, 1);
        }
    }
}
