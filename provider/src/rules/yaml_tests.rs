use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::rules::model::{AlertingRule, RecordingRule};

/// What the direct writer makes of `file`, `None` where it leaves it to `serde_yaml_ng`.
fn direct(file: &RuleFile) -> Option<String> {
    let mut w = Writer { out: String::new() };
    w.file(file).map(|()| w.out)
}

fn serde(file: &RuleFile) -> String {
    serde_yaml_ng::to_string(file).unwrap()
}

/// A file with `s` in every place a string goes: a group name, an interval, a record, an
/// alert, an expression, a `for`, a label key and value, an annotation value.
fn everywhere(s: &str) -> RuleFile {
    RuleFile {
        groups: vec![
            RuleGroup {
                name: s.into(),
                interval: Some(s.into()),
                rules: vec![
                    Rule::Recording(RecordingRule {
                        record: s.into(),
                        expr: s.into(),
                        labels: BTreeMap::from([(s.into(), s.into()), ("k".into(), s.into())]),
                    }),
                    Rule::Alerting(AlertingRule {
                        alert: "A".into(),
                        expr: s.into(),
                        for_: Some(s.into()),
                        labels: BTreeMap::new(),
                        annotations: BTreeMap::from([("summary".into(), s.into())]),
                    }),
                ],
            },
            RuleGroup {
                name: "empty".into(),
                interval: None,
                rules: vec![],
            },
        ],
    }
}

/// xorshift64*: the same strings on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn every_snapshot_rule_file_is_written_directly_as_serde_yaml_ng_writes_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules/snapshots");
    let mut files = 0;
    for kind in std::fs::read_dir(&dir).unwrap() {
        for entry in std::fs::read_dir(kind.unwrap().path()).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            // After insta's front matter; only rule files (not dashboards, Alertmanager
            // configurations or backup plans).
            let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
            let Ok(file) = serde_yaml_ng::from_str::<RuleFile>(body) else {
                continue;
            };
            if file.groups.is_empty() {
                continue;
            }
            files += 1;
            assert_eq!(direct(&file).as_deref(), Some(serde(&file).as_str()));
            assert_eq!(to_yaml(&file), serde(&file));
        }
    }
    assert!(files >= 15, "only {files} rule-file snapshots found");
}

#[test]
fn tricky_strings_match_serde_yaml_ng_or_go_through_it() {
    let cases = [
        "",
        "~",
        "null",
        "Null",
        "nULL",
        "true",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "0",
        "00",
        "007",
        "-01",
        "+1",
        "+-1",
        "-1",
        "1.5",
        "1e3",
        "1E3",
        ".5",
        "5.",
        "1_000",
        "0x1F",
        "0X1F",
        "-0x1F",
        "+0x1F",
        "0x-1",
        "0o17",
        "0b101",
        "-0b1",
        "0b",
        "0x",
        ".inf",
        "-.inf",
        "+.inf",
        ".NaN",
        "nan",
        "inf",
        "infinity",
        "-inf",
        "5m",
        "1h30m",
        "2",
        "99.9",
        "0.999",
        "1e400",
        "340282366920938463463374607431768211456",
        "- a",
        "-a",
        "-",
        "? a",
        "?a",
        ":a",
        ": a",
        "a:",
        "a: b",
        "a:b",
        "a #b",
        "a#b",
        "#a",
        "a #",
        ",a",
        "a,b",
        "[a]",
        "-0x80000000000000000000000000000000",
        "-0x80000000000000000000000000000001",
        "0x_1",
        "-0o-1",
        "++1",
        "+.5",
        "-.5e-3",
        "Infinity",
        "{a}",
        "&a",
        "*a",
        "!a",
        "|a",
        ">a",
        "'a",
        "a'b",
        "\"a",
        "%a",
        "@a",
        "`a",
        "---",
        "--- a",
        "...",
        ".. .",
        " a",
        "a ",
        "a  b",
        "a\nb",
        "a\n\nb",
        "a\n",
        "\na",
        " a\nb",
        "a \nb",
        "a\n b",
        "a\n  b\nc",
        "a\tb",
        "é",
        "a\r\nb",
        "line1\n#x\n- y\n'z'",
        "sum(rate(x{a=~\"5..\"}[5m])) > 0.5 # comment",
        "{{ $value }}",
        "a: {{ $labels.x }}",
    ];
    let mut direct_count = 0;
    for s in cases {
        let file = everywhere(s);
        if let Some(text) = direct(&file) {
            direct_count += 1;
            assert_eq!(text, serde(&file), "{s:?}");
        }
        assert_eq!(to_yaml(&file), serde(&file), "{s:?}");
    }
    assert!(
        direct_count > cases.len() / 2,
        "{direct_count} of {}",
        cases.len()
    );
}

#[test]
fn generated_strings_match_serde_yaml_ng() {
    const ALPHABET: &[u8] = b" :#-?,[]{}&*!|>'\"%@`.~+_0123456789xobeEinfINFaNlLtrusS\n\t/=()";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut direct_count, total) = (0, 20_000);
    for _ in 0..total {
        let len = (rng.next() % 9) as usize;
        let s: String = (0..len)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize] as char)
            .collect();
        let file = everywhere(&s);
        if let Some(text) = direct(&file) {
            direct_count += 1;
            assert_eq!(text, serde(&file), "{s:?}");
        }
    }
    // Most strings take the direct path (the others: a tab, an unwritable block scalar).
    assert!(direct_count > total / 2, "{direct_count} of {total}");
}

#[test]
fn keys_over_128_bytes_and_multi_line_keys_go_through_serde_yaml_ng() {
    for key in ["k".repeat(129), "a\nb".to_string()] {
        let mut file = everywhere("v");
        if let Rule::Recording(r) = &mut file.groups[0].rules[0] {
            r.labels.insert(key.clone(), "v".into());
        }
        assert_eq!(direct(&file), None);
        assert_eq!(to_yaml(&file), serde(&file));
    }
    let mut file = everywhere("v");
    if let Rule::Recording(r) = &mut file.groups[0].rules[0] {
        r.labels.insert("k".repeat(128), "v".into());
    }
    assert_eq!(direct(&file).as_deref(), Some(serde(&file).as_str()));
}

#[test]
fn an_empty_file_is_an_empty_sequence() {
    assert_eq!(to_yaml(&RuleFile::default()), "groups: []\n");
    assert_eq!(to_yaml(&RuleFile::default()), serde(&RuleFile::default()));
}
