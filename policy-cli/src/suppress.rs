//! Inline suppressions: a comment `# relcheck:ignore RC101 -- reason` (also `//` and
//! `/* */`, several ids separated by commas) on the line above a block or attribute
//! suppresses those rules in that block or attribute. The reason is required; a
//! suppression without one suppresses nothing and is reported (RC002), as is a
//! suppression that matches no finding (RC001). Above a `module` block it suppresses the
//! rules in everything that module call creates.

use crate::finding::{Finding, RuleMeta};
use crate::locate;
use crate::parse::{FileId, SourceFile};
use crate::report::{sort_findings, Report};
use crate::rules::suppression_without_reason::SuppressionWithoutReason;
use crate::rules::unused_suppression::UnusedSuppression;
use crate::rules::{self};

/// A finding hidden by a suppression comment.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    /// Where the comment is: file shown to users and 1-based line.
    pub file: String,
    pub line: usize,
}

/// One `relcheck:ignore` comment.
#[derive(Debug)]
struct Directive {
    file: FileId,
    /// Byte offset of the comment.
    offset: usize,
    line: usize,
    rules: Vec<String>,
    reason: Option<String>,
    /// Lines of the statement below the comment (inclusive).
    target: (usize, usize),
    /// Address of the block the statement is in or is: `aws_db_instance.main`, `module.db`.
    address: String,
    used: bool,
}

/// `resource "T" "N" {` → `T.N`; `data "T" "N"` → `data.T.N`; `module "M"` → `module.M`.
fn header_address(line: &str) -> String {
    let words: Vec<&str> = line
        .split(|c: char| c.is_whitespace() || c == '{')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('"'))
        .collect();
    match words.as_slice() {
        ["resource", t, n, ..] => format!("{t}.{n}"),
        ["data", t, n, ..] => format!("data.{t}.{n}"),
        ["module", m, ..] => format!("module.{m}"),
        _ => String::new(),
    }
}

/// Parses `relcheck:ignore RC101, RC102 -- reason` out of a comment line.
fn parse_comment(line: &str) -> Option<(Vec<String>, Option<String>)> {
    let t = line.trim_start();
    let body = t
        .strip_prefix('#')
        .or_else(|| t.strip_prefix("//"))
        .or_else(|| t.strip_prefix("/*"))?;
    let body = body.trim_start();
    let rest = body.strip_prefix("relcheck:ignore")?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t', '='])) {
        return None;
    }
    let rest = rest.trim_start_matches('=');
    let rest = rest.trim_end();
    let rest = rest.strip_suffix("*/").unwrap_or(rest);
    let (ids, reason) = match rest.split_once("--") {
        Some((ids, reason)) => (ids, Some(reason.trim().to_string())),
        None => (rest, None),
    };
    let rules = ids
        .split([',', ' ', '\t'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((rules, reason.filter(|r| !r.is_empty())))
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')
}

fn directives(file: &SourceFile, id: FileId) -> Vec<Directive> {
    let mut out = Vec::new();
    if !file.text.contains("relcheck:ignore") {
        return out;
    }
    let lines: Vec<&str> = file.text.lines().collect();
    let mut offset = 0;
    for (i, l) in lines.iter().enumerate() {
        let here = offset;
        offset += l.len() + 1;
        let Some((rules, reason)) = parse_comment(l) else {
            continue;
        };
        // the first line below that is neither blank nor a comment
        let next = (i + 1..lines.len())
            .find(|&j| !lines[j].trim().is_empty() && !is_comment(lines[j]))
            .map(|j| j + 1);
        let target = match next {
            Some(n) => locate::statement_lines_at(file, n).unwrap_or((n, n)),
            None => (0, 0),
        };
        let address = next
            .and_then(|n| {
                let start = file.text.lines().take(n - 1).map(|l| l.len() + 1).sum();
                locate::top_block_lines(file, start)
            })
            .map(|(l0, _)| header_address(file.line_text(l0)))
            .unwrap_or_default();
        let indent = l.len() - l.trim_start().len();
        out.push(Directive {
            file: id,
            offset: here + indent,
            line: i + 1,
            rules,
            reason,
            target,
            address,
            used: false,
        });
    }
    out
}

fn rule_matches(names: &[String], rule: &RuleMeta) -> bool {
    names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(rule.id) || n == rule.name)
}

/// Removes suppressed findings from `report` and returns them; adds RC001/RC002 findings
/// for unused suppressions and suppressions without a reason.
pub fn apply(report: &mut Report) -> Vec<Suppressed> {
    let mut dirs: Vec<Directive> = report
        .files
        .iter()
        .enumerate()
        .flat_map(|(id, f)| directives(f, id))
        .collect();
    if dirs.is_empty() {
        return Vec::new();
    }
    let mut suppressed = Vec::new();
    let mut kept = Vec::new();
    for f in std::mem::take(&mut report.findings) {
        let (line, _) = report.position(&f);
        let hit = dirs.iter_mut().find(|d| {
            let here = d.file == f.file && d.target.0 <= line && line <= d.target.1;
            // above a `module` call: everything the call creates
            let in_call = d.address.starts_with("module.")
                && report.files[d.file]
                    .line_text(d.target.0)
                    .trim_start()
                    .starts_with("module")
                && [".", "["]
                    .iter()
                    .any(|sep| f.resource.starts_with(&format!("{}{sep}", d.address)));
            (here || in_call) && rule_matches(&d.rules, f.rule)
        });
        match hit {
            Some(d) => {
                d.used = true;
                match &d.reason {
                    Some(reason) => suppressed.push(Suppressed {
                        reason: reason.clone(),
                        file: report.files[d.file].display.clone(),
                        line: d.line,
                        finding: f,
                    }),
                    None => kept.push(f),
                }
            }
            None => kept.push(f),
        }
    }
    for d in &dirs {
        let unknown: Vec<&String> = d
            .rules
            .iter()
            .filter(|n| rules::find(n).is_none())
            .collect();
        let (meta, message, help) = if d.reason.is_none() {
            (
                &SuppressionWithoutReason::META,
                format!(
                    "suppression of {} has no reason, so it suppresses nothing",
                    d.rules.join(", ")
                ),
                "write the reason after `--`: `# relcheck:ignore RC101 -- replica of a multi-AZ primary`".to_string(),
            )
        } else if d.rules.is_empty() {
            (
                &UnusedSuppression::META,
                "suppression names no rule".to_string(),
                "name the rule: `# relcheck:ignore RC101 -- reason`".to_string(),
            )
        } else if !unknown.is_empty() {
            (
                &UnusedSuppression::META,
                format!(
                    "suppression names unknown rule {}",
                    unknown
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "see `relcheck rules` for the rule ids".to_string(),
            )
        } else if !d.used {
            (
                &UnusedSuppression::META,
                format!(
                    "suppression of {} matches no finding in the statement below it",
                    d.rules.join(", ")
                ),
                "remove the comment".to_string(),
            )
        } else {
            continue;
        };
        kept.push(Finding {
            rule: meta,
            resource: d.address.clone(),
            file: d.file,
            span: d.offset..d.offset,
            message,
            help,
            fix: None,
        });
    }
    sort_findings(&mut kept, &report.files);
    report.findings = kept;
    suppressed
}

#[cfg(test)]
mod tests {
    use super::parse_comment;

    #[test]
    fn comment_syntaxes() {
        let ids = |v: Vec<&str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        assert_eq!(
            parse_comment("  # relcheck:ignore RC101 -- replica"),
            Some((ids(vec!["RC101"]), Some("replica".into())))
        );
        assert_eq!(
            parse_comment("// relcheck:ignore RC101,RC201 -- dev only"),
            Some((ids(vec!["RC101", "RC201"]), Some("dev only".into())))
        );
        assert_eq!(
            parse_comment("/* relcheck:ignore RC101 -- why */"),
            Some((ids(vec!["RC101"]), Some("why".into())))
        );
        assert_eq!(
            parse_comment("# relcheck:ignore RC101"),
            Some((ids(vec!["RC101"]), None))
        );
        assert_eq!(parse_comment("# relcheck:ignored RC101 -- x"), None);
        assert_eq!(parse_comment("name = \"relcheck:ignore RC101\""), None);
    }
}
