//! What a ruler cannot keep, kept in a rule it can: the header comments of a document.
//!
//! A ruler stores rule groups as data, so the comment lines at the top of a rule document
//! (who manages it, and the resource's configuration that `terraform import` rebuilds the
//! state from) would be lost. They travel instead in one extra rule appended to the
//! document's first group: an alerting rule whose expression is never true
//! (`vector(1) < 0`, so it never fires and records no series) with annotations that name
//! the document, list its groups, and hold the comment lines (base64, so that no `{{` in a
//! query reaches the ruler's annotation template check). Reads take it out again, so the
//! document a plan compares is the one that was written.

use serde_yaml_ng::{Mapping, Value};

use super::encode::{base64, base64_decode, path_segment};
use crate::rules::conventions::{
    ALERT_TERRAFORM_METADATA, ANNOTATION_METADATA_DOCUMENT, ANNOTATION_METADATA_GROUPS,
    ANNOTATION_METADATA_HEADER, ANNOTATION_SUMMARY,
};

/// The expression of the metadata rule: never true.
const NEVER: &str = "vector(1) < 0";

/// What the metadata rule of a document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The document's name (what an import id is matched against).
    pub document: String,
    /// The names of the document's groups, in order.
    pub groups: Vec<String>,
    /// The document's leading comment lines, each ending in a newline.
    pub header: String,
}

/// The comment lines at the top of `content`, each with its newline.
pub fn leading_comments(content: &str) -> String {
    content
        .split_inclusive('\n')
        .take_while(|l| l.starts_with('#'))
        .collect()
}

/// Appends the metadata rule to the first group (a mapping with a `rules` list).
pub fn attach(groups: &mut [(String, Value)], meta: &Metadata) {
    let Some((_, Value::Mapping(first))) = groups.first_mut() else {
        return;
    };
    let Some(Value::Sequence(rules)) = first.get_mut("rules") else {
        return;
    };
    let mut annotations = Mapping::new();
    let summary = format!(
        "Not an alert: the Terraform metadata of {} (never fires; written by the reliability \
         provider for terraform import)",
        meta.document
    );
    for (key, value) in [
        (ANNOTATION_SUMMARY, summary),
        (ANNOTATION_METADATA_DOCUMENT, path_segment(&meta.document)),
        (ANNOTATION_METADATA_GROUPS, encode_groups(&meta.groups)),
        (ANNOTATION_METADATA_HEADER, base64(meta.header.as_bytes())),
    ] {
        annotations.insert(key.into(), value.into());
    }
    let mut rule = Mapping::new();
    rule.insert("alert".into(), ALERT_TERRAFORM_METADATA.into());
    rule.insert("expr".into(), NEVER.into());
    rule.insert("annotations".into(), Value::Mapping(annotations));
    rules.push(Value::Mapping(rule));
}

/// Takes the metadata rule out of `group` (every copy of it) and returns what the first
/// one said; `None` when the group has none, or only one that cannot be read.
pub fn detach(group: &mut Value) -> Option<Metadata> {
    let rules = group.get_mut("rules")?.as_sequence_mut()?;
    let mut found = None;
    rules.retain(|rule| {
        if !is_metadata_rule(rule) {
            return true;
        }
        if found.is_none() {
            found = read(rule);
        }
        false
    });
    found
}

/// The metadata in `group`, left in place (for lookups).
pub fn find(group: &Value) -> Option<Metadata> {
    group
        .get("rules")?
        .as_sequence()?
        .iter()
        .filter(|r| is_metadata_rule(r))
        .find_map(read)
}

fn is_metadata_rule(rule: &Value) -> bool {
    rule.get("alert").and_then(Value::as_str) == Some(ALERT_TERRAFORM_METADATA)
}

fn read(rule: &Value) -> Option<Metadata> {
    let annotations = rule.get("annotations")?;
    let text = |key: &str| annotations.get(key).and_then(Value::as_str);
    let header = base64_decode(text(ANNOTATION_METADATA_HEADER)?)?;
    Some(Metadata {
        document: percent_decode(text(ANNOTATION_METADATA_DOCUMENT)?)?,
        groups: decode_groups(text(ANNOTATION_METADATA_GROUPS)?)?,
        header: String::from_utf8(header).ok()?,
    })
}

/// Group names, each percent-encoded, joined by commas (a comma is encoded in a name).
pub fn encode_groups(groups: &[String]) -> String {
    groups
        .iter()
        .map(|g| path_segment(g))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads what [`encode_groups`] wrote; `None` for a bad escape.
pub fn decode_groups(s: &str) -> Option<Vec<String>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.split(',').map(percent_decode).collect()
}

/// Decodes what [`path_segment`] encoded; `None` for a bad escape.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(yaml: &str) -> Vec<(String, Value)> {
        let doc: Value = serde_yaml_ng::from_str(yaml).unwrap();
        doc["groups"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|g| (g["name"].as_str().unwrap().to_string(), g.clone()))
            .collect()
    }

    #[test]
    fn attach_then_detach_gives_back_the_group_and_the_header() {
        let doc = "# Managed by Terraform\n# reliability-config: {\"q\":\"x[{{.window}}]\"}\n\
                   groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n- name: b\n  rules: []\n";
        let meta = Metadata {
            document: "slo_a@b.yml".into(),
            groups: vec!["a".into(), "b,c/ü".into()],
            header: leading_comments(doc),
        };
        assert!(meta.header.ends_with("}\n") && meta.header.lines().count() == 2);
        let mut gs = groups(doc);
        let original = gs[0].1.clone();
        attach(&mut gs, &meta);
        let written = serde_yaml_ng::to_string(&gs[0].1).unwrap();
        assert!(!written.contains("{{"), "{written}");
        assert!(
            written.contains("alert: ReliabilityTerraformMetadata"),
            "{written}"
        );
        assert_eq!(find(&gs[0].1), Some(meta.clone()));
        assert_eq!(find(&gs[1].1), None);
        assert_eq!(detach(&mut gs[0].1), Some(meta));
        assert_eq!(gs[0].1, original);
    }

    #[test]
    fn unreadable_metadata_is_dropped_and_ignored() {
        let mut g: Value = serde_yaml_ng::from_str(
            "name: a\nrules:\n- alert: ReliabilityTerraformMetadata\n  expr: vector(1) < 0\n  \
             annotations: {reliability_header: '%%%'}\n- record: r\n  expr: up\n",
        )
        .unwrap();
        assert_eq!(find(&g), None);
        assert_eq!(detach(&mut g), None);
        assert_eq!(g["rules"].as_sequence().unwrap().len(), 1);
    }
}
