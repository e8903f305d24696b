//! Generates the user documentation in `docs/` from the schemas and `examples/`, the way
//! `tfplugindocs` does for Go providers: every attribute's description lives once, in the
//! schema, and the docs can never drift from it (a test compares them).

use std::fmt::Write;
use std::path::Path;

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, NestedBlock, Schema,
};

/// A page to generate: its path under `docs/`, title, schema and example files.
pub struct Page {
    pub path: String,
    pub title: String,
    pub kind: &'static str,
    pub schema: Schema,
    pub example: String,
    pub import: Option<String>,
}

/// Every documentation page, reading examples from `examples_dir`. Every page needs its
/// example (`provider/provider.tf`, `resources/<type>/resource.tf`,
/// `data-sources/<type>/data-source.tf`); `Err` names each one that is missing or
/// unreadable. Import examples (`resources/<type>/import.sh`) are optional.
pub fn pages(examples_dir: &Path) -> Result<Vec<Page>, String> {
    let missing = std::cell::RefCell::new(Vec::new());
    let read = |rel: &str| {
        let path = examples_dir.join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            missing
                .borrow_mut()
                .push(format!("{} ({e})", path.display()));
            String::new()
        })
    };
    let optional = |rel: &str| std::fs::read_to_string(examples_dir.join(rel)).ok();
    let mut pages = vec![Page {
        path: "index.md".into(),
        title: "reliability Provider".into(),
        kind: "provider",
        schema: crate::provider_config::config_schema(),
        example: read("provider/provider.tf"),
        import: None,
    }];
    for (name, schema) in crate::resources::schemas() {
        let full = format!("reliability_{name}");
        pages.push(Page {
            path: format!("resources/{name}.md"),
            title: format!("{full} (Resource)"),
            kind: "resource",
            schema,
            example: read(&format!("resources/{full}/resource.tf")),
            import: optional(&format!("resources/{full}/import.sh")),
        });
    }
    for (name, schema) in crate::data_sources::schemas() {
        let full = format!("reliability_{name}");
        pages.push(Page {
            path: format!("data-sources/{name}.md"),
            title: format!("{full} (Data Source)"),
            kind: "data source",
            schema,
            example: read(&format!("data-sources/{full}/data-source.tf")),
            import: None,
        });
    }
    let missing = missing.into_inner();
    if missing.is_empty() {
        Ok(pages)
    } else {
        Err(format!(
            "missing documentation examples: {}; every provider, resource and data source \
             page shows an example: write the file (docs are generated from it)",
            missing.join(", ")
        ))
    }
}

fn type_name(t: &AttributeType) -> String {
    match t {
        AttributeType::String => "String".into(),
        AttributeType::Number => "Number".into(),
        AttributeType::Bool => "Boolean".into(),
        AttributeType::List(t) => format!("List of {}", type_name(t)),
        AttributeType::Set(t) => format!("Set of {}", type_name(t)),
        AttributeType::Map(t) => format!("Map of {}", type_name(t)),
        AttributeType::Any => "Dynamic".into(),
        _ => "Object".into(),
    }
}

fn sorted<T>(map: &std::collections::HashMap<String, T>) -> Vec<(&String, &T)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

fn attr_line(out: &mut String, name: &str, a: &Attribute) {
    let _ = writeln!(
        out,
        "- `{name}` ({}) {}",
        type_name(&a.attr_type),
        a.description.content
    );
}

fn block_section(out: &mut String, anchor: &str, b: &Block, nested: &mut Vec<(String, Block)>) {
    type Pick = fn(&AttributeConstraint) -> bool;
    let groups: [(&str, Pick); 3] = [
        ("Required", |c| *c == AttributeConstraint::Required),
        ("Optional", |c| {
            matches!(
                c,
                AttributeConstraint::Optional | AttributeConstraint::OptionalComputed
            )
        }),
        ("Read-Only", |c| *c == AttributeConstraint::Computed),
    ];
    for (title, pick) in groups {
        let attrs: Vec<_> = sorted(&b.attributes)
            .into_iter()
            .filter(|(_, a)| pick(&a.constraint))
            .collect();
        let blocks: Vec<_> = sorted(&b.blocks)
            .into_iter()
            .filter(|(_, nb)| {
                let required = matches!(nb, NestedBlock::Single(_));
                if title == "Required" {
                    required
                } else if title == "Optional" {
                    !required
                } else {
                    false
                }
            })
            .collect();
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {title}\n");
        for (name, a) in attrs {
            attr_line(out, name, a);
        }
        for (name, nb) in blocks {
            let (blk, how) = match nb {
                NestedBlock::Single(b) => (b, "Block, required"),
                NestedBlock::Optional(b) => (b, "Block, optional, at most one"),
                NestedBlock::List(b)
                | NestedBlock::Set(b)
                | NestedBlock::Map(b)
                | NestedBlock::Group(b) => (b, "Block"),
            };
            let path = if anchor.is_empty() {
                name.to_string()
            } else {
                format!("{anchor}.{name}")
            };
            let _ = writeln!(
                out,
                "- `{name}` ({how}) {} See [`{path}`](#nestedblock--{}) below.",
                blk.description.content,
                path.replace('.', "--")
            );
            nested.push((path, blk.clone()));
        }
    }
}

/// Renders one page.
pub fn render(page: &Page) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "<!-- Generated from the provider schema and examples/ by `UPDATE_DOCS=1 cargo test -p terraform-provider-reliability --test docs`. Do not edit. -->\n");
    let _ = writeln!(
        out,
        "# {}\n\n{}",
        page.title, page.schema.block.description.content
    );
    let _ = writeln!(
        out,
        "\n## Example Usage\n\n```terraform\n{}\n```",
        page.example.trim_end()
    );
    let _ = writeln!(out, "\n## Schema");
    let mut nested = Vec::new();
    block_section(&mut out, "", &page.schema.block, &mut nested);
    let mut i = 0;
    while i < nested.len() {
        let (path, b) = nested[i].clone();
        let _ = writeln!(
            out,
            "\n<a id=\"nestedblock--{}\"></a>\n## Nested schema for `{path}`",
            path.replace('.', "--")
        );
        block_section(&mut out, &path, &b, &mut nested);
        i += 1;
    }
    if let Some(imp) = &page.import {
        let _ = writeln!(
            out,
            "\n## Import\n\nImport is supported using the following syntax:\n\n```shell\n{}\n```",
            imp.trim_end()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_example_is_an_error_naming_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        // A copy of examples/ without one resource example.
        copy_dir(&root, dir.path());
        assert!(pages(dir.path()).is_ok());
        let gone = dir.path().join("resources/reliability_alert/resource.tf");
        std::fs::remove_file(&gone).unwrap();
        let err = pages(dir.path()).err().expect("an error");
        assert!(err.contains(&gone.display().to_string()), "{err}");
        assert!(
            !err.contains("reliability_slo"),
            "only the missing one: {err}"
        );
    }

    /// Copies the tracked shape of examples/: directories and regular files, without what
    /// running an example leaves (`.terraform/` with its provider symlinks, state files).
    fn copy_dir(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let target = to.join(entry.file_name());
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                copy_dir(&entry.path(), &target);
            } else if kind.is_file() {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
}
