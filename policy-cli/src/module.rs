//! Finding modules: directories of `.tf` files, local module calls, `.terraform/modules`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;
use rayon::prelude::*;

use crate::parse::{
    read_text, read_text_checked, relative_to, FileId, LoadError, ReadText, SourceFile,
};

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

/// Whether a path looks like a Terraform source file.
fn is_tf_file(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n.ends_with(".tf") || n.ends_with(".tf.json")
}

/// Is a module `source` a local path?
pub fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."
}

/// The files named or found under the paths given on the command line, before reading.
pub(crate) struct Scan {
    /// (file path, base for display), in reading order.
    pub todo: Vec<(PathBuf, PathBuf)>,
    /// (directory, base its files are displayed relative to): where `terraform init`
    /// may have installed modules.
    pub scanned_dirs: Vec<(PathBuf, PathBuf)>,
    /// The given paths, canonical (what "in scope" means for root modules).
    pub scanned: HashSet<PathBuf>,
    /// Files of `todo` not known to be regular files (symlinks found by the walk).
    pub unsure: HashSet<PathBuf>,
    pub errors: Vec<LoadError>,
}

impl Scan {
    pub fn new(paths: &[PathBuf]) -> Scan {
        let mut errors = Vec::new();
        // (file path, base for display)
        let mut todo: Vec<(PathBuf, PathBuf)> = Vec::new();
        // (directory, base its files are displayed relative to)
        let mut scanned_dirs: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut scanned = HashSet::new();
        let mut unsure = HashSet::new();
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
                walk(&abs, &mut found, &mut errors, &abs, 0);
                for (f, regular) in found {
                    if !regular {
                        unsure.insert(f.clone());
                    }
                    if let Some(d) = f.parent() {
                        scanned_dirs.push((d.to_path_buf(), abs.clone()));
                    }
                    todo.push((f, abs.clone()));
                }
            }
        }
        Scan {
            todo,
            scanned_dirs,
            scanned,
            unsure,
            errors,
        }
    }
}

/// Part of a [`Scan`] that can be loaded and evaluated on its own: no module call (local
/// or installed) crosses from one unit to another. See [`plan`].
#[derive(Default)]
pub(crate) struct Unit {
    /// (index in [`Scan::todo`], file path, base for display).
    pub todo: Vec<(usize, PathBuf, PathBuf)>,
    /// The text of each `todo` file, when already read (same order).
    pub todo_texts: Vec<ReadText>,
    /// `.terraform/modules/modules.json` of scanned directories: (directory, base, map).
    pub manifests: Vec<Manifest>,
    /// Other files already read (of directories outside the scan), by path.
    pub texts: HashMap<PathBuf, ReadText>,
    /// Local module sources already resolved: calling directory → source → directory.
    pub resolved: HashMap<PathBuf, HashMap<String, Option<PathBuf>>>,
}

/// A scanned directory's `modules.json`: (directory, base for display, call key → directory).
pub(crate) type Manifest = (PathBuf, PathBuf, HashMap<String, PathBuf>);

/// The `modules.json` of each scanned directory (once per directory and base).
pub(crate) fn read_manifests(scanned_dirs: &[(PathBuf, PathBuf)]) -> Vec<Manifest> {
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
        out.push((dir.clone(), base.clone(), read_manifest(&manifest, dir)));
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
        .map(|(path, _)| {
            let regular = scan.unsure.is_empty() || !scan.unsure.contains(path);
            let r = read_text_checked(path, regular);
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
    for (f, _) in &todo {
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
    for (dir, _, map) in &manifests {
        let a = id(&mut ids, &mut parent, dir);
        for target in map.values() {
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
        .map(|((f, _), (_, c))| (f.as_path(), c.as_slice()))
        .collect();
    let mut later: Vec<(PathBuf, Vec<String>)>;
    for _round in 0..64 {
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
                let r = read_text_checked(path, true);
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
            units.push(Unit::default());
            units.len() - 1
        })
    };
    let mut last: Option<(PathBuf, usize)> = None;
    for (i, ((f, base), (r, _))) in todo.into_iter().zip(read).enumerate() {
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
            units.push(Unit::default());
        }
        units[u].todo_texts.push(r);
        units[u].todo.push((i, f, base));
    }
    scan.scanned_dirs.clear();
    for m in manifests {
        let u = unit_for(&m.0, &mut units);
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

/// The `.tf` and `.tf.json` files directly in a directory, sorted.
fn list_tf_files(d: &Path) -> Vec<PathBuf> {
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

/// Every local path after `source =` (HCL) or under a `"source"` key (JSON) in a file:
/// a superset of the local sources of its `module` blocks, without parsing.
fn candidate_sources(path: &Path, read: &ReadText) -> Vec<String> {
    let (text, error) = read;
    let mut out = Vec::new();
    if error.is_some() {
        return out;
    }
    if path.to_string_lossy().ends_with(".json") {
        fn visit(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, x) in m {
                        match x {
                            serde_json::Value::String(s) if k == "source" => {
                                if is_local_source(s) {
                                    out.push(s.clone());
                                }
                            }
                            other => visit(other, out),
                        }
                    }
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| visit(x, out)),
                _ => {}
            }
        }
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            visit(&v, &mut out);
        }
        return out;
    }
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80;
    // Spaces, newlines and comments.
    let skip = |mut j: usize| -> usize {
        loop {
            match b.get(j) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => j += 1,
                Some(b'#') => {
                    j = text[j..].find('\n').map(|k| j + k + 1).unwrap_or(b.len());
                }
                Some(b'/') if b.get(j + 1) == Some(&b'/') => {
                    j = text[j..].find('\n').map(|k| j + k + 1).unwrap_or(b.len());
                }
                Some(b'/') if b.get(j + 1) == Some(&b'*') => {
                    j = text[j + 2..]
                        .find("*/")
                        .map(|k| j + 2 + k + 2)
                        .unwrap_or(b.len());
                }
                _ => return j,
            }
        }
    };
    let mut from = 0;
    while let Some(k) = text[from..].find("source") {
        let i = from + k;
        from = i + "source".len();
        if i > 0 && ident(b[i - 1]) {
            continue;
        }
        let mut j = from;
        if b.get(j).is_some_and(|&c| ident(c)) {
            continue;
        }
        if b.get(j) == Some(&b'"') {
            j += 1;
        }
        j = skip(j);
        if !matches!(b.get(j), Some(b'=' | b':')) {
            continue;
        }
        j = skip(j + 1);
        if b.get(j) != Some(&b'"') {
            continue;
        }
        let start = j + 1;
        let mut e = start;
        while e < b.len() && b[e] != b'"' && b[e] != b'\n' {
            e += if b[e] == b'\\' { 2 } else { 1 };
        }
        if e >= b.len() || b[e] != b'"' {
            continue;
        }
        let raw = &text[start..e];
        let value = if raw.contains(['\\', '$', '%']) {
            unescape(raw)
        } else {
            raw.to_string()
        };
        if is_local_source(&value) {
            out.push(value);
        }
    }
    out
}

/// The value of a quoted HCL string literal's text (escapes, `$${`, `%%{`). Unknown
/// escapes are kept as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match c {
            '\\' => match it.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, 't')) => out.push('\t'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((j, u @ ('u' | 'U'))) => {
                    let n = if u == 'u' { 4 } else { 8 };
                    let hex = raw.get(j + 1..j + 1 + n);
                    match hex
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        Some(ch) => {
                            out.push(ch);
                            for _ in 0..n {
                                it.next();
                            }
                        }
                        None => {
                            out.push('\\');
                            out.push(u);
                        }
                    }
                }
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '$' | '%' if raw[i + 1..].starts_with(c) && raw[i + 2..].starts_with('{') => {
                it.next();
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
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
        let scan = Scan::new(paths);
        let todo = scan
            .todo
            .into_iter()
            .enumerate()
            .map(|(i, (f, b))| (i, f, b))
            .collect();
        let unit = Unit {
            todo,
            manifests: read_manifests(&scan.scanned_dirs),
            ..Unit::default()
        };
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
        } = unit;
        let mut todo_texts: Vec<Option<ReadText>> = todo_texts.into_iter().map(Some).collect();
        todo_texts.resize_with(todo.len(), || None);
        let mut todo: Vec<(PathBuf, PathBuf, Option<ReadText>)> = todo
            .into_iter()
            .zip(todo_texts)
            .map(|((_, f, b), t)| (f, b, t))
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
        for _round in 0..64 {
            if todo.is_empty() {
                break;
            }
            let batch: Vec<(SourceFile, Option<LoadError>)> = std::mem::take(&mut todo)
                .into_par_iter()
                .map(|(path, base, text)| {
                    let display = relative_to(&path, &base);
                    let text = text.unwrap_or_else(|| read_text(&path));
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
            for (dir, base, map) in manifests.drain(..) {
                for target in map.values() {
                    not_root.insert(target.clone());
                    // Reached from the directory that installed it: never a cycle root.
                    edges.entry(dir.clone()).or_default().push(target.clone());
                    if loaded_dirs.insert(target.clone()) {
                        new_dirs.push((target.clone(), base.clone()));
                    }
                }
                ws.installed.insert(dir, map);
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

/// `dir.join(src).canonicalize()`, without resolving `dir` again for every call: from the
/// canonical `dir`, each component of `src` is looked at with one `lstat`. Anything unusual
/// (a symlink, a non-directory on the way, an absolute source) takes the full
/// `canonicalize`, so the result is always the same.
pub(crate) fn resolve_source(canon_dir: Option<&Path>, dir: &Path, src: &str) -> Option<PathBuf> {
    let fast = || {
        let mut p = canon_dir?.to_path_buf();
        let mut is_dir = true;
        for c in Path::new(src).components() {
            if !is_dir {
                return None;
            }
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    p.pop();
                }
                std::path::Component::Normal(n) => {
                    p.push(n);
                    let ft = std::fs::symlink_metadata(&p).ok()?.file_type();
                    if ft.is_symlink() {
                        return None;
                    }
                    is_dir = ft.is_dir();
                }
                _ => return None,
            }
        }
        Some(p)
    };
    fast().or_else(|| dir.join(src).canonicalize().ok())
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

/// Collects the `.tf` files under `dir`, in order, each with whether it is a regular file
/// (else a symlink, to be looked at before opening).
fn walk(
    dir: &Path,
    out: &mut Vec<(PathBuf, bool)>,
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
    /// The directory of a local `source`, resolved once for every instance and root.
    pub(crate) local_dir: std::sync::OnceLock<Option<PathBuf>>,
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
                                local_dir: std::sync::OnceLock::new(),
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

/// Calls `f` with every traversal (`var.x`, `local.y`, `aws_x.y.id`) in an expression.
pub fn visit_traversals<'e>(e: &'e Expression, f: &mut dyn FnMut(&'e hcl_edit::expr::Traversal)) {
    use hcl_edit::expr::{ObjectKey, TraversalOperator};
    use hcl_edit::template::Element;
    let template = |t: &'e hcl_edit::template::Template,
                    f: &mut dyn FnMut(&'e hcl_edit::expr::Traversal)| {
        for el in t.iter() {
            if let Element::Interpolation(i) = el {
                visit_traversals(&i.expr, f);
            }
        }
    };
    match e {
        Expression::Array(a) => a.iter().for_each(|x| visit_traversals(x, f)),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let ObjectKey::Expression(k) = k {
                    visit_traversals(k, f);
                }
                visit_traversals(v.expr(), f);
            }
        }
        Expression::StringTemplate(t) => template(t, f),
        Expression::HeredocTemplate(h) => template(&h.template, f),
        Expression::Parenthesis(p) => visit_traversals(p.inner(), f),
        Expression::Conditional(c) => {
            visit_traversals(&c.cond_expr, f);
            visit_traversals(&c.true_expr, f);
            visit_traversals(&c.false_expr, f);
        }
        Expression::FuncCall(c) => c.args.iter().for_each(|x| visit_traversals(x, f)),
        Expression::Traversal(t) => {
            f(t);
            visit_traversals(&t.expr, f);
            for o in &t.operators {
                if let TraversalOperator::Index(i) = o.value() {
                    visit_traversals(i, f);
                }
            }
        }
        Expression::UnaryOp(u) => visit_traversals(&u.expr, f),
        Expression::BinaryOp(b) => {
            visit_traversals(&b.lhs_expr, f);
            visit_traversals(&b.rhs_expr, f);
        }
        Expression::ForExpr(x) => {
            visit_traversals(&x.intro.collection_expr, f);
            visit_traversals(&x.value_expr, f);
            if let Some(k) = &x.key_expr {
                visit_traversals(k, f);
            }
            if let Some(c) = &x.cond {
                visit_traversals(&c.expr, f);
            }
        }
        _ => {}
    }
}

/// `local.NAME` / `var.NAME` → `NAME` for a traversal rooted at `root`.
fn traversal_name<'t>(t: &'t hcl_edit::expr::Traversal, root: &str) -> Option<&'t str> {
    let Expression::Variable(v) = &t.expr else {
        return None;
    };
    if v.as_str() != root {
        return None;
    }
    match t.operators.first().map(|o| o.value()) {
        Some(hcl_edit::expr::TraversalOperator::GetAttr(a)) => Some(a.as_str()),
        _ => None,
    }
}

impl Module<'_> {
    /// Errors Terraform would report before evaluating: a variable default that is not a
    /// literal (`default = var.x`), and local values that refer to themselves.
    pub fn validate(&self, files: &[SourceFile]) -> Vec<LoadError> {
        let mut errors = Vec::new();
        let error = |file: FileId, span: std::ops::Range<usize>, message: String| {
            let f = &files[file];
            let (line, column) = f.line_col(span.start);
            LoadError {
                file: f.display.clone(),
                line,
                column,
                message,
            }
        };
        let mut names: Vec<&String> = self.variables.keys().collect();
        names.sort();
        for name in names {
            let decl = &self.variables[name];
            let Some(default) = decl.default else {
                continue;
            };
            let mut first: Option<&hcl_edit::expr::Traversal> = None;
            visit_traversals(default, &mut |t| {
                first.get_or_insert(t);
            });
            if let Some(t) = first {
                let text = files[decl.file]
                    .text
                    .get(span_of(t))
                    .unwrap_or("a reference");
                errors.push(error(
                    decl.file,
                    span_of(default),
                    format!("variable \"{name}\": the default refers to `{text}`; a default must be a literal value"),
                ));
            }
        }
        // Local values: find the ones on a reference cycle.
        let mut deps: HashMap<&str, Vec<&str>> = HashMap::new();
        for (name, (_, expr)) in &self.locals {
            let mut d = Vec::new();
            visit_traversals(expr, &mut |t| {
                if let Some(n) = traversal_name(t, "local") {
                    d.push(n);
                }
            });
            deps.insert(name.as_str(), d);
        }
        let mut names: Vec<&str> = self.locals.keys().map(String::as_str).collect();
        names.sort();
        for name in names {
            // Is `name` reachable from itself?
            let mut stack: Vec<&str> = deps.get(name).cloned().unwrap_or_default();
            let mut seen: HashSet<&str> = HashSet::new();
            let mut cyclic = false;
            while let Some(n) = stack.pop() {
                if n == name {
                    cyclic = true;
                    break;
                }
                if seen.insert(n) {
                    stack.extend(deps.get(n).into_iter().flatten().copied());
                }
            }
            if cyclic {
                let (file, expr) = self.locals[name];
                errors.push(error(
                    file,
                    span_of(expr),
                    format!("local value `local.{name}` refers to itself (a reference cycle); it is unknown"),
                ));
            }
        }
        errors
    }
}
