//! `--format junit`: JUnit XML for CI test reports. One test case per rule and resource
//! that has findings (classname = rule, name = resource), failing with every message;
//! parse errors are errored test cases; a clean run is one passing test case.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::report::Report;
use crate::rules::Finding;

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // characters XML 1.0 cannot carry
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Renders the report as a JUnit XML document.
pub fn render(report: &Report) -> String {
    let mut cases: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        cases
            .entry((f.rule.id, f.resource.as_str()))
            .or_default()
            .push(f);
    }
    let failures = cases.len();
    let errors = report.errors.len();
    let tests = (failures + errors).max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"relcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"relcheck\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for e in &report.errors {
        let _ = writeln!(
            out,
            "    <testcase classname=\"parse\" name=\"{}\">\n      <error message=\"{}\">{}:{}:{}: {}</error>\n    </testcase>",
            xml(&e.file),
            xml(&e.message),
            xml(&e.file),
            e.line,
            e.column,
            xml(&e.message)
        );
    }
    for ((rule, resource), fs) in &cases {
        let first = fs[0];
        let file = &report.files[first.file];
        let (line, _) = file.line_col(first.span.start);
        let name = if resource.is_empty() {
            format!("{}:{line}", file.display)
        } else {
            resource.to_string()
        };
        let _ = writeln!(
            out,
            "    <testcase classname=\"{} {}\" name=\"{}\" file=\"{}\" line=\"{line}\">",
            rule,
            first.rule.name,
            xml(&name),
            xml(&file.display)
        );
        let body: Vec<String> = fs
            .iter()
            .map(|f| {
                let (l, c) = report.position(f);
                format!(
                    "{}:{l}:{c}: {} {}: {}\nhelp: {}",
                    file.display, f.rule.severity, f.rule.id, f.message, f.help
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            xml(&first.message),
            first.rule.severity,
            xml(&body.join("\n"))
        );
    }
    if failures + errors == 0 {
        out.push_str("    <testcase classname=\"relcheck\" name=\"no findings\"/>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
