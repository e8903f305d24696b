//! Turning validation errors into Terraform diagnostics on the right attribute.

use tf_provider::{AttributePath, Diagnostics};

/// The error of an apply whose state still has unknown values.
pub fn unknown_at_apply(diags: &mut Diagnostics, type_name: &str) {
    diags.root_error(
        "Unknown values at apply",
        format!("every attribute of {type_name} must be known when it is applied"),
    );
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

/// A validation error attached to an attribute.
#[derive(Debug, Clone)]
pub struct FieldErr {
    /// The attribute the error is attached to.
    pub path: AttributePath,
    /// Short summary ("Invalid objective").
    pub summary: String,
    /// What is wrong, quoting the value, and what to set.
    pub detail: String,
}

impl FieldErr {
    pub fn new(path: AttributePath, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldErr {
            path,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// Converts the generators' errors into attribute-attached errors.
pub fn field_errors(errs: Vec<crate::rules::FieldError>, list_blocks: &[&str]) -> Vec<FieldErr> {
    errs.into_iter()
        .map(|e| FieldErr::new(attr_path(&e.path, list_blocks), e.summary, e.detail))
        .collect()
}

/// Adds each error to `diags`, attached to its attribute.
pub fn report(diags: &mut Diagnostics, errs: Vec<FieldErr>) {
    for e in errs {
        diags.error(e.summary, e.detail, e.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
