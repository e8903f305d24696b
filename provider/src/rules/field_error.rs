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
