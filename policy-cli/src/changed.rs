//! `--changed-since REF`: keep only findings on resources whose block was added or changed
//! since a git ref. The whole module is still evaluated (cross-resource rules stay right);
//! only the report is filtered. Changed lines come from `git diff --unified=0 REF`;
//! untracked files count as wholly new.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::locate;
use crate::report::Report;

/// Changed line ranges (1-based, inclusive) per absolute file path; `None`: the whole file.
#[derive(Debug, Default)]
pub struct Changes {
    files: HashMap<PathBuf, Option<Vec<(usize, usize)>>>,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Parses `git diff --unified=0` output: new-side line ranges per file (repository-relative).
fn parse_diff(diff: &str) -> HashMap<String, Option<Vec<(usize, usize)>>> {
    let mut out: HashMap<String, Option<Vec<(usize, usize)>>> = HashMap::new();
    let mut current: Option<String> = None;
    let mut new_file = false;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            current = None;
            new_file = false;
        } else if line.starts_with("new file mode") {
            new_file = true;
        } else if let Some(p) = line.strip_prefix("+++ ") {
            current = p
                .strip_prefix("b/")
                .map(|p| p.trim_end_matches('\t').to_string());
            if let Some(c) = &current {
                out.insert(c.clone(), if new_file { None } else { Some(Vec::new()) });
            }
        } else if let (Some(hunk), Some(c)) = (line.strip_prefix("@@ "), &current) {
            // @@ -a,b +c,d @@
            let Some(plus) = hunk.split(' ').find(|s| s.starts_with('+')) else {
                continue;
            };
            let mut it = plus[1..].splitn(2, ',');
            let start: usize = it.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = it.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            let range = if count == 0 {
                // pure deletion after line `start`: the lines on both sides changed
                (start.max(1), start + 1)
            } else {
                (start, start + count - 1)
            };
            if let Some(Some(v)) = out.get_mut(c) {
                v.push(range);
            }
        }
    }
    out
}

impl Changes {
    /// What changed since `base` in the repository holding `path` (a file or directory).
    pub fn since(base: &str, path: &Path) -> Result<Changes, String> {
        let path = path
            .canonicalize()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let dir = if path.is_file() {
            path.parent().unwrap_or(&path).to_path_buf()
        } else {
            path.clone()
        };
        let top = PathBuf::from(git(&dir, &["rev-parse", "--show-toplevel"])?.trim());
        let top = top.canonicalize().unwrap_or(top);
        // make sure the ref exists: a typo must not turn into "nothing changed"
        git(
            &top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{base}^{{commit}}"),
            ],
        )
        .map_err(|_| format!("--changed-since: unknown git revision `{base}`"))?;
        let diff = git(
            &top,
            &[
                "diff",
                "--unified=0",
                "--no-color",
                "--no-ext-diff",
                "--no-renames",
                base,
                "--",
                ".",
            ],
        )?;
        let mut files: HashMap<PathBuf, Option<Vec<(usize, usize)>>> = parse_diff(&diff)
            .into_iter()
            .map(|(p, r)| (top.join(p), r))
            .collect();
        let untracked = git(&top, &["ls-files", "--others", "--exclude-standard", "-z"])?;
        for p in untracked.split('\0').filter(|s| !s.is_empty()) {
            files.insert(top.join(p), None);
        }
        Ok(Changes { files })
    }

    fn touches(&self, path: &Path, lines: (usize, usize)) -> bool {
        match self.files.get(path) {
            None => false,
            Some(None) => true,
            Some(Some(ranges)) => ranges.iter().any(|&(a, b)| a <= lines.1 && lines.0 <= b),
        }
    }

    /// Keeps findings whose resource block (or, outside a block, line) changed.
    pub fn apply(&self, report: &mut Report) {
        let files = &report.files;
        report.findings.retain(|f| {
            let file = &files[f.file];
            let lines = locate::top_block_lines(file, f.span.start).unwrap_or_else(|| {
                let (l, _) = file.line_col(f.span.start);
                (l, l)
            });
            self.touches(&file.path, lines)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::parse_diff;

    #[test]
    fn hunks_and_new_files() {
        let diff = "diff --git a/main.tf b/main.tf\nindex 1..2 100644\n--- a/main.tf\n+++ b/main.tf\n@@ -3 +3 @@ x\n-a\n+b\n@@ -10,2 +9,0 @@\n-c\n-d\n@@ -20,0 +20,3 @@\n+e\ndiff --git a/new.tf b/new.tf\nnew file mode 100644\n--- /dev/null\n+++ b/new.tf\n@@ -0,0 +1,2 @@\n+x\n";
        let d = parse_diff(diff);
        assert_eq!(d["main.tf"], Some(vec![(3, 3), (9, 10), (20, 22)]));
        assert_eq!(d["new.tf"], None);
    }
}
