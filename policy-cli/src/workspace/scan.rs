//! Listing the files named on the command line or found under its directories.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::parse::{relative_to, LoadError, Overlay};

/// Deepest directory nesting walked under a path given on the command line.
const MAX_DIR_DEPTH: usize = 64;

/// Whether a path looks like a Terraform source file.
fn is_tf_file(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n.ends_with(".tf") || n.ends_with(".tf.json")
}

/// A file to read, and the base directory it is displayed relative to.
pub(crate) struct ToRead {
    pub path: PathBuf,
    pub base: PathBuf,
}

/// The files named or found under the paths given on the command line, before reading.
pub(crate) struct Scan {
    /// The files, in reading order.
    pub todo: Vec<ToRead>,
    /// (directory, base its files are displayed relative to): where `terraform init`
    /// may have installed modules.
    pub scanned_dirs: Vec<(PathBuf, PathBuf)>,
    /// The given paths, canonical (what "in scope" means for root modules).
    pub scanned: HashSet<PathBuf>,
    /// Files of `todo` not known to be regular files (symlinks found by the walk).
    pub unsure: HashSet<PathBuf>,
    pub errors: Vec<LoadError>,
    /// Texts read instead of the files' (an editor's unsaved documents).
    pub overlay: Arc<Overlay>,
}

impl Scan {
    pub fn new(paths: &[PathBuf]) -> Scan {
        let mut errors = Vec::new();
        let mut todo: Vec<ToRead> = Vec::new();
        // (directory, base its files are displayed relative to)
        let mut scanned_dirs: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut scanned = HashSet::new();
        let mut unsure = HashSet::new();
        // Directories whose files were listed for a file given, and every file queued.
        let mut listed: HashSet<PathBuf> = HashSet::new();
        let mut queued: HashSet<PathBuf> = HashSet::new();
        for p in paths {
            let Ok(abs) = p.canonicalize() else {
                errors.push(LoadError {
                    file: p.display().to_string(),
                    line: 0,
                    column: 0,
                    message: "no such file or directory".into(),
                });
                continue;
            };
            scanned.insert(abs.clone());
            if abs.is_file() {
                // A module is a directory: read the file's siblings too (an alarm may live
                // in another file); findings are limited to the given files later.
                // Each directory is listed once, each file queued once, however many of
                // its files are given (the language server gives all of them).
                let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
                let mut siblings: Vec<PathBuf> = Vec::new();
                if listed.insert(base.clone()) {
                    scanned_dirs.push((base.clone(), base.clone()));
                    siblings = std::fs::read_dir(&base)
                        .map(|rd| {
                            rd.flatten()
                                .map(|e| e.path())
                                .filter(|p| p.is_file() && is_tf_file(p))
                                .collect()
                        })
                        .unwrap_or_default();
                }
                siblings.push(abs);
                for f in siblings {
                    if queued.insert(f.clone()) {
                        todo.push(ToRead {
                            path: f,
                            base: base.clone(),
                        });
                    }
                }
            } else {
                let mut found = Vec::new();
                walk(&abs, &mut found, &mut errors, &abs, 0);
                for (f, regular) in found {
                    if !regular {
                        unsure.insert(f.clone());
                    }
                    if let Some(d) = f.parent() {
                        scanned_dirs.push((d.to_path_buf(), abs.clone()));
                    }
                    queued.insert(f.clone());
                    todo.push(ToRead {
                        path: f,
                        base: abs.clone(),
                    });
                }
            }
        }
        Scan {
            todo,
            scanned_dirs,
            scanned,
            unsure,
            errors,
            overlay: Arc::default(),
        }
    }
}

/// The `.tf` and `.tf.json` files directly in a directory, sorted.
pub(super) fn list_tf_files(d: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(d) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_tf_file(p))
        .collect();
    files.sort();
    files
}

/// Collects the `.tf` files under `dir`, in order, each with whether it is a regular file
/// (else a symlink, to be looked at before opening).
fn walk(
    dir: &Path,
    out: &mut Vec<(PathBuf, bool)>,
    errors: &mut Vec<LoadError>,
    base: &Path,
    depth: usize,
) {
    if depth > MAX_DIR_DEPTH {
        return;
    }
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(LoadError {
                file: relative_to(dir, base),
                line: 0,
                column: 0,
                message: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    // (path, is a directory to walk, is a regular file): files are kept, subdirectories
    // walked in parallel and their results put back in place, so the order is that of a
    // sequential walk.
    let mut items: Vec<(PathBuf, bool, bool)> = Vec::new();
    for e in entries {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            items.push((p, true, false));
        } else if is_tf_file(&p) && (ft.is_file() || (ft.is_symlink() && !p.is_dir())) {
            // A dangling or looping symlink is read (and reported as unreadable).
            items.push((p, false, ft.is_file()));
        }
    }
    type Walked = (Vec<(PathBuf, bool)>, Vec<LoadError>);
    let subs: Vec<Walked> = items
        .par_iter()
        .filter(|(_, is_dir, _)| *is_dir)
        .map(|(p, _, _)| {
            let mut out = Vec::new();
            let mut errors = Vec::new();
            walk(p, &mut out, &mut errors, base, depth + 1);
            (out, errors)
        })
        .collect();
    let mut subs = subs.into_iter();
    for (p, is_dir, regular) in items {
        if is_dir {
            if let Some((o, e)) = subs.next() {
                out.extend(o);
                errors.extend(e);
            }
        } else {
            out.push((p, regular));
        }
    }
}
