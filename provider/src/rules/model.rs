//! Prometheus rule file types (the `rule_files:` format), serialisable to YAML.
//!
//! Only fields Prometheus' strict loader knows are emitted; empty maps and unset options
//! are left out. Maps are `BTreeMap`s, so output is deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A rule file: `groups:`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleFile {
    pub groups: Vec<RuleGroup>,
}

/// A rule group. Rules of one group run in order, every `interval` (default: the global
/// evaluation interval).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    pub rules: Vec<Rule>,
}

/// A recording or an alerting rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rule {
    Recording(RecordingRule),
    Alerting(AlertingRule),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingRule {
    pub record: String,
    pub expr: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertingRule {
    pub alert: String,
    pub expr: String,
    /// Prometheus duration (`5m`); `None` fires at the first evaluation that matches.
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Rule {
    pub fn expr(&self) -> &str {
        match self {
            Rule::Recording(r) => &r.expr,
            Rule::Alerting(a) => &a.expr,
        }
    }
}

/// Every line of `text` as a YAML comment line (`# line`, or `#` for an empty one).
pub fn comment_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Renders a rule file as YAML, after a comment header: every line of `header_comment`
/// becomes a `# `-prefixed comment line (an empty header adds nothing). Deterministic.
pub fn render_yaml(file: &RuleFile, header_comment: &str) -> String {
    let mut out = comment_lines(header_comment);
    out.push_str(&super::yaml::to_yaml(file));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RuleFile {
        RuleFile {
            groups: vec![RuleGroup {
                name: "g".into(),
                interval: Some("1m".into()),
                rules: vec![
                    Rule::Recording(RecordingRule {
                        record: "a:b:c".into(),
                        expr: "sum(rate(x[5m]))\n/\nsum(rate(y[5m]))".into(),
                        labels: BTreeMap::from([("tier".into(), "2".into())]),
                    }),
                    Rule::Alerting(AlertingRule {
                        alert: "A".into(),
                        expr: "up == 0".into(),
                        for_: None,
                        labels: BTreeMap::new(),
                        annotations: BTreeMap::from([(
                            "summary".into(),
                            "yes: \"quoted\" # not a comment\\".into(),
                        )]),
                    }),
                ],
            }],
        }
    }

    #[test]
    fn header_lines_are_comments() {
        let y = render_yaml(&sample(), "DO NOT EDIT\n\n{\"a\":1}");
        assert!(
            y.starts_with("# DO NOT EDIT\n#\n# {\"a\":1}\ngroups:\n"),
            "{y}"
        );
        assert!(render_yaml(&sample(), "").starts_with("groups:\n"));
    }

    #[test]
    fn round_trips_and_omits_empty_fields() {
        let y = render_yaml(&sample(), "x");
        assert!(!y.contains("for:"), "{y}");
        assert!(!y.contains("labels: {}"), "{y}");
        let back: RuleFile = serde_yaml_ng::from_str(&y).unwrap();
        assert_eq!(back, sample());
        assert_eq!(render_yaml(&back, "x"), y);
    }
}
