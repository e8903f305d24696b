//! Robustness through the real Terraform CLI: nothing lost when the provider is killed
//! mid-apply, two configurations sharing one `rules_dir` at the same time, and faults
//! (read-only or broken `rules_dir`, full disk, Prometheus down or answering 500) reported
//! with what happened and what to do, with state that still matches the files on disk.
//!
//! The read-only and full-disk cases mount a tiny tmpfs (needs root or CAP_SYS_ADMIN, as in
//! this project's CI). Without it (or with `RELIABILITY_TEST_NO_MOUNT=1`), the read-only
//! case uses a `rules_dir` below a regular file (ENOTDIR) instead, and the full-disk case
//! prints "NOT TESTED: a full disk" on stderr and checks the same guarantees for a real
//! ENOTDIR write error (the previous file intact, a clear error, state matches disk).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reliability_e2e::prometheus::{fake_prometheus, promtool_binary, unreachable_url};
use reliability_e2e::{Output, Terraform};

const APPLY: &[&str] = &["apply", "-no-color", "-input=false", "-auto-approve"];

/// `count` alerts named `<prefix><i>`, in `rules_dir`, optionally reloading a Prometheus.
fn alerts(
    rules_dir: &str,
    prefix: &str,
    count: usize,
    threshold: &str,
    url: Option<&str>,
) -> String {
    let url = url
        .map(|u| format!("  prometheus_url = {u:?}\n"))
        .unwrap_or_default();
    format!(
        r#"
provider "reliability" {{
  rules_dir = {rules_dir:?}
{url}}}

resource "reliability_alert" "a" {{
  count    = {count}
  name     = "{prefix}${{count.index}}"
  expr     = "node_load1 > {threshold}"
  for      = "5m"
  severity = "ticket"
  summary  = "load above {threshold}"
}}
"#
    )
}

/// stdout and stderr with Terraform's line wrapping undone.
/// Every `*.yml` in `dir`, sorted.
fn yml_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file is complete (header first, newline last) and Prometheus accepts them all.
#[track_caller]
fn assert_complete_rule_files(files: &[PathBuf]) {
    assert!(!files.is_empty());
    for f in files {
        let c = std::fs::read_to_string(f).unwrap();
        assert!(
            c.starts_with("# Managed by Terraform") && c.ends_with('\n') && c.contains("groups:"),
            "{} is incomplete:\n{c}",
            f.display()
        );
    }
    let out = Command::new(promtool_binary())
        .arg("check")
        .arg("rules")
        .args(files)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool check rules failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Children of `parent` whose command line contains `needle` (from /proc).
fn children_named(parent: u32, needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid == Some(parent) && String::from_utf8_lossy(&cmdline).contains(needle) {
            found.push(pid);
        }
    }
    found
}

fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// The state's `content_sha256` of each alert equals the hash of its file on disk.
#[track_caller]
fn assert_state_matches_disk(tf: &Terraform) {
    let state = tf.state_json();
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in &resources {
        let v = &r["values"];
        let file = PathBuf::from(v["rule_file"].as_str().unwrap());
        assert!(file.exists(), "{} in state but not on disk", file.display());
        assert_eq!(
            v["content_sha256"].as_str().unwrap(),
            sha256_of(&file),
            "state of {} matches its file",
            r["address"]
        );
    }
}

/// A tmpfs mounted for the test, unmounted on drop.
struct Mount(PathBuf);

impl Mount {
    /// `Err` says why not; `RELIABILITY_TEST_NO_MOUNT=1` forces it, to run the fallbacks
    /// on a machine that can mount.
    fn tmpfs(dir: &Path, options: &str) -> Result<Mount, String> {
        std::fs::create_dir_all(dir).unwrap();
        if std::env::var_os("RELIABILITY_TEST_NO_MOUNT").is_some() {
            return Err("RELIABILITY_TEST_NO_MOUNT is set".into());
        }
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(Mount(dir.to_path_buf()))
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn kill_9_mid_apply_leaves_complete_files_and_the_next_apply_converges() {
    const N: usize = 200;
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    tf.config(&alerts("rules", "Load", N, "4", None));
    tf.init();
    let mut child = tf.spawn(&[APPLY, &["-parallelism=2"]].concat());
    let deadline = Instant::now() + Duration::from_secs(180);
    let killed_at = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "apply ended ({status}) before it could be interrupted:\n{}",
                tf.wait(child)
            );
        }
        assert!(Instant::now() < deadline, "no rule file written in time");
        let n = yml_files(&rules).len();
        if n >= 10 {
            let pids = children_named(child.id(), "terraform-provider-reliability");
            if let [pid] = pids[..] {
                let st = Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status()
                    .unwrap();
                assert!(st.success(), "kill -9 {pid}");
                break n;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let out = tf.wait(child);
    assert_ne!(out.code, 0, "the interrupted apply fails:\n{out}");
    let files = yml_files(&rules);
    assert!(
        files.len() < N,
        "killed mid-apply ({killed_at} files then, {} now)",
        files.len()
    );
    assert_complete_rule_files(&files);
    for e in std::fs::read_dir(&rules).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            name.starts_with("alert_") && name.ends_with(".yml")
                || name.starts_with('.') && name.contains(".tmp-") && !name.ends_with(".yml"),
            "unexpected file {name:?}: only rule files and hidden temp files Prometheus' *.yml glob ignores"
        );
    }

    // Terraform released its state lock when it exited: the next apply adopts the files
    // written but not recorded, and converges.
    let out = tf.run(APPLY).success();
    assert!(out.stdout.contains("Apply complete!"), "{out}");
    let files = yml_files(&rules);
    assert_eq!(files.len(), N);
    assert_complete_rule_files(&files);
    assert_eq!(tf.plan().code, 0, "converged: empty plan");
    let leftovers: Vec<String> = std::fs::read_dir(&rules)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the killed provider's temp files are cleaned up: {leftovers:?}"
    );
    assert_state_matches_disk(&tf);
}

#[test]
fn two_configurations_share_one_rules_dir_at_the_same_time() {
    let shared = tempfile::tempdir().unwrap();
    let dir = shared.path().to_str().unwrap();
    let a = Terraform::new();
    let b = Terraform::new();
    a.config(&alerts(dir, "TeamA", 60, "2", None));
    b.config(&alerts(dir, "TeamB", 60, "3", None));
    a.init();
    b.init();
    let (ca, cb) = (a.spawn(APPLY), b.spawn(APPLY));
    let (oa, ob) = (a.wait(ca).success(), b.wait(cb).success());
    assert!(oa.stdout.contains("60 added"), "{oa}");
    assert!(ob.stdout.contains("60 added"), "{ob}");
    let files = yml_files(shared.path());
    assert_eq!(files.len(), 120);
    assert_complete_rule_files(&files);
    for tf in [&a, &b] {
        assert_eq!(tf.plan().code, 0);
        assert_state_matches_disk(tf);
    }
    // Updating both at once, too.
    a.config(&alerts(dir, "TeamA", 60, "5", None));
    b.config(&alerts(dir, "TeamB", 60, "6", None));
    let (ca, cb) = (a.spawn(APPLY), b.spawn(APPLY));
    a.wait(ca).success();
    b.wait(cb).success();
    assert_complete_rule_files(&yml_files(shared.path()));
    for tf in [&a, &b] {
        assert_eq!(tf.plan().code, 0);
        assert_state_matches_disk(tf);
    }
}

#[test]
fn the_same_name_in_two_configurations_is_refused_not_overwritten() {
    let shared = tempfile::tempdir().unwrap();
    let dir = shared.path().to_str().unwrap();
    let a = Terraform::new();
    let b = Terraform::new();
    // Same alert name, different content, applied at the same time.
    a.config(&alerts(dir, "Shared", 1, "2", None));
    b.config(&alerts(dir, "Shared", 1, "3", None));
    a.init();
    b.init();
    let (ca, cb) = (a.spawn(APPLY), b.spawn(APPLY));
    let outs = [a.wait(ca), b.wait(cb)];
    let winners: Vec<usize> = (0..2).filter(|&i| outs[i].code == 0).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one apply wins:\n{}\n{}",
        outs[0],
        outs[1]
    );
    let (w, l) = (winners[0], 1 - winners[0]);
    let loser = outs[l].flat();
    assert!(
        loser.contains("Rule file already exists") && loser.contains("terraform import"),
        "{}",
        outs[l]
    );
    let file = shared.path().join("alert_Shared0.yml");
    let threshold = ["2", "3"][w];
    let content = std::fs::read_to_string(&file).unwrap();
    assert!(
        content.contains(&format!("node_load1 > {threshold}")),
        "{content}"
    );
    let (winner_tf, loser_tf) = if w == 0 { (&a, &b) } else { (&b, &a) };
    assert_eq!(winner_tf.plan().code, 0);
    assert_state_matches_disk(winner_tf);

    // Applied again on its own, the loser still refuses and leaves the file alone.
    let out = loser_tf.run(APPLY).code(1);
    assert!(out.flat().contains("Rule file already exists"), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), content);
    let listed = loser_tf.run(&["state", "list"]);
    assert!(
        listed.stdout.trim().is_empty(),
        "nothing recorded: {listed}"
    );
}

#[test]
fn a_read_only_or_broken_rules_dir_is_reported_and_nothing_recorded() {
    let tf = Terraform::new();
    let ro = tf.path().join("ro");
    let mount = Mount::tmpfs(&ro, "size=64k,ro");
    let (rules_dir, needles): (PathBuf, &[&str]) = match &mount {
        Ok(_) => (
            ro.clone(),
            &["Read-only file system", "set the provider's rules_dir"],
        ),
        Err(why) => {
            eprintln!("cannot mount a read-only tmpfs ({why}); using a rules_dir below a file");
            std::fs::write(tf.path().join("file"), "not a directory").unwrap();
            (
                tf.path().join("file/rules"),
                &["Not a directory", "not a directory"],
            )
        }
    };
    tf.config(&alerts(rules_dir.to_str().unwrap(), "Ro", 1, "2", None));
    tf.init();
    let out = tf.run(APPLY).code(1);
    let all = out.flat();
    assert!(all.contains("Cannot write rule file"), "{out}");
    assert!(
        all.contains(&rules_dir.join("alert_Ro0.yml").display().to_string()),
        "{out}"
    );
    for n in needles {
        assert!(all.contains(n), "expected {n:?} in\n{out}");
    }
    let listed = tf.run(&["state", "list"]);
    assert!(
        listed.stdout.trim().is_empty(),
        "nothing recorded: {listed}"
    );
    assert_eq!(tf.plan().code, 2, "still to create");

    // A rules_dir below a regular file, whatever the mount did.
    std::fs::write(tf.path().join("plain"), "x").unwrap();
    tf.config(&alerts("plain/rules", "Ro", 1, "2", None));
    let out = tf.run(APPLY).code(1);
    assert!(out.flat().contains("Not a directory"), "{out}");
    assert!(out.flat().contains("not a directory"), "hint: {out}");

    // A missing rules_dir (and its parents) is created.
    tf.config(&alerts("missing/deeper/rules", "Ro", 1, "2", None));
    tf.run(APPLY).success();
    assert_eq!(yml_files(&tf.path().join("missing/deeper/rules")).len(), 1);
    assert_eq!(tf.plan().code, 0);
    drop(mount);
}

#[test]
fn a_full_disk_keeps_the_previous_file_and_state_matches_disk() {
    let tf = Terraform::new();
    let mount = Mount::tmpfs(&tf.path().join("rules"), "size=64k");
    // Without a tmpfs the disk cannot be filled; a write still fails for real when the
    // rules_dir resolves through a regular file (ENOTDIR): `link/rules` with `link` first a
    // symlink to a directory, then a plain file.
    let rules_dir = match &mount {
        Ok(_) => "rules",
        Err(why) => {
            eprintln!(
                "NOT TESTED: a full disk (ENOSPC): cannot mount a 64k tmpfs ({why}); testing \
                 a failing write (ENOTDIR) instead: the previous file stays, the error says \
                 what to do, state matches disk"
            );
            std::fs::create_dir_all(tf.path().join("real/rules")).unwrap();
            std::os::unix::fs::symlink("real", tf.path().join("link")).unwrap();
            "link/rules"
        }
    };
    let rules = tf.path().join(rules_dir);
    tf.config(&alerts(rules_dir, "Disk", 1, "2", None));
    tf.init();
    tf.run(APPLY).success();
    let file = rules.join("alert_Disk0.yml");
    let before = std::fs::read_to_string(&file).unwrap();

    // The fault, and what the error must say.
    let filler = rules.join("filler.bin");
    let link = tf.path().join("link");
    let needles: [&str; 2] = match &mount {
        Ok(_) => {
            // Fill the file system: writes stop with ENOSPC.
            let mut f = std::fs::File::create(&filler).unwrap();
            let chunk = vec![0u8; 4096];
            for _ in 0..64 {
                if f.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = f.sync_all();
            ["No space left on device", "free disk space"]
        }
        Err(_) => {
            std::fs::remove_file(&link).unwrap();
            std::fs::write(&link, "not a directory").unwrap();
            ["Not a directory", "not a directory"]
        }
    };
    tf.config(&alerts(rules_dir, "Disk", 1, "9", None));
    let out = match &mount {
        Ok(_) => tf.run(APPLY),
        // Refreshing would already stop at reading the file (reported as "Cannot read rule
        // file"); without it the apply reaches the write.
        Err(_) => tf.run(&[APPLY, &["-refresh=false"]].concat()),
    }
    .code(1);
    let all = out.flat();
    assert!(all.contains("Cannot write rule file"), "{out}");
    for n in needles {
        assert!(all.contains(n), "expected {n:?} in\n{out}");
    }

    // Fault removed: the previous file is intact, no temp file is left, and the state
    // still describes the file on disk.
    match &mount {
        Ok(_) => std::fs::remove_file(&filler).unwrap(),
        Err(_) => {
            std::fs::remove_file(&link).unwrap();
            std::os::unix::fs::symlink("real", &link).unwrap();
        }
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "the previous file is intact"
    );
    for e in std::fs::read_dir(&rules).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        assert!(
            !n.contains(".tmp-"),
            "temp file {n} removed after the failure"
        );
    }
    let listed = tf.run(&["state", "list"]);
    assert_eq!(listed.stdout.trim(), "reliability_alert.a[0]", "{listed}");
    assert_state_matches_disk(&tf);

    let out = tf.run(APPLY).success();
    assert!(out.stdout.contains("1 changed"), "{out}");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("node_load1 > 9"));
    assert_eq!(tf.plan().code, 0);
    assert_state_matches_disk(&tf);
    drop(mount);
}

#[test]
fn prometheus_down_or_failing_is_reported_and_state_matches_disk() {
    let tf = Terraform::new();
    let rules = tf.path().join("rules");
    tf.config(&alerts("rules", "Reload", 1, "2", None));
    tf.init();
    tf.run(APPLY).success();

    // Down: a loopback port nobody listens on. The file is written, the apply succeeds with
    // a warning that names the URL and says what to do (Prometheus may simply not be up
    // yet: never a failed or tainted resource), and the state records what is on disk.
    let down = unreachable_url();
    tf.config(&alerts("rules", "Reload", 1, "3", Some(&down)));
    let out = tf.run(APPLY).code(0);
    let all = out.flat();
    assert!(all.contains("Prometheus not reloaded yet"), "{out}");
    assert!(
        all.contains(down.trim_start_matches("http://")),
        "names the URL: {out}"
    );
    assert!(all.contains("check that it runs"), "what to do: {out}");
    let file = rules.join("alert_Reload0.yml");
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("node_load1 > 3"));
    assert_state_matches_disk(&tf);

    // Answering 500, on an update and on a create: Prometheus' answer is quoted.
    let (failing, _) = fake_prometheus(
        "500 Internal Server Error",
        "failed to reload config: one or more errors occurred while applying the new configuration",
        50,
    );
    tf.config(&alerts("rules", "Reload", 2, "4", Some(&failing)));
    let out = tf.run(APPLY).code(1);
    let all = out.flat();
    assert!(
        all.contains("Prometheus reload failed") && all.contains("HTTP 500"),
        "{out}"
    );
    assert!(
        all.contains("failed to reload config: one or more errors occurred"),
        "quotes Prometheus' answer: {out}"
    );
    assert_complete_rule_files(&yml_files(&rules));
    assert_state_matches_disk(&tf);

    // Back up: the next apply converges (the create that failed to reload is redone) and
    // the plan is empty.
    let (ok, _) = fake_prometheus("200 OK", "", 50);
    tf.config(&alerts("rules", "Reload", 2, "4", Some(&ok)));
    let out: Output = tf.run(APPLY).success();
    assert!(out.stdout.contains("Apply complete!"), "{out}");
    assert_eq!(tf.plan().code, 0);
    assert_state_matches_disk(&tf);
    assert_eq!(yml_files(&rules).len(), 2);

    // Destroy while Prometheus answers 500: the files are removed and the error is
    // reported; Terraform keeps the resources until the next refresh sees the files gone,
    // so the next plan is consistent with the disk (create both again), not an error.
    tf.config(&alerts("rules", "Reload", 2, "4", Some(&failing)));
    let out = tf.destroy();
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.flat().contains("failed to reload config"),
        "quotes Prometheus' answer: {out}"
    );
    assert!(yml_files(&rules).is_empty(), "files removed");
    let out = tf.plan();
    assert_eq!(out.code, 2, "{out}");
    assert!(
        out.stdout.contains("2 to add, 0 to change, 0 to destroy"),
        "{out}"
    );
}
