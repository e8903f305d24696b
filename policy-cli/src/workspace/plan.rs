//! Splitting a scan into units that share no module, so that each is loaded, checked and
//! dropped on its own (union-find over directories, with the local sources found without
//! parsing and the modules `terraform init` installed).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::scan::{list_tf_files, Scan, ToRead};
use super::sources::{candidate_sources, resolve_source};
use crate::parse::{Overlay, ReadText};

/// Part of a [`Scan`] that can be loaded and evaluated on its own: no module call (local
/// or installed) crosses from one unit to another. See [`plan`].
#[derive(Default)]
pub(crate) struct Unit {
    /// The unit's files of the scan.
    pub todo: Vec<UnitFile>,
    /// The text of each `todo` file, when already read (same order).
    pub todo_texts: Vec<ReadText>,
    /// `.terraform/modules/modules.json` of scanned directories: (directory, base, map).
    pub manifests: Vec<Manifest>,
    /// Other files already read (of directories outside the scan), by path.
    pub texts: HashMap<PathBuf, ReadText>,
    /// Local module sources already resolved: calling directory → source → directory.
    pub resolved: HashMap<PathBuf, HashMap<String, Option<PathBuf>>>,
    /// Texts read instead of the files' ([`Scan::overlay`]).
    pub overlay: Arc<Overlay>,
}

/// A file of a [`Unit`]: its place in the scan's order, path, and display base.
pub(crate) struct UnitFile {
    pub scan_index: usize,
    pub path: PathBuf,
    pub base: PathBuf,
}

impl Unit {
    /// The whole scan as one unit, its files not read yet.
    pub(crate) fn whole(scan: &mut Scan) -> Unit {
        let todo = std::mem::take(&mut scan.todo)
            .into_iter()
            .enumerate()
            .map(|(scan_index, ToRead { path, base })| UnitFile {
                scan_index,
                path,
                base,
            })
            .collect();
        Unit {
            todo,
            manifests: read_manifests(&scan.scanned_dirs),
            overlay: scan.overlay.clone(),
            ..Unit::default()
        }
    }
}

/// A scanned directory's `.terraform/modules/modules.json`.
pub(crate) struct Manifest {
    /// The directory `terraform init` ran in.
    pub dir: PathBuf,
    /// The base its files are displayed relative to.
    pub base: PathBuf,
    /// Module call key (`db`, `db.subnets`) → installed directory.
    pub calls: HashMap<String, PathBuf>,
}

/// The `modules.json` of each scanned directory (once per directory and base).
fn read_manifests(scanned_dirs: &[(PathBuf, PathBuf)]) -> Vec<Manifest> {
    let mut seen: HashSet<(&Path, &Path)> = HashSet::new();
    let mut out = Vec::new();
    for (dir, base) in scanned_dirs {
        if !seen.insert((dir, base)) {
            continue;
        }
        let manifest = dir.join(".terraform/modules/modules.json");
        if !manifest.is_file() {
            continue;
        }
        out.push(Manifest {
            dir: dir.clone(),
            base: base.clone(),
            calls: read_manifest(&manifest, dir),
        });
    }
    out
}

/// Splits a scan into [`Unit`]s: the connected groups of directories when every string
/// after `source =` in a file counts as a module call of its directory (a superset of
/// the real calls, found without parsing), plus the modules `terraform init` installed.
/// Reads every file of the scan, and of the local directories they may call.
///
/// The real calls are only known after parsing; [`crate::check`] verifies that no unit
/// loaded a directory of another one, and falls back to one unit if it did.
pub(crate) fn plan(scan: &mut Scan) -> Vec<Unit> {
    let todo = std::mem::take(&mut scan.todo);
    let read: Vec<(ReadText, Vec<String>)> = todo
        .par_iter()
        .map(|ToRead { path, .. }| {
            let regular = scan.unsure.is_empty() || !scan.unsure.contains(path);
            let r = scan.overlay.read(path, regular);
            let c = candidate_sources(path, &r);
            (r, c)
        })
        .collect();
    // Union-find over directories.
    let mut ids: HashMap<PathBuf, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn id(ids: &mut HashMap<PathBuf, usize>, parent: &mut Vec<usize>, d: &Path) -> usize {
        if let Some(&i) = ids.get(d) {
            return i;
        }
        let i = parent.len();
        parent.push(i);
        ids.insert(d.to_path_buf(), i);
        i
    }
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    fn union(parent: &mut [usize], a: usize, b: usize) {
        let (a, b) = (find(parent, a), find(parent, b));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut loaded: HashSet<PathBuf> = HashSet::new();
    let mut last: Option<&Path> = None;
    for ToRead { path: f, .. } in &todo {
        let d = f.parent();
        if d != last {
            if let Some(d) = d {
                id(&mut ids, &mut parent, d);
                loaded.insert(d.to_path_buf());
            }
            last = d;
        }
    }
    // Directories outside the scan that may be called: read like the scan's files.
    let mut extra: Vec<(PathBuf, ReadText)> = Vec::new();
    let mut new_dirs: Vec<PathBuf> = Vec::new();
    let manifests = read_manifests(&scan.scanned_dirs);
    for Manifest { dir, calls, .. } in &manifests {
        let a = id(&mut ids, &mut parent, dir);
        for target in calls.values() {
            let b = id(&mut ids, &mut parent, target);
            union(&mut parent, a, b);
            if loaded.insert(target.clone()) {
                new_dirs.push(target.clone());
            }
        }
    }
    let mut resolved: HashMap<PathBuf, HashMap<String, Option<PathBuf>>> = HashMap::new();
    let mut round: Vec<(&Path, &[String])> = todo
        .iter()
        .zip(&read)
        .map(|(t, (_, c))| (t.path.as_path(), c.as_slice()))
        .collect();
    let mut later: Vec<(PathBuf, Vec<String>)>;
    for _round in 0..super::MAX_CALL_ROUNDS {
        for (f, calls) in &round {
            if calls.is_empty() {
                continue;
            }
            let Some(dir) = f.parent() else { continue };
            let a = id(&mut ids, &mut parent, dir);
            for src in calls.iter() {
                // Workspace directories are canonical.
                let by_src = resolved.entry(dir.to_path_buf()).or_default();
                let target = match by_src.get(src.as_str()) {
                    Some(t) => t.clone(),
                    None => {
                        let t = resolve_source(Some(dir), dir, src);
                        by_src.insert(src.clone(), t.clone());
                        t
                    }
                };
                let Some(target) = target else {
                    continue;
                };
                let b = id(&mut ids, &mut parent, &target);
                union(&mut parent, a, b);
                if loaded.insert(target.clone()) {
                    new_dirs.push(target);
                }
            }
        }
        if new_dirs.is_empty() {
            break;
        }
        let files: Vec<PathBuf> = new_dirs.drain(..).flat_map(|d| list_tf_files(&d)).collect();
        let texts: Vec<(ReadText, Vec<String>)> = files
            .par_iter()
            .map(|path| {
                // Listed as regular files just now (`list_tf_files`).
                let r = scan.overlay.read(path, true);
                let c = candidate_sources(path, &r);
                (r, c)
            })
            .collect();
        later = Vec::new();
        for (f, (r, c)) in files.into_iter().zip(texts) {
            later.push((f.clone(), c));
            extra.push((f, r));
        }
        round = later
            .iter()
            .map(|(f, c)| (f.as_path(), c.as_slice()))
            .collect();
    }
    // Group by component, in the order of the scan.
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_of: HashMap<usize, usize> = HashMap::new();
    let mut unit_for = |dir: &Path, units: &mut Vec<Unit>| -> usize {
        let root = find(&mut parent, ids[dir]);
        *unit_of.entry(root).or_insert_with(|| {
            units.push(Unit {
                overlay: scan.overlay.clone(),
                ..Unit::default()
            });
            units.len() - 1
        })
    };
    let mut last: Option<(PathBuf, usize)> = None;
    for (scan_index, (ToRead { path: f, base }, (r, _))) in todo.into_iter().zip(read).enumerate() {
        let u = match (f.parent(), &last) {
            (Some(d), Some((l, u))) if d == l => *u,
            (Some(d), _) => {
                let u = unit_for(d, &mut units);
                last = Some((d.to_path_buf(), u));
                u
            }
            (None, _) => 0,
        };
        if units.is_empty() {
            units.push(Unit {
                overlay: scan.overlay.clone(),
                ..Unit::default()
            });
        }
        units[u].todo_texts.push(r);
        units[u].todo.push(UnitFile {
            scan_index,
            path: f,
            base,
        });
    }
    scan.scanned_dirs.clear();
    for m in manifests {
        let u = unit_for(&m.dir, &mut units);
        units[u].manifests.push(m);
    }
    for (d, by_src) in resolved {
        if let Some(&i) = ids.get(&d) {
            let root = find(&mut parent, i);
            if let Some(&u) = unit_of.get(&root) {
                units[u].resolved.insert(d, by_src);
            }
        }
    }
    for (f, r) in extra {
        let Some(d) = f.parent() else { continue };
        let root = find(&mut parent, ids[d]);
        if let Some(&u) = unit_of.get(&root) {
            units[u].texts.insert(f, r);
        }
    }
    units
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
