//! [`Report`]: what a check found, for the renderers, suppressions, baseline and
//! `--changed-since`. It depends on nothing but the file and finding types.

use crate::finding::{Finding, Severity};
use crate::parse::{LoadError, SourceFile};

/// The result of a check: what renderers need.
pub struct Report {
    pub files: Vec<SourceFile>,
    pub findings: Vec<Finding>,
    pub errors: Vec<LoadError>,
    /// Module calls that were not evaluated (remote sources not installed).
    pub skipped: Vec<String>,
    pub roots: usize,
    /// The most evaluation steps one root module took: the work the evaluator did, bounded
    /// by [`crate::eval::MAX_STEPS`] (tests guard on it instead of the clock).
    pub max_eval_steps: u64,
    /// With `--plan`: the plan file, which findings point at when no `.tf` file under the
    /// checked path declares their resource.
    pub plan_file: Option<crate::parse::FileId>,
}

impl Report {
    /// Highest severity found, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.rule.severity).max()
    }

    /// How many findings have severity `s`.
    pub fn count(&self, s: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.rule.severity == s)
            .count()
    }

    /// 1-based line and column of a finding.
    pub fn position(&self, f: &Finding) -> (usize, usize) {
        self.files[f.file].line_col(f.span.start)
    }
}

/// The order findings are reported in: by file (as shown), position, rule, resource.
pub(crate) fn sort_findings(findings: &mut [Finding], files: &[SourceFile]) {
    findings.sort_by(|a, b| {
        (&files[a.file].display, a.span.start, a.rule.id, &a.resource).cmp(&(
            &files[b.file].display,
            b.span.start,
            b.rule.id,
            &b.resource,
        ))
    });
}
