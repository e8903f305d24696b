//! The server's state and its answer to each message: the open documents, the last check
//! of each directory that has one open, and the lifecycle (`initialize` … `shutdown`,
//! `exit`). Synchronous: one message at a time, answered before the next is read.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};

use super::convert::{uri_to_path, LineIndex};
use super::features;
use super::protocol::{self as rpc, Incoming};
use crate::parse::Overlay;
use crate::{Inputs, Report};

/// An open document: its file and the editor's text of it.
pub(super) struct Doc {
    /// Canonical path (as in [`Report::files`]), or the URI's path when it does not exist.
    pub path: PathBuf,
    pub text: String,
}

/// What one message asks of the loop: messages to send, and whether to exit (with this
/// status).
#[derive(Default)]
pub struct Step {
    pub send: Vec<Value>,
    pub exit: Option<i32>,
}

/// The language server.
#[derive(Default)]
pub struct Server {
    /// Open `.tf`/`.tf.json`/`.tfvars` documents by URI (as the client spells it).
    pub(super) docs: BTreeMap<String, Doc>,
    /// The last check of each directory with an open document.
    pub(super) checks: HashMap<PathBuf, Report>,
    initialized: bool,
    shut_down: bool,
}

impl Server {
    /// Answers one message.
    pub fn handle(&mut self, message: Incoming) -> Step {
        let mut step = Step::default();
        match message {
            Incoming::Request { id, method, params } => {
                let answer = if method == "initialize" {
                    self.initialized = true;
                    rpc::response(id, initialize_result())
                } else if !self.initialized {
                    rpc::error(id, rpc::SERVER_NOT_INITIALIZED, "send `initialize` first")
                } else if self.shut_down {
                    rpc::error(id, rpc::INVALID_AFTER_SHUTDOWN, "the server is shut down")
                } else {
                    match self.request(&method, &params) {
                        Ok(result) => rpc::response(id, result),
                        Err((code, message)) => rpc::error(id, code, &message),
                    }
                };
                step.send.push(answer);
            }
            Incoming::Notification { method, params } => {
                if method == "exit" {
                    step.exit = Some(if self.shut_down { 0 } else { 1 });
                } else if self.initialized && !self.shut_down {
                    step.send = self.notification(&method, &params);
                }
            }
            Incoming::Response => {}
            Incoming::Malformed { id, code, message } => {
                eprintln!("relcheck lsp: {message}");
                step.send.push(rpc::error(id, code, &message));
            }
        }
        step
    }

    fn request(&mut self, method: &str, params: &Value) -> Result<Value, (i64, String)> {
        match method {
            "shutdown" => {
                self.shut_down = true;
                Ok(Value::Null)
            }
            "textDocument/codeAction" => {
                let (uri, doc, report) = self.lookup(params)?;
                let range = params.get("range").ok_or((
                    rpc::INVALID_PARAMS,
                    "codeAction without `range`".to_string(),
                ))?;
                Ok(features::code_actions(uri, doc, report, range, &self.docs))
            }
            "textDocument/hover" => {
                let (_, doc, report) = self.lookup(params)?;
                let position = params
                    .get("position")
                    .ok_or((rpc::INVALID_PARAMS, "hover without `position`".to_string()))?;
                Ok(features::hover(doc, report, position))
            }
            _ => Err((
                rpc::METHOD_NOT_FOUND,
                format!("relcheck does not answer `{method}`"),
            )),
        }
    }

    /// The document a request names and its directory's last check; `Ok(None)`-like empty
    /// answers are the features' business, an unknown document is an invalid parameter.
    fn lookup(&self, params: &Value) -> Result<(&str, &Doc, Option<&Report>), (i64, String)> {
        let uri = params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .ok_or((rpc::INVALID_PARAMS, "no `textDocument.uri`".to_string()))?;
        let Some((uri, doc)) = self.docs.get_key_value(uri) else {
            return Err((
                rpc::INVALID_PARAMS,
                format!("`{uri}` is not an open .tf or .tf.json document"),
            ));
        };
        let report = doc.path.parent().and_then(|d| self.checks.get(d));
        Ok((uri.as_str(), doc, report))
    }

    fn notification(&mut self, method: &str, params: &Value) -> Vec<Value> {
        let uri = params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        match method {
            "textDocument/didOpen" => {
                let Some(path) = uri_to_path(&uri).filter(|p| is_document(p)) else {
                    return Vec::new(); // not ours (another language, not a file)
                };
                let text = params
                    .pointer("/textDocument/text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let path = path.canonicalize().unwrap_or(path);
                let dir = path.parent().map(Path::to_path_buf);
                self.docs.insert(uri, Doc { path, text });
                dir.map(|d| self.check_dir(&d)).unwrap_or_default()
            }
            "textDocument/didChange" => {
                let Some(doc) = self.docs.get_mut(&uri) else {
                    return Vec::new();
                };
                let changes = params.get("contentChanges").and_then(Value::as_array);
                for change in changes.into_iter().flatten() {
                    apply_change(&mut doc.text, change);
                }
                let dir = doc.path.parent().map(Path::to_path_buf);
                dir.map(|d| self.check_dir(&d)).unwrap_or_default()
            }
            "textDocument/didSave" => {
                let dir = self
                    .docs
                    .get(&uri)
                    .and_then(|d| d.path.parent())
                    .map(Path::to_path_buf);
                dir.map(|d| self.check_dir(&d)).unwrap_or_default()
            }
            "textDocument/didClose" => {
                let Some(doc) = self.docs.remove(&uri) else {
                    return Vec::new();
                };
                let mut send = vec![features::publish(&uri, Vec::new())];
                if let Some(dir) = doc.path.parent() {
                    if self.docs.values().any(|d| d.path.parent() == Some(dir)) {
                        send.extend(self.check_dir(dir));
                    } else {
                        self.checks.remove(dir);
                    }
                }
                send
            }
            _ => Vec::new(), // `initialized`, `$/…`, settings: nothing to do
        }
    }

    /// Checks `dir` as `relcheck check DIR/*.tf` does, with the open documents' texts instead
    /// of their files, keeps the report, and publishes the diagnostics of every open
    /// document in `dir`.
    fn check_dir(&mut self, dir: &Path) -> Vec<Value> {
        let mut overlay = Overlay::default();
        for d in self.docs.values() {
            overlay.insert(d.path.clone(), d.text.clone());
        }
        let (report, mut send) = check(dir, overlay);
        let mut by_file: HashMap<&Path, usize> = HashMap::new();
        for (i, f) in report.files.iter().enumerate() {
            by_file.insert(&f.path, i);
        }
        for (uri, doc) in &self.docs {
            if doc.path.parent() != Some(dir) {
                continue;
            }
            let diagnostics = match by_file.get(doc.path.as_path()) {
                Some(&id) => features::diagnostics(&report, id),
                // A variables file: its errors (shown by their path).
                None if !is_source(&doc.path) => {
                    features::errors(&report, &doc.path.display().to_string(), &doc.text)
                }
                // On disk the file does not exist (yet): relcheck has not read it.
                None => Vec::new(),
            };
            send.push(features::publish(uri, diagnostics));
        }
        drop(by_file);
        self.checks.insert(dir.to_path_buf(), report);
        send
    }
}

/// Checks `dir` with `overlay` the way `relcheck check DIR/*.tf` does (the directory's
/// module with its variables files and the local modules it calls, `.relcheck.toml`,
/// thresholds, suppressions). Messages about the configuration are log
/// messages for the client.
pub(super) fn check(dir: &Path, overlay: Overlay) -> (Report, Vec<Value>) {
    let mut send = Vec::new();
    let config = match crate::config::find(dir).map(|p| crate::config::Config::load(&p)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            let message = format!("relcheck: {e} (checking without the configuration)");
            eprintln!("{message}");
            send.push(rpc::notification(
                "window/logMessage",
                json!({"type": 1, "message": message}),
            ));
            None
        }
        None => None,
    };
    let thresholds = config.as_ref().map(|c| c.thresholds).unwrap_or_default();
    // The directory's own files (a module is a directory), not its subdirectories: a
    // document opened in a home directory must not walk the whole home on every change.
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_source(p))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        // Nothing on disk yet (a new, unsaved document): nothing relcheck reads.
        let empty = Report {
            files: Vec::new(),
            findings: Vec::new(),
            errors: Vec::new(),
            skipped: Vec::new(),
            roots: 0,
            max_eval_steps: 0,
            plan_file: None,
        };
        return (empty, send);
    }
    let mut report =
        crate::check_overlay(&files, &Inputs::default(), thresholds, &Arc::new(overlay));
    crate::suppress::apply(&mut report);
    if let Some(c) = &config {
        c.apply(&mut report);
    }
    (report, send)
}

/// Whether relcheck reads this file as Terraform code (`.tf`, `.tf.json`).
fn is_source(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// Whether an open document is the server's: Terraform code, or a variables file
/// (`.tfvars`, `.tfvars.json`: its unsaved text is what the check reads).
fn is_document(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    is_source(path) || name.ends_with(".tfvars") || name.ends_with(".tfvars.json")
}

/// Applies one `contentChanges` entry: the whole text, or a range replaced.
fn apply_change(text: &mut String, change: &Value) {
    let Some(new) = change.get("text").and_then(Value::as_str) else {
        return;
    };
    match change.get("range") {
        Some(range) => {
            let span = LineIndex::new(text).span(range);
            if let Some(span) = span {
                text.replace_range(span, new);
            }
        }
        None => *text = new.to_string(),
    }
}

fn initialize_result() -> Value {
    json!({
        "capabilities": {
            "positionEncoding": "utf-16",
            "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
            "codeActionProvider": {"codeActionKinds": ["quickfix"]},
            "hoverProvider": true,
        },
        "serverInfo": {"name": "relcheck", "version": env!("CARGO_PKG_VERSION")},
    })
}
