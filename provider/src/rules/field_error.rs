//! [`FieldError`]: a validation error attached to one attribute of a resource.

/// A validation error attached to an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Attribute path from the resource root, e.g. `["sli", "events", "error_query"]`.
    /// After a map attribute (`labels`, `annotations`) comes the offending map key.
    pub path: Vec<String>,
    /// Short, e.g. `Invalid objective`.
    pub summary: String,
    /// Quotes the offending value and says what to set.
    pub detail: String,
}

impl FieldError {
    /// An error at `path` (attribute names from the resource root, then a map key).
    pub fn new(path: &[&str], summary: &str, detail: String) -> FieldError {
        FieldError {
            path: path.iter().map(|s| s.to_string()).collect(),
            summary: summary.to_string(),
            detail,
        }
    }
}

/// `(path joined with '.', detail)` of each error, for assertions in tests.
#[cfg(test)]
pub fn paths_and_details(errors: Vec<FieldError>) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|e| (e.path.join("."), e.detail))
        .collect()
}

/// Exactly one error, at `path`, whose detail contains `needle`.
#[cfg(test)]
#[track_caller]
pub fn assert_one_error(errors: Vec<FieldError>, path: &str, needle: &str) {
    let errs = paths_and_details(errors);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, path, "{errs:?}");
    assert!(errs[0].1.contains(needle), "{errs:?}");
}
