//! Fingerprints and baselines. A fingerprint hashes the rule id, the resource address, the
//! attribute path and the file (relative to the checked path) — never a line number, so
//! it survives edits above the finding. `--write-baseline` records today's fingerprints;
//! `--baseline` hides findings whose fingerprint is recorded.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::locate;
use crate::report::Report;
use crate::rules::Finding;

/// Stable identity of a finding (hex, 32 characters).
pub fn fingerprint(report: &Report, f: &Finding) -> String {
    let file = &report.files[f.file];
    let attr = locate::attribute_path(file, &f.span);
    let mut h = Sha256::new();
    for part in [f.rule.id, &f.resource, &attr, &file.display] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    rule: String,
    resource: String,
    file: String,
}

/// The baseline document for the report's findings (sorted, one entry per fingerprint).
pub fn to_json(report: &Report) -> String {
    let mut findings: Vec<Entry> = report
        .findings
        .iter()
        .map(|f| Entry {
            fingerprint: fingerprint(report, f),
            rule: f.rule.id.to_string(),
            resource: f.resource.clone(),
            file: report.files[f.file].display.clone(),
        })
        .collect();
    findings.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let mut s = serde_json::to_string_pretty(&BaselineFile {
        version: 1,
        findings,
    })
    .unwrap_or_default();
    s.push('\n');
    s
}

/// Fingerprints recorded in a baseline file.
pub fn load(path: &Path) -> Result<HashSet<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read baseline: {e}", path.display()))?;
    let doc: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a relcheck baseline: {e}", path.display()))?;
    if doc.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported",
            path.display(),
            doc.version
        ));
    }
    Ok(doc.findings.into_iter().map(|e| e.fingerprint).collect())
}

/// Drops findings whose fingerprint is in `known`; returns how many were dropped.
pub fn apply(report: &mut Report, known: &HashSet<String>) -> usize {
    let before = report.findings.len();
    let keep: Vec<bool> = report
        .findings
        .iter()
        .map(|f| !known.contains(&fingerprint(report, f)))
        .collect();
    let mut it = keep.iter();
    report.findings.retain(|_| *it.next().unwrap_or(&true));
    before - report.findings.len()
}
