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
        let step = server.handle(message);
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
