//! Finding and reading the files to check: [`scan`] lists them, [`plan`] groups the
//! directories into units that share no module, [`sources`] finds and resolves local module
//! sources, and [`Workspace`] reads and parses a unit's files and the modules they call
//! (`.terraform/modules` included), deciding which directories are root modules.
//! Everything here reads the disk; nothing here evaluates.

pub mod plan;
pub mod scan;
pub mod sources;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::module::{attr_str, Module};
use crate::parse::{relative_to, FileId, LoadError, ReadText, SourceFile};
pub(crate) use plan::{plan, Manifest, Unit};
use scan::list_tf_files;
pub(crate) use scan::Scan;
pub use sources::is_local_source;

/// Most rounds of "load files, find the directories they call": a chain of local module
/// calls longer than this is not followed further.
pub(crate) const MAX_CALL_ROUNDS: usize = 64;
pub(crate) use sources::resolve_source;

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
    /// Directories called by a module of the workspace (local source or installed).
    pub(crate) not_root: HashSet<PathBuf>,
    /// [`Workspace::roots`] from this index on are only called from a module cycle.
    pub(crate) first_cycle_root: usize,
}

impl Workspace {
    /// Every module directory of the workspace, built from its files.
    pub fn modules(&self) -> HashMap<PathBuf, Module<'_>> {
        self.dirs
            .iter()
            .map(|(dir, ids)| (dir.clone(), Module::build(dir, ids, &self.files)))
            .collect()
    }

    /// Reads every path given on the command line.
    pub fn load(paths: &[PathBuf]) -> Workspace {
        let mut scan = Scan::new(paths);
        let unit = Unit::whole(&mut scan);
        let mut ws = Workspace::load_unit(unit, &scan.scanned);
        let mut errors = scan.errors;
        errors.append(&mut ws.errors);
        ws.errors = errors;
        ws
    }

    /// Reads and parses the files of one unit and the modules they call.
    pub(crate) fn load_unit(unit: Unit, scanned: &HashSet<PathBuf>) -> Workspace {
        let mut ws = Workspace {
            files: Vec::new(),
            dirs: BTreeMap::new(),
            roots: Vec::new(),
            installed: HashMap::new(),
            errors: Vec::new(),
            not_root: HashSet::new(),
            first_cycle_root: 0,
        };
        let Unit {
            todo,
            todo_texts,
            mut manifests,
            mut texts,
            resolved,
            overlay,
        } = unit;
        let mut todo_texts: Vec<Option<ReadText>> = todo_texts.into_iter().map(Some).collect();
        todo_texts.resize_with(todo.len(), || None);
        let mut todo: Vec<(PathBuf, PathBuf, Option<ReadText>)> = todo
            .into_iter()
            .zip(todo_texts)
            .map(|(f, t)| (f.path, f.base, t))
            .collect();
        let mut loaded_dirs: HashSet<PathBuf> = HashSet::new();
        let mut last: Option<&Path> = None;
        for (f, _, _) in &todo {
            let d = f.parent();
            if d != last {
                if let Some(d) = d {
                    loaded_dirs.insert(d.to_path_buf());
                }
                last = d;
            }
        }
        let mut not_root: HashSet<PathBuf> = HashSet::new();
        // Workspace directories are canonical by construction (canonical paths given,
        // joined with the names of real directories; resolved module sources).
        // Local module calls: calling directory → called directories.
        let mut edges: HashMap<PathBuf, Vec<PathBuf>> = HashMap::new();
        // Load in rounds: each round may discover module directories outside the scan.
        for _round in 0..MAX_CALL_ROUNDS {
            if todo.is_empty() {
                break;
            }
            let batch: Vec<(SourceFile, Option<LoadError>)> = std::mem::take(&mut todo)
                .into_par_iter()
                .map(|(path, base, text)| {
                    let display = relative_to(&path, &base);
                    let text = text.unwrap_or_else(|| overlay.read(&path, false));
                    SourceFile::parse(path, display, text)
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
                    let target = match resolved.get(dir).and_then(|m| m.get(&src)) {
                        Some(t) => t.clone(),
                        None => resolve_source(Some(dir), dir, &src),
                    };
                    if let Some(target) = target {
                        not_root.insert(target.clone());
                        edges
                            .entry(dir.to_path_buf())
                            .or_default()
                            .push(target.clone());
                        if loaded_dirs.insert(target.clone()) {
                            new_dirs.push((target, base.clone()));
                        }
                    }
                }
            }
            // Modules installed by `terraform init` next to scanned directories.
            for Manifest { dir, base, calls } in manifests.drain(..) {
                for target in calls.values() {
                    not_root.insert(target.clone());
                    // Reached from the directory that installed it: never a cycle root.
                    edges.entry(dir.clone()).or_default().push(target.clone());
                    if loaded_dirs.insert(target.clone()) {
                        new_dirs.push((target.clone(), base.clone()));
                    }
                }
                ws.installed.insert(dir, calls);
            }
            for (d, base) in new_dirs {
                todo.extend(list_tf_files(&d).into_iter().map(|f| {
                    let text = texts.remove(&f);
                    (f, base.clone(), text)
                }));
            }
        }
        for f in &mut ws.dirs.values_mut() {
            f.sort_by(|a, b| ws.files[*a].path.cmp(&ws.files[*b].path));
        }
        let in_scope = |d: &Path| {
            scanned
                .iter()
                .any(|s| d.starts_with(s) || s.parent() == Some(d))
        };
        ws.roots = ws
            .dirs
            .keys()
            .filter(|d| !not_root.contains(*d) && in_scope(d))
            .cloned()
            .collect();
        // Directories only called from a cycle (a → b → a) are reachable from no root:
        // the first of them becomes a root, so that they are checked and the cycle reported.
        let mut reached: HashSet<PathBuf> = HashSet::new();
        let reach = |start: &Path, reached: &mut HashSet<PathBuf>| {
            let mut stack = vec![start.to_path_buf()];
            while let Some(d) = stack.pop() {
                if reached.insert(d.clone()) {
                    stack.extend(edges.get(&d).into_iter().flatten().cloned());
                }
            }
        };
        for r in &ws.roots {
            reach(r, &mut reached);
        }
        ws.first_cycle_root = ws.roots.len();
        let candidates: Vec<PathBuf> = ws.dirs.keys().filter(|d| in_scope(d)).cloned().collect();
        for d in candidates {
            if !reached.contains(&d) {
                reach(&d, &mut reached);
                ws.roots.push(d);
            }
        }
        ws.not_root = not_root;
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
