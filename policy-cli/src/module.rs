//! Finding modules: directories of `.tf` files, local module calls, `.terraform/modules`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;
use rayon::prelude::*;

use crate::parse::{relative_to, FileId, LoadError, SourceFile};

/// All files that were read, and which directories are modules.
pub struct Workspace {
    pub files: Vec<SourceFile>,
    /// Module directory → its files.
    pub dirs: BTreeMap<PathBuf, Vec<FileId>>,
    /// Directories that are root modules (not called by another module).
    pub roots: Vec<PathBuf>,
    /// `modules.json` of a root: call key (`db`, `db.subnets`) → installed directory.
    pub installed: HashMap<PathBuf, HashMap<String, PathBuf>>,
    pub errors: Vec<LoadError>,
}

/// Whether a path looks like a Terraform source file.
fn is_tf_file(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n.ends_with(".tf") || n.ends_with(".tf.json")
}

/// Is a module `source` a local path?
pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

impl Workspace {
    /// Reads every path given on the command line.
    pub fn load(paths: &[PathBuf]) -> Workspace {
        let mut ws = Workspace {
            files: Vec::new(),
            dirs: BTreeMap::new(),
            roots: Vec::new(),
            installed: HashMap::new(),
            errors: Vec::new(),
        };
        // (file path, base for display)
        let mut todo: Vec<(PathBuf, PathBuf)> = Vec::new();
        // (directory, base its files are displayed relative to)
        let mut scanned_dirs: Vec<(PathBuf, PathBuf)> = Vec::new();
        for p in paths {
            let Ok(abs) = p.canonicalize() else {
                ws.errors.push(LoadError {
                    file: p.display().to_string(),
                    line: 0,
                    column: 0,
                    message: "no such file or directory".into(),
                });
                continue;
            };
            if abs.is_file() {
                // A module is a directory: read the file's siblings too (an alarm may live
                // in another file); findings are limited to the given files later.
                let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
                scanned_dirs.push((base.clone(), base.clone()));
                let mut siblings: Vec<PathBuf> = std::fs::read_dir(&base)
                    .map(|rd| {
                        rd.flatten()
                            .map(|e| e.path())
                            .filter(|p| p.is_file() && is_tf_file(p))
                            .collect()
                    })
                    .unwrap_or_default();
                if !siblings.contains(&abs) {
                    siblings.push(abs);
                }
                for f in siblings {
                    if !todo.iter().any(|(t, _)| *t == f) {
                        todo.push((f, base.clone()));
                    }
                }
            } else {
                let mut found = Vec::new();
                walk(&abs, &mut found, &mut ws.errors, &abs, 0);
                for f in found {
                    if let Some(d) = f.parent() {
                        scanned_dirs.push((d.to_path_buf(), abs.clone()));
                    }
                    todo.push((f, abs.clone()));
                }
            }
        }
        let mut loaded_dirs: HashSet<PathBuf> = HashSet::new();
        for (f, _) in &todo {
            if let Some(d) = f.parent() {
                loaded_dirs.insert(d.to_path_buf());
            }
        }
        let mut not_root: HashSet<PathBuf> = HashSet::new();
        // Load in rounds: each round may discover module directories outside the scan.
        for _round in 0..64 {
            if todo.is_empty() {
                break;
            }
            let batch: Vec<(SourceFile, Option<LoadError>)> = std::mem::take(&mut todo)
                .into_par_iter()
                .map(|(path, base)| {
                    let display = relative_to(&path, &base);
                    SourceFile::load(path, display)
                })
                .collect();
            let first_new = ws.files.len();
            for (file, err) in batch {
                if let Some(e) = err {
                    ws.errors.push(e);
                }
                let id = ws.files.len();
                if let Some(d) = file.path.parent() {
                    ws.dirs.entry(d.to_path_buf()).or_default().push(id);
                }
                ws.files.push(file);
            }
            // Discover called directories.
            let mut new_dirs: Vec<(PathBuf, PathBuf)> = Vec::new();
            for id in first_new..ws.files.len() {
                let file = &ws.files[id];
                let Some(dir) = file.path.parent() else {
                    continue;
                };
                let base = display_base(&file.path, &file.display);
                let Some(body) = &file.body else { continue };
                for call in body.get_blocks("module") {
                    let Some(src) = attr_str(&call.body, "source") else {
                        continue;
                    };
                    if !is_local_source(&src) {
                        continue;
                    }
                    if let Ok(target) = dir.join(&src).canonicalize() {
                        not_root.insert(target.clone());
                        if loaded_dirs.insert(target.clone()) {
                            new_dirs.push((target, base.clone()));
                        }
                    }
                }
            }
            // Modules installed by `terraform init` next to scanned directories.
            for (dir, base) in scanned_dirs.drain(..).collect::<HashSet<_>>() {
                let manifest = dir.join(".terraform/modules/modules.json");
                if !manifest.is_file() {
                    continue;
                }
                let map = read_manifest(&manifest, &dir);
                for target in map.values() {
                    not_root.insert(target.clone());
                    if loaded_dirs.insert(target.clone()) {
                        new_dirs.push((target.clone(), base.clone()));
                    }
                }
                ws.installed.insert(dir, map);
            }
            for (d, base) in new_dirs {
                if let Ok(rd) = std::fs::read_dir(&d) {
                    let mut files: Vec<PathBuf> = rd
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && is_tf_file(p))
                        .collect();
                    files.sort();
                    todo.extend(files.into_iter().map(|f| (f, base.clone())));
                }
            }
        }
        for f in &mut ws.dirs.values_mut() {
            f.sort_by(|a, b| ws.files[*a].path.cmp(&ws.files[*b].path));
        }
        let scanned: HashSet<PathBuf> =
            paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
        ws.roots = ws
            .dirs
            .keys()
            .filter(|d| !not_root.contains(*d))
            .filter(|d| {
                scanned
                    .iter()
                    .any(|s| d.starts_with(s) || s.parent() == Some(d.as_path()))
            })
            .cloned()
            .collect();
        ws
    }
}

/// The base directory a display path is relative to.
fn display_base(path: &Path, display: &str) -> PathBuf {
    let mut base = path.to_path_buf();
    for c in Path::new(display).components() {
        match c {
            std::path::Component::ParentDir => {
                // display went up: base is deeper than the path's parent
                return path.parent().map(Path::to_path_buf).unwrap_or_default();
            }
            _ => {
                base.pop();
            }
        }
    }
    base
}

fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    errors: &mut Vec<LoadError>,
    base: &Path,
    depth: usize,
) {
    if depth > 64 {
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
    for e in entries {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            walk(&p, out, errors, base, depth + 1);
        } else if (ft.is_file() || ft.is_symlink()) && is_tf_file(&p) && p.is_file() {
            out.push(p);
        }
    }
}

/// Reads `.terraform/modules/modules.json`: `{"Modules": [{"Key", "Source", "Dir"}]}`.
fn read_manifest(path: &Path, root: &Path) -> HashMap<String, PathBuf> {
    let mut map = HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return map;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return map;
    };
    let Some(mods) = json.get("Modules").and_then(|m| m.as_array()) else {
        return map;
    };
    for m in mods {
        let key = m.get("Key").and_then(|k| k.as_str()).unwrap_or("");
        let dir = m.get("Dir").and_then(|k| k.as_str()).unwrap_or("");
        if key.is_empty() || dir.is_empty() {
            continue;
        }
        if let Ok(d) = root.join(dir).canonicalize() {
            map.insert(key.to_string(), d);
        }
    }
    map
}

/// A string literal attribute.
pub fn attr_str(body: &Body, key: &str) -> Option<String> {
    match &body.get_attribute(key)?.value {
        Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

/// The declarations of one module (a directory).
pub struct Module<'a> {
    pub dir: PathBuf,
    pub variables: HashMap<String, VarDecl<'a>>,
    pub locals: HashMap<String, (FileId, &'a Expression)>,
    pub outputs: Vec<(String, FileId, &'a Expression)>,
    pub resources: Vec<ResourceDecl<'a>>,
    pub calls: Vec<CallDecl<'a>>,
    /// `provider` blocks: (name, block).
    pub providers: Vec<(String, &'a Block)>,
}

pub struct VarDecl<'a> {
    pub file: FileId,
    pub default: Option<&'a Expression>,
    pub ty: Option<&'a Expression>,
    pub nullable: bool,
}

pub struct ResourceDecl<'a> {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub file: FileId,
    pub block: &'a Block,
}

pub struct CallDecl<'a> {
    pub name: String,
    pub source: Option<String>,
    pub file: FileId,
    pub block: &'a Block,
}

impl<'a> Module<'a> {
    pub fn build(dir: &Path, ids: &[FileId], files: &'a [SourceFile]) -> Module<'a> {
        let mut m = Module {
            dir: dir.to_path_buf(),
            variables: HashMap::new(),
            locals: HashMap::new(),
            outputs: Vec::new(),
            resources: Vec::new(),
            calls: Vec::new(),
            providers: Vec::new(),
        };
        for &id in ids {
            let Some(body) = &files[id].body else {
                continue;
            };
            for block in body.blocks() {
                let label = |i: usize| block.labels.get(i).map(|l| l.as_str().to_string());
                match block.ident.as_str() {
                    "variable" => {
                        if let Some(n) = label(0) {
                            let nullable = !matches!(
                                block.body.get_attribute("nullable").map(|a| &a.value),
                                Some(Expression::Bool(b)) if !*b.value()
                            );
                            m.variables.insert(
                                n,
                                VarDecl {
                                    file: id,
                                    default: block.body.get_attribute("default").map(|a| &a.value),
                                    ty: block.body.get_attribute("type").map(|a| &a.value),
                                    nullable,
                                },
                            );
                        }
                    }
                    "locals" => {
                        for a in block.body.attributes() {
                            m.locals.insert(a.key.as_str().to_string(), (id, &a.value));
                        }
                    }
                    "output" => {
                        if let (Some(n), Some(v)) = (label(0), block.body.get_attribute("value")) {
                            m.outputs.push((n, id, &v.value));
                        }
                    }
                    "resource" | "data" => {
                        if let (Some(t), Some(n)) = (label(0), label(1)) {
                            m.resources.push(ResourceDecl {
                                data: block.ident.as_str() == "data",
                                rtype: t,
                                name: n,
                                file: id,
                                block,
                            });
                        }
                    }
                    "provider" => {
                        if let Some(n) = label(0) {
                            m.providers.push((n, block));
                        }
                    }
                    "module" => {
                        if let Some(n) = label(0) {
                            m.calls.push(CallDecl {
                                name: n,
                                source: attr_str(&block.body, "source"),
                                file: id,
                                block,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }
}

/// Byte span of a block, attribute or expression (empty when unknown, e.g. `.tf.json`).
pub fn span_of(s: &impl Span) -> std::ops::Range<usize> {
    s.span().unwrap_or(0..0)
}
