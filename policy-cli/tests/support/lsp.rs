//! A scripted LSP client for `relcheck lsp`: spawns the binary, frames JSON-RPC messages,
//! and waits (bounded: a hang fails the test instead of blocking it) for responses and
//! notifications.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{json, Value};

/// How long to wait for one message before failing: a guard against hangs, not a timing.
const WAIT: Duration = Duration::from_secs(60);

pub struct LspClient {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Notifications received while waiting for something else, in order.
    pending: Vec<Value>,
    next_id: i64,
}

/// Reads framed messages from the server until its output ends.
fn read_messages(out: impl Read, tx: std::sync::mpsc::Sender<Value>) {
    let mut out = BufReader::new(out);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let length = length.expect("the server sends Content-Length");
        let mut body = vec![0; length];
        if out.read_exact(&mut body).is_err() {
            return;
        }
        let v: Value = serde_json::from_slice(&body).expect("the server sends JSON");
        if tx.send(v).is_err() {
            return;
        }
    }
}

impl LspClient {
    /// Starts `relcheck lsp` (in `dir`).
    pub fn start(dir: &Path) -> LspClient {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_relcheck"));
        cmd.arg("lsp").current_dir(dir);
        LspClient::spawn(cmd)
    }

    /// Starts a server with this command (for the editors' set-ups as written).
    pub fn spawn(mut cmd: Command) -> LspClient {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("relcheck lsp starts");
        let (tx, rx) = channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || read_messages(out, tx));
        LspClient {
            stdin: child.stdin.take(),
            child,
            messages: rx,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    /// Writes raw bytes to the server (for malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    /// The next message from the server (fails the test after [`WAIT`]).
    pub fn next_message(&mut self) -> Value {
        match self.messages.recv_timeout(WAIT) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("no message from relcheck lsp in {WAIT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("relcheck lsp closed its output"),
        }
    }

    /// Sends a request and returns its response (the whole message: `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(&json!(id))
    }

    /// Waits for the response with this id; notifications on the way are kept.
    pub fn response(&mut self, id: &Value) -> Value {
        loop {
            let m = self.next_message();
            if m.get("method").is_none() && m.get("id") == Some(id) {
                return m;
            }
            self.pending.push(m);
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// `initialize` + `initialized`; returns the server's capabilities.
    pub fn initialize(&mut self, root: &Path) -> Value {
        let r = self.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
        );
        self.notify("initialized", json!({}));
        r["result"]["capabilities"].clone()
    }

    /// The next `publishDiagnostics` for `uri` (earlier ones for it are skipped).
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_it = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(i) = self.pending.iter().position(is_it) {
            let m = self.pending.remove(i);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let m = self.next_message();
            if is_it(&m) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.pending.push(m);
        }
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// `shutdown`, `exit`; returns the server's exit status.
    pub fn shutdown(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        self.wait()
    }

    /// Waits for the server to end (bounded by [`WAIT`]); its exit status.
    pub fn wait(mut self) -> i32 {
        drop(self.stdin.take());
        for _ in 0..(WAIT.as_millis() / 10) {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed by a signal");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        panic!("relcheck lsp did not exit in {WAIT:?}");
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The `file://` URI of a path (canonical; percent-encoded as editors do).
pub fn uri(path: &Path) -> String {
    relcheck::lsp::convert::path_to_uri(&path.canonicalize().unwrap())
}

/// Applies a `WorkspaceEdit`'s text edits for `uri` to `text` (positions in UTF-16).
pub fn apply_edit(text: &str, edit: &Value, uri: &str) -> String {
    let mut edits: Vec<(usize, usize, String)> = edit["changes"][uri]
        .as_array()
        .expect("edits for the document")
        .iter()
        .map(|e| {
            let ix = relcheck::lsp::convert::LineIndex::new(text);
            let span = ix.span(&e["range"]).unwrap();
            (
                span.start,
                span.end,
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort();
    let mut out = text.to_string();
    for (start, end, new) in edits.into_iter().rev() {
        out.replace_range(start..end, &new);
    }
    out
}

/// The fenced code block between `<!-- NAME:start -->` and `<!-- NAME:end -->` in
/// policy-cli/README.md, without its fences: the tests run the README's snippets as written.
pub fn readme_block(name: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let from = readme.find(&start).expect("README has the start marker") + start.len();
    let to = from
        + readme[from..]
            .find(&end)
            .expect("README has the end marker");
    let block = readme[from..to].trim_end();
    let block = block.strip_suffix("```").expect("a fenced block");
    let (_fence, body) = block.split_once('\n').expect("a fenced block");
    body.to_string()
}

/// `PATH` with the directory of the built `relcheck` first (the snippets call `relcheck`).
pub fn path_with_relcheck() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_relcheck")).parent().unwrap();
    let mut dirs = vec![bin.to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}
