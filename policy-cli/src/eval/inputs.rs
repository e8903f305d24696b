//! The variable values given to a root module: `terraform.tfvars`, `*.auto.tfvars`
//! (lexical order), `--var-file`, then `--var`, like Terraform. This is where they are read
//! from disk; the evaluator gets them as [`RootInputs`], parsed but not evaluated.

use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;

use crate::hcl_compat::ParseFailure;
use crate::parse::{line_col_of, LoadError, Overlay, MAX_EXPR_DEPTH};

/// Values given for a root module's variables on the command line.
#[derive(Default, Clone)]
pub struct Inputs {
    pub var_files: Vec<PathBuf>,
    pub vars: Vec<(String, String)>,
}

/// A value given for a variable, not yet evaluated.
pub enum InputValue {
    /// An attribute of a variables file (evaluated outside any module).
    File(Expression),
    /// `--var NAME=VALUE`: the text, and the list or map it is when it parses as one.
    Flag {
        text: String,
        parsed: Option<Expression>,
    },
}

/// One variable value and where it was set (`set in prod.tfvars`, `set by --var x`).
pub struct GivenInput {
    pub name: String,
    pub value: InputValue,
    pub origin: String,
}

/// What a root module is given: values in the order they apply (a later one wins), and
/// the variables files that could not be read.
#[derive(Default)]
pub struct RootInputs {
    pub values: Vec<GivenInput>,
    pub errors: Vec<LoadError>,
}

/// The inputs of the root module in `root`: its `terraform.tfvars` and `*.auto.tfvars`,
/// then `--var-file`, then `--var`.
pub fn load(root: &Path, inputs: &Inputs) -> RootInputs {
    load_with(root, inputs, &Overlay::default())
}

/// [`load`], reading a variables file's text from `overlay` when it has one (an editor's
/// unsaved document).
pub(crate) fn load_with(root: &Path, inputs: &Inputs, overlay: &Overlay) -> RootInputs {
    let mut out = RootInputs::default();
    let mut tfvars: Vec<PathBuf> = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let default_tfvars = root.join(name);
        if default_tfvars.is_file() {
            tfvars.push(default_tfvars);
        }
    }
    if let Ok(rd) = std::fs::read_dir(root) {
        let mut autos: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
            })
            .collect();
        autos.sort();
        tfvars.extend(autos);
    }
    tfvars.extend(inputs.var_files.iter().cloned());
    for path in &tfvars {
        read_tfvars(path, &mut out, overlay);
    }
    for (k, v) in &inputs.vars {
        let parsed = if v.starts_with('[') || v.starts_with('{') {
            hcl_edit::parser::parse_expr(v).ok()
        } else {
            None
        };
        out.values.push(GivenInput {
            name: k.clone(),
            value: InputValue::Flag {
                text: v.clone(),
                parsed,
            },
            origin: format!("set by --var {k}"),
        });
    }
    out
}

fn read_tfvars(path: &Path, out: &mut RootInputs, overlay: &Overlay) {
    let display = path.display().to_string();
    let error = |line, column, message: String| LoadError {
        file: display.clone(),
        line,
        column,
        message,
    };
    let read = match overlay.get(path) {
        Some(t) => Ok(t.to_string()),
        None => std::fs::read_to_string(path),
    };
    let Ok(text) = read else {
        out.errors
            .push(error(0, 0, "cannot read variables file".into()));
        return;
    };
    let json = display.ends_with(".json");
    // the body, else where the syntax error is (0, 0: not known)
    let body = if json {
        crate::tfjson::parse(&format!("{{\"locals\": {text}}}"))
            .ok()
            .filter(|(_, bad)| bad.is_none())
            .and_then(|(b, _)| b.into_blocks().next().map(|b| b.body))
            .ok_or((0, 0))
    } else {
        crate::hcl_compat::parse_body(&text).map_err(|e| match e {
            ParseFailure::Syntax(e) => (e.location().line(), e.location().column()),
            ParseFailure::Panic => (0, 0),
        })
    };
    if let Some(span) = body.as_ref().ok().and_then(crate::parse::body_too_deep) {
        // `.tf.json` bodies have no positions
        let (line, column) = if json {
            (0, 0)
        } else {
            line_col_of(&text, span.start)
        };
        out.errors.push(error(
            line,
            column,
            format!(
                "expression nested deeper than {MAX_EXPR_DEPTH} levels; variables file not read"
            ),
        ));
        return;
    }
    let body = match body {
        Ok(body) => body,
        Err((line, column)) => {
            out.errors
                .push(error(line, column, "cannot parse variables file".into()));
            return;
        }
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for a in body.into_attributes() {
        out.values.push(GivenInput {
            name: a.key.as_str().to_string(),
            value: InputValue::File(a.value),
            origin: format!("set in {name}"),
        });
    }
}
