//! Snapshots of each renderer on the same fixture (a broken file plus findings).

mod support;

use relcheck::{check, render, Inputs};

fn report(case: &str) -> relcheck::Report {
    check(&[support::fixture("e2e").join(case)], &Inputs::default())
}

#[test]
fn text_plain() {
    insta::assert_snapshot!("text_plain", render::text::render(&report("broken"), false));
}

#[test]
fn text_with_modules() {
    insta::assert_snapshot!(
        "text_with_modules",
        render::text::render(&report("project"), false)
    );
}

#[test]
fn text_color_only_when_asked() {
    let r = report("broken");
    assert!(!render::text::render(&r, false).contains('\x1b'));
    let colored = render::text::render(&r, true);
    assert!(colored.contains("\x1b[1;33mwarning\x1b[0m"));
}

#[test]
fn json() {
    insta::assert_snapshot!("json", render::json::render(&report("project")));
}

#[test]
fn no_findings_summary() {
    let text = render::text::render(&report("vars"), false);
    assert_eq!(
        text,
        "No findings: 0 errors, 0 warnings, 0 notes in 1 file (1 root module).\n"
    );
}
