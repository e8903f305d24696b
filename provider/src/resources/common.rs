//! What the resources share: exact decimal numbers, the managed-file header that makes
//! import possible, writing/removing rule files with an optional reload, and turning
//! validation errors into Terraform diagnostics on the right attribute.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};
use tf_provider::value::{Value, ValueList, ValueMap, ValueString};
use tf_provider::{AttributePath, Diagnostics};

use std::path::{Path, PathBuf};

use crate::backend::dir::{describe_io_error, RulesDir};
use crate::backend::reload;
use crate::settings::Settings;

/// A Terraform number kept as its exact decimal text.
///
/// Terraform numbers are arbitrary-precision decimals: `99.9` travels as the string "99.9"
/// because no float64 equals it. Sending back a float64 would make Terraform report
/// "Provider produced inconsistent result", so the text is kept and sent back as is.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Num(String);

impl Num {
    /// The number as f64 (`NaN` if the text is not a number, which Terraform never sends).
    pub fn f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }

    /// The decimal text.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// A number from an f64, rounded to 6 decimals and written without float noise.
    pub fn from_f64_rounded(v: f64) -> Num {
        let s = format!("{:.6}", v);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        Num(if s.is_empty() || s == "-" || s == "-0" {
            "0".to_string()
        } else {
            s.to_string()
        })
    }
}

impl fmt::Debug for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<i64> for Num {
    fn from(v: i64) -> Num {
        Num(v.to_string())
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(i) => s.serialize_i64(i),
            Err(_) => s.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Num(format!("{}", v as i64)))
                } else {
                    Ok(Num(format!("{v}")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// First words of every managed file's header.
pub const HEADER_PREFIX: &str = "Managed by Terraform";
/// Key of the header line that embeds the resource's configuration as JSON (for import).
pub const CONFIG_KEY: &str = "reliability-config: ";
/// The config line as it appears in a file (the renderer turns header lines into comments).
pub const CONFIG_PREFIX: &str = "# reliability-config: ";

/// The header put on top of a managed file (as comment lines, by the renderer): who owns it,
/// and its configuration.
pub fn header(resource_type: &str, id: &str, config_json: &str) -> String {
    format!(
        "{HEADER_PREFIX} ({resource_type} \"{id}\"). DO NOT EDIT: the next terraform plan \
         reports edits and terraform apply reverts them.\n{CONFIG_KEY}{config_json}\n"
    )
}

/// The embedded configuration JSON of a managed file, if it has one.
pub fn embedded_config(content: &str) -> Option<&str> {
    content
        .lines()
        .take(8)
        .find_map(|l| l.strip_prefix(CONFIG_PREFIX))
}

/// Hex SHA-256 of a file's content: what `content_sha256` holds.
pub fn sha256_hex(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `content` to `file_name` in the rules directory and reloads Prometheus if one is
/// configured. Errors go to `diags`; returns the absolute path when the file was written.
pub fn write_and_reload(
    diags: &mut Diagnostics,
    settings: &Settings,
    file_name: &str,
    content: &str,
) -> Option<String> {
    let dir = RulesDir::new(&settings.rules_dir);
    let reloader = expect_change(settings, &settings.rules_dir);
    let path = match dir.write_atomic(file_name, content) {
        Ok(p) => p,
        Err(e) => {
            let path = dir.root().join(file_name);
            diags.root_error(
                "Cannot write rule file",
                describe_io_error("write", &path, &e),
            );
            return None;
        }
    };
    reload(diags, reloader);
    Some(path.to_string_lossy().into_owned())
}

/// Removes files (absent ones are fine), then reloads Prometheus once if one is configured.
pub fn remove_files(diags: &mut Diagnostics, settings: &Settings, paths: &[String]) -> Option<()> {
    let mut reloader = None;
    let mut removed_all = true;
    for path in paths {
        let p = Path::new(path);
        let (Some(parent), Some(name)) = (p.parent(), p.file_name().and_then(|n| n.to_str()))
        else {
            diags.root_error(
                "Cannot remove rule file",
                format!("{path:?} is not a file path"),
            );
            removed_all = false;
            break;
        };
        reloader = expect_change(settings, parent).or(reloader);
        if let Err(e) = RulesDir::new(parent).remove(name) {
            diags.root_error(
                "Cannot remove rule file",
                describe_io_error("remove", p, &e),
            );
            removed_all = false;
            break;
        }
    }
    // Files removed before a failure are gone too: Prometheus must drop their rules.
    reload(diags, reloader);
    removed_all.then_some(())
}

/// Reads a managed file by absolute path; `Ok(None)` when it is gone.
pub fn read_file(path: &str) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(describe_io_error("read", Path::new(path), &e)),
    }
}

/// With a Prometheus configured: marks a change about to be made in `dir` (see
/// [`reload::Reloader::expect_change`]) and returns the reloader to tell once it is made.
fn expect_change(settings: &Settings, dir: &Path) -> Option<Arc<reload::Reloader<reload::Dyn>>> {
    let reloader = reload::reloader(settings.prometheus_url.as_deref()?);
    reloader.expect_change(dir);
    Some(reloader)
}

/// Gets a change made after [`expect_change`] reloaded; reports a failed reload the caller
/// waited for (a deferred reload is reported by a later change or retried by a later run).
fn reload(diags: &mut Diagnostics, reloader: Option<Arc<reload::Reloader<reload::Dyn>>>) {
    let Some(reloader) = reloader else { return };
    let outcome = tokio::task::block_in_place(|| reloader.change());
    if let reload::Outcome::Reloaded(Err(msg)) = outcome {
        diags.root_error("Prometheus reload failed", msg);
    }
}

/// At apply, the generator's model must be known and valid: reports why not otherwise.
pub fn spec_at_apply<S>(
    diags: &mut Diagnostics,
    type_name: &str,
    spec: Result<Option<S>, Vec<FieldErr>>,
) -> Option<S> {
    match spec {
        Ok(Some(spec)) => Some(spec),
        Ok(None) => {
            diags.root_error(
                "Unknown values at apply",
                format!("every attribute of {type_name} must be known when it is applied"),
            );
            None
        }
        Err(errs) => {
            report(diags, errs);
            None
        }
    }
}

/// Map attributes: a step after one of these is a map key.
const MAP_ATTRIBUTES: &[&str] = &["labels", "annotations"];

/// An attribute path from schema names; list-of-one blocks named in `list_blocks` get an
/// index 0 step after their name, as Terraform expects, and a step after a map attribute
/// is a key.
pub fn attr_path<S: AsRef<str>>(steps: &[S], list_blocks: &[&str]) -> AttributePath {
    let mut path = AttributePath::root();
    let mut after_map = false;
    for s in steps {
        let s = s.as_ref();
        if after_map {
            path = path.key(s.to_string());
            after_map = false;
            continue;
        }
        path = path.attribute(s.to_string());
        if list_blocks.contains(&s) {
            path = path.index(0);
        }
        after_map = MAP_ATTRIBUTES.contains(&s);
    }
    path
}

/// A validation error on an attribute: its path, summary and detail.
pub type FieldErr = (AttributePath, String, String);

/// Converts the generators' errors into attribute-attached errors.
pub fn field_errors(errs: Vec<crate::rules::FieldError>, list_blocks: &[&str]) -> Vec<FieldErr> {
    errs.into_iter()
        .map(|e| (attr_path(&e.path, list_blocks), e.summary, e.detail))
        .collect()
}

/// Adds each error to `diags`, attached to its attribute.
pub fn report(diags: &mut Diagnostics, errs: Vec<FieldErr>) {
    for (path, summary, detail) in errs {
        diags.error(summary, detail, path);
    }
}

/// The configuration JSON embedded in a file's header.
pub fn config_json<T: Serialize>(config: &T) -> Result<String, String> {
    serde_json::to_string(config).map_err(|e| format!("cannot encode the configuration: {e}"))
}

/// At create time: refuses to overwrite a file that exists with other content (another
/// configuration may own it); an identical file (e.g. left by an interrupted apply) is
/// adopted.
pub fn check_not_foreign(
    diags: &mut Diagnostics,
    path: &Path,
    content: &str,
    type_name: &str,
    id: &str,
) -> Option<()> {
    match read_file(&path.to_string_lossy()) {
        Ok(Some(existing)) if existing != content => {
            diags.root_error(
                "Rule file already exists",
                format!(
                    "{} already exists with other content, so another configuration may own it. \
                     Bring it under this resource with `terraform import {type_name}.<name> {id}`, \
                     or remove the file and apply again",
                    path.display()
                ),
            );
            None
        }
        Ok(_) => Some(()),
        Err(e) => {
            diags.root_error("Cannot read rules directory", e);
            None
        }
    }
}

/// For `read`: the SHA-256 of the files at `paths` concatenated, `None` when the first
/// (the rule file) is gone. A missing later file hashes as empty, which plans an update.
pub fn read_hash(diags: &mut Diagnostics, paths: &[&str]) -> Option<Option<String>> {
    let mut all = String::new();
    for (i, p) in paths.iter().enumerate() {
        match read_file(p) {
            Ok(Some(c)) => {
                if i > 0 {
                    all.push('\0');
                }
                all.push_str(&c);
            }
            Ok(None) if i == 0 => return Some(None),
            Ok(None) => {}
            Err(e) => {
                diags.root_error("Cannot read rule file", e);
                return None;
            }
        }
    }
    Some(Some(sha256_hex(&all)))
}

/// For `import`: reads `file_name` in the rules directory and returns its path, content and
/// embedded configuration. Errors say what is missing and what to do.
pub fn import_file(
    diags: &mut Diagnostics,
    settings: &Settings,
    file_name: &str,
    what: &str,
    id: &str,
) -> Option<(PathBuf, String, serde_json::Value)> {
    let fail = |diags: &mut Diagnostics, msg: String| {
        diags.root_error(format!("Cannot import {what}"), msg);
        None
    };
    let path = match RulesDir::new(&settings.rules_dir).path_of(file_name) {
        Ok(p) => p,
        Err(_) => return fail(diags, format!("{id:?} is not a valid {what} id")),
    };
    let content = match read_file(&path.to_string_lossy()) {
        Ok(Some(c)) => c,
        Ok(None) => {
            return fail(
                diags,
                format!("no {what} with id {id:?}: {} does not exist; check the id and the provider's rules_dir", path.display()),
            )
        }
        Err(e) => return fail(diags, e),
    };
    let Some(json) = embedded_config(&content) else {
        return fail(
            diags,
            format!(
                "{} has no `{}` header line, so it was not written by this provider (or the header was removed); \
                 remove the file and let terraform apply create it",
                path.display(),
                CONFIG_PREFIX.trim()
            ),
        );
    };
    match serde_json::from_str(json) {
        Ok(v) => Some((path, content, v)),
        Err(e) => fail(
            diags,
            format!(
                "the configuration header of {} is not valid JSON: {e}",
                path.display()
            ),
        ),
    }
}

// ---- Schema and state helpers shared by the resource files.

/// A value that is not known yet (Terraform plans with unknown values); validation and
/// generation wait for apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown;

/// An attribute with a markdown description.
pub fn attr(t: AttributeType, c: AttributeConstraint, doc: &str) -> Attribute {
    Attribute {
        attr_type: t,
        description: Description::markdown(doc),
        constraint: c,
        ..Default::default()
    }
}

/// A map from `(name, value)` pairs.
pub fn named<T>(items: Vec<(&str, T)>) -> HashMap<String, T> {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A block with a markdown description, attributes and nested blocks.
pub fn block(doc: &str, attrs: Vec<(&str, Attribute)>, blocks: Vec<(&str, NestedBlock)>) -> Block {
    Block {
        description: Description::markdown(doc),
        attributes: named(attrs),
        blocks: named(blocks),
        ..Default::default()
    }
}

/// `map(string)`.
pub fn string_map() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

/// A known string attribute (`Err` while unknown).
pub fn known_str<'b>(v: &'b ValueString<'_>) -> Result<Option<&'b str>, Unknown> {
    match v {
        Value::Value(s) => Ok(Some(s.as_ref())),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}

/// A known string attribute, owned.
pub fn known_string(v: &ValueString<'_>) -> Result<Option<String>, Unknown> {
    known_str(v).map(|o| o.map(str::to_string))
}

/// A known `map(string)` (null is empty; a null value is an empty string).
pub fn known_map(v: &ValueMap<'_, ValueString<'_>>) -> Result<BTreeMap<String, String>, Unknown> {
    match v {
        Value::Value(m) => m
            .iter()
            .map(|(k, v)| known_string(v).map(|v| (k.to_string(), v.unwrap_or_default())))
            .collect(),
        Value::Null => Ok(BTreeMap::new()),
        Value::Unknown => Err(Unknown),
    }
}

/// The first element of a known list (blocks of at most one element).
pub fn known_first<T>(v: &ValueList<T>) -> Result<Option<&T>, Unknown> {
    match v {
        Value::Value(items) => Ok(items.first()),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}

/// A known number as f64.
pub fn known_num(v: &Value<Num>) -> Result<Option<f64>, Unknown> {
    match v {
        Value::Value(n) => Ok(Some(n.f64())),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_keeps_decimal_text() {
        let n: Num = serde_json::from_str("\"99.9\"").unwrap();
        assert_eq!(n.text(), "99.9");
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"99.9\"");
        let n: Num = serde_json::from_str("30").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "30");
        let n: Num = serde_json::from_str("99.5").unwrap();
        assert_eq!(n.f64(), 99.5);
        assert_eq!(Num::from_f64_rounded(0.1 * 432.0).text(), "43.2");
        assert_eq!(Num::from_f64_rounded(10.0).text(), "10");
        assert_eq!(Num::from_f64_rounded(0.0).text(), "0");
    }

    #[test]
    fn header_roundtrip() {
        let h = header("reliability_slo", "a-b", "{\"x\":1}");
        assert!(h.starts_with(HEADER_PREFIX));
        let file = crate::rules::model::render_yaml(&Default::default(), &h);
        assert_eq!(embedded_config(&file), Some("{\"x\":1}"));
        assert_eq!(embedded_config("groups: []\n"), None);
    }

    #[test]
    fn attribute_paths_key_maps() {
        let p = attr_path(
            &["alerting", "page", "labels", "team"],
            &["alerting", "page"],
        );
        assert_eq!(
            p,
            AttributePath::new("alerting")
                .index(0)
                .attribute("page")
                .index(0)
                .attribute("labels")
                .key("team")
        );
    }

    #[test]
    fn attribute_paths_index_list_blocks() {
        let p = attr_path(&["sli", "events", "error_query"], &["events"]);
        assert_eq!(
            p,
            AttributePath::new("sli")
                .attribute("events")
                .index(0)
                .attribute("error_query")
        );
    }
}
