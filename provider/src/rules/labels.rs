//! Checks of Prometheus label and metric names, and of user label maps.

use std::collections::BTreeMap;

use super::field_error::FieldError;

/// A Prometheus label name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Prometheus metric name: `[A-Za-z_:][A-Za-z0-9_:]*`.
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Label names the provider sets itself, which users may not set.
pub struct Reserved<'a> {
    /// Whether `name` is reserved.
    pub contains: &'a dyn Fn(&str) -> bool,
    /// Why, for the error message (`reserved: plan, severity`).
    pub reason: &'a str,
}

/// Checks a user label map at attribute path `at` (`["labels"]`,
/// `["alerting", "page", "labels"]`): valid names not starting with `__`, none reserved,
/// no empty values. Each error's path ends with the offending label name.
pub fn check_labels(
    errors: &mut Vec<FieldError>,
    at: &[&str],
    labels: &BTreeMap<String, String>,
    reserved: &Reserved<'_>,
) {
    let attr = at.join(".");
    for (name, value) in labels {
        let detail = if !is_label_name(name) || name.starts_with("__") {
            format!(
                "label name {name:?} in {attr} is not valid: use letters, digits and \
                 underscores, not starting with a digit or \"__\", such as \"team\""
            )
        } else if (reserved.contains)(name) {
            format!(
                "label {name:?} in {attr} is set by the provider ({}): remove it, or use \
                 another name such as \"team\"",
                reserved.reason
            )
        } else if value.is_empty() {
            format!(
                "label {name:?} in {attr} has an empty value, which Prometheus treats as no \
                 label: set a value or remove the label"
            )
        } else {
            continue;
        };
        let mut path = at.to_vec();
        path.push(name);
        errors.push(FieldError::new(&path, "Invalid label", detail));
    }
}

/// Whether `url` is an absolute http(s) URL with a host and no whitespace or control
/// characters (what `runbook_url` annotations must be, for SLOs and alerts alike).
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    host.is_some_and(|h| !h.is_empty()) && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runbook_urls_need_a_scheme_and_a_host() {
        for ok in [
            "https://runbooks.example.com/x",
            "http://h",
            "https://h?x=1",
        ] {
            assert!(is_http_url(ok), "{ok}");
        }
        for bad in [
            "https://?x",
            "https:///path",
            "http://",
            "ftp://h",
            "h/x",
            "https://a b",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        for ok in ["a", "_a", "team_2", "A"] {
            assert!(is_label_name(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a:b", "é"] {
            assert!(!is_label_name(bad), "{bad}");
        }
        assert!(is_metric_name("slo:sli_error:ratio_rate5m"));
        assert!(is_metric_name(":a"));
        assert!(!is_metric_name("1a"));
        assert!(!is_metric_name("a-b"));
    }

    #[test]
    fn label_errors_name_the_path_and_the_reason() {
        let labels = BTreeMap::from([
            ("team".to_string(), "x".to_string()),
            ("__x".to_string(), "x".to_string()),
            ("plan".to_string(), "x".to_string()),
            ("empty".to_string(), String::new()),
        ]);
        let mut errors = Vec::new();
        let reserved = Reserved {
            contains: &|n| n == "plan",
            reason: "reserved: plan",
        };
        check_labels(&mut errors, &["a", "labels"], &labels, &reserved);
        let got: Vec<(String, &str)> = errors
            .iter()
            .map(|e| (e.path.join("."), e.detail.as_str()))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].0, "a.labels.__x");
        assert!(got[0].1.contains("is not valid"), "{got:?}");
        assert_eq!(got[1].0, "a.labels.empty");
        assert!(
            got[1].1.contains("in a.labels has an empty value"),
            "{got:?}"
        );
        assert_eq!(got[2].0, "a.labels.plan");
        assert!(
            got[2]
                .1
                .contains("set by the provider (reserved: plan): remove it"),
            "{got:?}"
        );
    }
}
