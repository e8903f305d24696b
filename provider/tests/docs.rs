//! `docs/` is generated from the schemas and `examples/`; this test fails when it is stale.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p terraform-provider-reliability --test docs`.

use std::path::Path;

#[test]
fn docs_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    let pages =
        reliability_provider::docs::pages(&root.join("examples")).unwrap_or_else(|e| panic!("{e}"));
    for page in pages {
        let path = root.join("docs").join(&page.path);
        let want = reliability_provider::docs::render(&page);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale docs {stale:?}: run UPDATE_DOCS=1 cargo test -p terraform-provider-reliability --test docs"
    );
}
