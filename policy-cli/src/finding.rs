//! What a finding is, as data: the rule's metadata (id, name, category, severity, types,
//! documentation) and the finding itself (rule, resource, span, message, help). Rules
//! produce findings; the report, suppressions, baselines and renderers consume them; this
//! module depends on none of them.

use std::fmt;
use std::ops::Range;

use crate::parse::FileId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Categories are part of the output contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    MultiAz,
    Backup,
    CertificateMonitoring,
    /// relcheck's own checks of `relcheck:ignore` comments (RC001, RC002).
    Suppression,
    /// `reliability_slo` objectives and alert tiers (RC4xx).
    Slo,
    /// `reliability_alert` and SLO page alerts (RC5xx).
    Alerting,
    /// `reliability_backup_plan` (RC6xx).
    BackupPlan,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::MultiAz => "multi-az",
            Category::Backup => "backup",
            Category::CertificateMonitoring => "certificate-monitoring",
            Category::Suppression => "suppression",
            Category::Slo => "slo",
            Category::Alerting => "alerting",
            Category::BackupPlan => "backup-plan",
        }
    }
}

/// Everything about a rule that is data.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Resource types checked (a trailing `*` matches a prefix).
    pub types: &'static [&'static str],
    /// Markdown documentation: the rule's doc comment.
    pub doc: &'static str,
    /// How `relcheck check --fix` fixes a finding of this rule, in words (`None`: it does
    /// not). Declared next to the doc comment in the rule's file.
    pub fix: Option<&'static str>,
}

impl RuleMeta {
    /// The documentation without rustdoc's leading space on each line.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// First sentence of "What it does".
    pub fn summary(&self) -> String {
        let doc = self.documentation();
        doc.lines()
            .skip_while(|l| !l.starts_with("## What it does"))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A problem found in one resource instance.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub resource: String,
    pub file: FileId,
    pub span: Range<usize>,
    pub message: String,
    pub help: String,
    /// A safe local fix, when the rule offers one (see [`crate::fix`] for how it becomes
    /// an edit of the file).
    pub fix: Option<Fix>,
}

/// A fix as data: what to change in the resource's own block. [`crate::fix::edit`] turns it
/// into a byte edit of the file; `--fix`, `--diff`, SARIF and rdjson all use that edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, for people (`set multi_az = true`).
    pub description: String,
    pub action: FixAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixAction {
    /// Replace the literal value of the attribute whose span (`name = value`) is `attr`.
    Replace { attr: Range<usize>, value: String },
    /// Add `text` (an attribute or a block, unindented; lines separated by `\n`) as the last
    /// item of the block whose span is `block`.
    Append { block: Range<usize>, text: String },
}
