//! The rules directory: atomic writes, reads and removals of single files.
//!
//! Every write goes to a hidden temporary file in the same directory (a name Prometheus'
//! `*.yml` glob never matches), is fsynced, renamed over the target and the directory is
//! fsynced: a crash at any point leaves either the previous complete file or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Why [`RulesDir::create_or_adopt`] did not create or adopt a file.
#[derive(Debug)]
pub enum NotCreated {
    /// A file of that name holds other contents: another configuration may own it.
    Foreign(PathBuf),
    /// Reading (`"read"`) or writing (`"write"`) it failed.
    Io(&'static str, PathBuf, io::Error),
}

/// A directory of rule files managed by the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesDir {
    root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Longest file name (bytes) most file systems accept (Linux `NAME_MAX`).
pub const MAX_FILE_NAME_LEN: usize = 255;
/// How much of the target's name a temporary file repeats, so that the temporary name
/// (`.<name>.tmp-<pid>-<n>`) fits [`MAX_FILE_NAME_LEN`] whatever the target's length.
const TMP_NAME_KEEP: usize = 200;

impl RulesDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RulesDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `file_name` inside the directory. `file_name` must be a plain file name
    /// (callers derive it from validated names; this is checked again here).
    pub fn path_of(&self, file_name: &str) -> io::Result<PathBuf> {
        if file_name.is_empty()
            || file_name.starts_with('.')
            || file_name.contains(['/', '\\', '\0'])
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{file_name:?} is not a safe file name"),
            ));
        }
        if file_name.len() > MAX_FILE_NAME_LEN {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{file_name:?} is {} bytes long, more than the {MAX_FILE_NAME_LEN} a file \
                     name may have",
                    file_name.len()
                ),
            ));
        }
        Ok(self.root.join(file_name))
    }

    /// Reads a file; `Ok(None)` when it does not exist.
    pub fn read(&self, file_name: &str) -> io::Result<Option<String>> {
        match fs::read(self.path_of(file_name)?) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes a file atomically (temp file + fsync + rename + directory fsync), creating the
    /// directory when needed.
    pub fn write_atomic(&self, file_name: &str, contents: &str) -> io::Result<PathBuf> {
        let (tmp, target) = self.write_temp(file_name, contents)?;
        let result = fs::rename(&tmp, &target).and_then(|()| sync_dir(&self.root));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map(|()| target)
    }

    /// Creates a file atomically only if it does not exist yet: temp file + fsync, then a
    /// hard link to the target, which the kernel refuses (`AlreadyExists`) when the target
    /// exists. Two concurrent applies that both create the same file: exactly one wins,
    /// the other gets `AlreadyExists` and can compare contents. On a file system without
    /// hard links, falls back to an existence check and a rename (not race-free there).
    pub fn create_new(&self, file_name: &str, contents: &str) -> io::Result<PathBuf> {
        let (tmp, target) = self.write_temp(file_name, contents)?;
        let result = (|| {
            match fs::hard_link(&tmp, &target) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) => {
                    if target.exists() {
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            format!("{} already exists", target.display()),
                        ));
                    }
                    fs::rename(&tmp, &target)?;
                }
            }
            Ok(())
        })();
        let _ = fs::remove_file(&tmp);
        result?;
        sync_dir(&self.root)?;
        Ok(target)
    }

    /// At create time: writes `file_name` only if no file has that name yet
    /// ([`RulesDir::create_new`]: of two applies creating it, exactly one wins); an existing
    /// file with exactly `contents` (left by an interrupted apply) is adopted.
    pub fn create_or_adopt(&self, file_name: &str, contents: &str) -> Result<(), NotCreated> {
        match self.create_new(file_name, contents) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                match self.holds_other(file_name, contents) {
                    Ok(false) => Ok(()),
                    Ok(true) => Err(NotCreated::Foreign(self.root.join(file_name))),
                    Err(e) => Err(NotCreated::Io("read", self.root.join(file_name), e)),
                }
            }
            Err(e) => Err(NotCreated::Io("write", self.root.join(file_name), e)),
        }
    }

    /// Whether the file `file_name` exists with other contents than `contents`.
    pub fn holds_other(&self, file_name: &str, contents: &str) -> io::Result<bool> {
        match fs::read(self.path_of(file_name)?) {
            Ok(existing) => Ok(existing != contents.as_bytes()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Writes `contents` to a fresh temporary file beside `file_name` (creating the directory
    /// when needed) and fsyncs it: `(temp path, target path)`. The temporary file is removed
    /// when the write fails; after success the caller moves it into place or removes it.
    fn write_temp(&self, file_name: &str, contents: &str) -> io::Result<(PathBuf, PathBuf)> {
        let target = self.path_of(file_name)?;
        fs::create_dir_all(&self.root)?;
        self.remove_stale_temp_files();
        let tmp = self.tmp_path(file_name);
        let written = (|| {
            let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(contents.as_bytes())?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok((tmp, target))
    }

    /// Removes temporary files a killed provider left behind: `.<name>.tmp-<pid>-<n>` whose
    /// process no longer runs (a concurrent apply's live files are kept). Best effort, once
    /// per directory and process, before its first write. Returns how many were removed.
    pub fn remove_stale_temp_files(&self) -> usize {
        static CLEANED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
        {
            let mut done = CLEANED.lock().unwrap_or_else(|e| e.into_inner());
            if done.contains(&self.root) {
                return 0;
            }
            done.push(self.root.clone());
        }
        let Ok(entries) = fs::read_dir(&self.root) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(temp_file_pid) else {
                continue;
            };
            if pid != std::process::id()
                && !process_alive(pid)
                && fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
        removed
    }

    fn tmp_path(&self, file_name: &str) -> PathBuf {
        let mut keep = file_name.len().min(TMP_NAME_KEEP);
        while !file_name.is_char_boundary(keep) {
            keep -= 1;
        }
        self.root.join(format!(
            ".{}.tmp-{}-{}",
            &file_name[..keep],
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// Removes a file; `Ok(false)` when it was already gone.
    pub fn remove(&self, file_name: &str) -> io::Result<bool> {
        match fs::remove_file(self.path_of(file_name)?) {
            Ok(()) => {
                sync_dir(&self.root)?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The writer's pid in a temporary file name `.<name>.tmp-<pid>-<n>`.
fn temp_file_pid(name: &str) -> Option<u32> {
    let (_, tail) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
    let (pid, n) = tail.split_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this pid exists (on doubt, yes).
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        if pid <= 0 {
            return true;
        }
        // SAFETY: signal 0 sends nothing; it only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Describes an I/O error on the rules directory for a user: what failed and what to do.
pub fn describe_io_error(action: &str, path: &Path, err: &io::Error) -> String {
    let hint = match err.kind() {
        io::ErrorKind::PermissionDenied => {
            "check that the user running terraform may write to this directory, or set the \
             provider's rules_dir to a writable directory"
        }
        io::ErrorKind::NotFound => {
            "check that the parent directory of rules_dir exists, or set rules_dir to an \
             existing directory"
        }
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            "free disk space on that file system; the previous file was left untouched"
        }
        io::ErrorKind::NotADirectory => {
            "a part of that path is a file, not a directory: set the provider's rules_dir to \
             a directory"
        }
        io::ErrorKind::ReadOnlyFilesystem => {
            "the file system is read-only: set the provider's rules_dir to a writable directory"
        }
        _ => "check the rules directory and try again",
    };
    format!("could not {action} {}: {err}; {hint}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_remove_roundtrip() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RulesDir::new(tmp.path().join("nested/rules"));
        assert_eq!(dir.read("a.yml").unwrap(), None);
        let p = dir.write_atomic("a.yml", "groups: []\n").unwrap();
        assert_eq!(p, tmp.path().join("nested/rules/a.yml"));
        assert_eq!(dir.read("a.yml").unwrap().as_deref(), Some("groups: []\n"));
        dir.write_atomic("a.yml", "groups: [] # v2\n").unwrap();
        assert_eq!(
            dir.read("a.yml").unwrap().as_deref(),
            Some("groups: [] # v2\n")
        );
        let names: Vec<_> = fs::read_dir(dir.root())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("a.yml")],
            "no temp files left"
        );
        assert!(dir.remove("a.yml").unwrap());
        assert!(!dir.remove("a.yml").unwrap());
    }

    #[test]
    fn create_new_refuses_an_existing_file_and_leaves_it_intact() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RulesDir::new(tmp.path());
        dir.create_new("a.yml", "first\n").unwrap();
        let err = dir.create_new("a.yml", "second\n").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(dir.read("a.yml").unwrap().as_deref(), Some("first\n"));
        let names: Vec<_> = fs::read_dir(dir.root()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    }

    #[test]
    fn create_or_adopt_creates_adopts_the_same_content_and_refuses_other_content() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RulesDir::new(tmp.path());
        dir.create_or_adopt("a.yml", "first\n").unwrap();
        dir.create_or_adopt("a.yml", "first\n").unwrap();
        match dir.create_or_adopt("a.yml", "second\n") {
            Err(NotCreated::Foreign(path)) => assert_eq!(path, tmp.path().join("a.yml")),
            other => panic!("expected Foreign, got {other:?}"),
        }
        assert_eq!(dir.read("a.yml").unwrap().as_deref(), Some("first\n"));
        assert!(!dir.holds_other("a.yml", "first\n").unwrap());
        assert!(dir.holds_other("a.yml", "second\n").unwrap());
        assert!(!dir.holds_other("missing.yml", "x").unwrap());
        assert!(matches!(
            dir.create_or_adopt("../a.yml", "x"),
            Err(NotCreated::Io("write", _, _))
        ));
    }

    #[test]
    fn concurrent_creates_of_one_file_have_one_winner() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RulesDir::new(tmp.path());
        let wins: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let dir = dir.clone();
                    s.spawn(move || dir.create_new("x.yml", &format!("writer {i}\n")).is_ok())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap() as usize)
                .sum()
        });
        assert_eq!(wins, 1);
        let content = dir.read("x.yml").unwrap().unwrap();
        assert!(content.starts_with("writer ") && content.ends_with('\n'));
    }

    #[test]
    fn long_names_are_refused_and_temp_names_stay_short() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RulesDir::new(tmp.path());
        let longest = format!("{}.yml", "a".repeat(MAX_FILE_NAME_LEN - 4));
        dir.write_atomic(&longest, "x\n")
            .expect("a 255-byte name writes");
        let too_long = format!("{}.yml", "a".repeat(MAX_FILE_NAME_LEN - 3));
        let err = dir.write_atomic(&too_long, "x\n").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("256 bytes"), "{err}");
    }

    #[test]
    fn stale_temp_files_of_dead_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RulesDir::new(tmp.path());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = format!(".a.yml.tmp-{dead}-3");
        let live = format!(".b.yml.tmp-{}-0", std::process::id());
        let other = ".not-ours.tmp-x";
        for n in [stale.as_str(), live.as_str(), other] {
            fs::write(tmp.path().join(n), "partial").unwrap();
        }
        assert_eq!(temp_file_pid(&stale), Some(dead));
        assert_eq!(temp_file_pid("a.yml"), None);
        dir.write_atomic("c.yml", "x\n").unwrap();
        assert!(
            !tmp.path().join(&stale).exists(),
            "a dead writer's temp file is removed"
        );
        assert!(
            tmp.path().join(&live).exists(),
            "a live writer's temp file is kept"
        );
        assert!(tmp.path().join(other).exists(), "other files are kept");
    }

    #[test]
    fn refuses_unsafe_names() {
        let dir = RulesDir::new("/tmp/x");
        for bad in [
            "",
            "../a.yml",
            "a/b.yml",
            ".hidden.yml",
            "a\0.yml",
            "/abs.yml",
        ] {
            assert!(dir.path_of(bad).is_err(), "{bad:?}");
        }
    }
}
