//! `relcheck lsp` at the protocol level, with a scripted client (`support::lsp`):
//! diagnostics of an open document checked with its directory (variables files included)
//! and the unsaved texts (of variables files too), a quick fix applied and the finding gone, hover with the rule's
//! `relcheck explain` text, a parse error as one diagnostic (UTF-16 column), malformed
//! messages answered without a crash, and the lifecycle's exit statuses.

mod support;

use serde_json::{json, Value};
use support::lsp::{apply_edit, uri, LspClient};

const MAIN_TF: &str = r#"# Orders — «primary» database
resource "aws_db_instance" "orders" {
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  multi_az                = false
  backup_retention_period = 7
}

resource "aws_db_instance" "reports" {
  engine                  = "postgres"
  multi_az                = var.reports_multi_az
  backup_retention_period = 7
}
"#;

const VARIABLES_TF: &str = r#"variable "reports_multi_az" {
  type = bool
}
"#;

/// The RC101 diagnostics, by their first line.
fn rc101_lines(diags: &[Value]) -> Vec<u64> {
    diags
        .iter()
        .filter(|d| d["code"] == "RC101")
        .map(|d| d["range"]["start"]["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn diagnostics_quick_fix_and_hover() {
    // `terraform.tfvars` gives the variable its value: the check is the directory's.
    let tmp = support::project(&[
        ("main.tf", MAIN_TF),
        ("variables.tf", VARIABLES_TF),
        ("terraform.tfvars", "reports_multi_az = false\n"),
    ]);
    let dir = tmp.path();
    let main = uri(&dir.join("main.tf"));
    let mut lsp = LspClient::start(dir);
    let caps = lsp.initialize(dir);
    assert_eq!(caps["textDocumentSync"]["change"], 1, "{caps}");
    assert_eq!(caps["hoverProvider"], true);
    assert_eq!(
        caps["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );

    lsp.open(&main, MAIN_TF);
    let diags = lsp.diagnostics(&main);
    assert_eq!(rc101_lines(&diags), vec![4, 10], "{diags:#?}");
    let orders = &diags[0];
    assert_eq!(
        orders["range"],
        json!({"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 33}})
    );
    assert_eq!(orders["severity"], 2);
    assert_eq!(orders["source"], "relcheck");
    let message = orders["message"].as_str().unwrap();
    assert!(message.contains("multi_az is false"), "{message}");
    assert!(message.contains("help: set `multi_az = true`"), "{message}");

    // The finding whose value comes from a variable has no quick fix.
    let r = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}, "range": diags[1]["range"], "context": {"diagnostics": [diags[1]]}}),
    );
    assert_eq!(r["result"], json!([]), "{r}");

    // The literal one has: the `--fix` edit, as a WorkspaceEdit.
    let r = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}, "range": orders["range"], "context": {"diagnostics": [orders]}}),
    );
    let actions = r["result"].as_array().expect("actions").clone();
    assert_eq!(actions.len(), 1, "{r}");
    let action = &actions[0];
    assert_eq!(action["kind"], "quickfix");
    assert_eq!(action["isPreferred"], true);
    assert_eq!(action["diagnostics"][0]["code"], "RC101");
    assert_eq!(action["title"], "relcheck RC101: set `multi_az = true`");
    let fixed = apply_edit(MAIN_TF, &action["edit"], &main);
    assert_eq!(
        fixed,
        MAIN_TF.replace(
            "multi_az                = false",
            "multi_az                = true"
        )
    );

    // The unsaved fixed text is what is checked: the finding is gone, the disk unchanged.
    lsp.change(&main, 2, &fixed);
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![10]);
    let disk = support::relcheck(Some(dir), &["check", "--format", "json", "."]).json();
    assert_eq!(disk["findings"].as_array().unwrap().len(), 2, "{disk}");

    // Hover over the remaining finding: the rule's explanation.
    let r = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main}, "position": {"line": 10, "character": 5}}),
    );
    let explain = support::relcheck(None, &["explain", "RC101"]).stdout;
    let value = r["result"]["contents"]["value"]
        .as_str()
        .expect("hover text");
    assert_eq!(r["result"]["contents"]["kind"], "markdown");
    assert!(value.contains(explain.trim_end()), "{value}");
    assert!(value.contains("multi_az is false"), "{value}");
    // Nothing to say outside findings.
    let r = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main}, "position": {"line": 0, "character": 3}}),
    );
    assert_eq!(r["result"], Value::Null, "{r}");

    // A second open document of the directory gets its diagnostics too; closing clears.
    let vars = uri(&dir.join("variables.tf"));
    lsp.open(&vars, VARIABLES_TF);
    assert_eq!(lsp.diagnostics(&vars), Vec::<Value>::new());
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![10]);
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": main}}),
    );
    assert_eq!(lsp.diagnostics(&main), Vec::<Value>::new());

    // Requests it does not answer, and documents it does not have.
    let r = lsp.request("workspace/symbol", json!({"query": ""}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    let r = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert_eq!(lsp.shutdown(), 0);
}

#[test]
fn unsaved_variables_files_are_read_too() {
    let tmp = support::project(&[
        ("main.tf", MAIN_TF),
        ("variables.tf", VARIABLES_TF),
        ("terraform.tfvars", "reports_multi_az = false\n"),
    ]);
    let dir = tmp.path();
    let main = uri(&dir.join("main.tf"));
    let tfvars = uri(&dir.join("terraform.tfvars"));
    let mut lsp = LspClient::start(dir);
    lsp.initialize(dir);
    lsp.open(&main, MAIN_TF);
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![4, 10]);

    // The editor's text of terraform.tfvars, not the file's, gives the variable its value.
    lsp.open(&tfvars, "reports_multi_az = true\n");
    assert_eq!(lsp.diagnostics(&tfvars), Vec::<Value>::new());
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![4]);

    // A variables file that does not parse: its error on it, the variable unknown (silent).
    lsp.change(&tfvars, 2, "reports_multi_az = [\n");
    let errors = lsp.diagnostics(&tfvars);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["severity"], 1);
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![4]);

    // Closed: the file on disk again.
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": tfvars}}),
    );
    assert_eq!(lsp.diagnostics(&tfvars), Vec::<Value>::new());
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![4, 10]);
    assert_eq!(lsp.shutdown(), 0);
}

#[test]
fn parse_errors_and_malformed_messages() {
    let tmp = support::project(&[("main.tf", MAIN_TF)]);
    let dir = tmp.path();
    let main = uri(&dir.join("main.tf"));
    let mut lsp = LspClient::start(dir);
    // Before `initialize`: refused.
    let r = lsp.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    lsp.initialize(dir);

    // An unsaved text that does not parse: one diagnostic where the parser stopped (UTF-16
    // column: `😀` is two units), no crash.
    let broken = "resource \"aws_db_instance\" \"x\" {\n  engine = \"é😀\" ]\n}\n";
    lsp.open(&main, broken);
    let diags = lsp.diagnostics(&main);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 1, "character": 17})
    );
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("cannot parse"));
    let r = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    assert_eq!(r["result"], json!([]), "{r}");

    // Framed messages that are not JSON-RPC requests get error answers.
    lsp.send_raw(b"Content-Length: 5\r\n\r\n{nope");
    let r = lsp.response(&Value::Null);
    assert_eq!(r["error"]["code"], -32700, "{r}");
    lsp.send_raw(b"Content-Length: 2\r\n\r\n[]");
    let r = lsp.response(&Value::Null);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    let r = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": main}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");

    // A module `terraform init` fetched: its findings show, but it is never edited.
    support::write(dir, ".terraform/modules/db/main.tf", MAIN_TF);
    let fetched = uri(&dir.join(".terraform/modules/db/main.tf"));
    lsp.open(&fetched, MAIN_TF);
    let diags = lsp.diagnostics(&fetched);
    assert_eq!(rc101_lines(&diags), vec![4], "{diags:#?}");
    let r = lsp.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": fetched}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    assert_eq!(r["result"], json!([]), "{r}");

    // A new document that is not on disk yet, in a directory without .tf files: nothing
    // to read there, no diagnostics, no crash.
    let empty = tempfile::tempdir().unwrap();
    let new = format!("{}/new.tf", uri(empty.path()));
    lsp.open(&new, MAIN_TF);
    assert_eq!(lsp.diagnostics(&new), Vec::<Value>::new());

    // Still serving: fixing the text brings the findings back.
    lsp.change(&main, 2, MAIN_TF);
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![4]);
    assert_eq!(lsp.shutdown(), 0);
}

#[test]
fn exit_status_without_shutdown_and_lost_framing() {
    let tmp = support::project(&[("main.tf", MAIN_TF)]);
    let mut lsp = LspClient::start(tmp.path());
    lsp.initialize(tmp.path());
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait(), 1);

    // A header without Content-Length: the stream cannot be followed; the server ends.
    let mut lsp = LspClient::start(tmp.path());
    lsp.send_raw(b"Content-Type: x\r\n\r\n{}");
    assert_eq!(lsp.wait(), 1);
}

#[test]
fn vscode_settings_in_the_readme_start_the_server() {
    let settings: Value = serde_json::from_str(&support::lsp::readme_block("vscode-lsp"))
        .expect("the README's settings.json is JSON");
    assert_eq!(settings["glspc.server.languageId"], json!(["terraform"]));
    assert_eq!(settings["files.associations"]["*.tf"], "terraform");
    let tmp = support::project(&[("main.tf", MAIN_TF)]);
    let command = settings["glspc.server.command"].as_str().unwrap();
    let mut cmd = std::process::Command::new(command);
    for a in settings["glspc.server.commandArguments"]
        .as_array()
        .unwrap()
    {
        cmd.arg(a.as_str().unwrap());
    }
    cmd.current_dir(tmp.path())
        .env("PATH", support::lsp::path_with_relcheck());
    let mut lsp = LspClient::spawn(cmd);
    let caps = lsp.initialize(tmp.path());
    assert_eq!(caps["hoverProvider"], true, "{caps}");
    let main = uri(&tmp.path().join("main.tf"));
    lsp.open(&main, MAIN_TF);
    assert_eq!(rc101_lines(&lsp.diagnostics(&main)), vec![4]);
    assert_eq!(lsp.shutdown(), 0);
}

#[test]
fn the_benchmark_script_runs() {
    // bench/lsp.py as docs/benchmarks.md runs it, two rounds on the quickstart.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("python3")
        .arg(root.join("bench/lsp.py"))
        .args(["--relcheck", env!("CARGO_BIN_EXE_relcheck"), "--runs", "2"])
        .arg(root.join("examples/quickstart"))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("| examples/quickstart | 0 | 0 |"),
        "{stdout}"
    );
}
