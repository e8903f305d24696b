//! Waiting, within a bound, for an SLO's first rule evaluation.
//!
//! When a pipeline creates an SLO and reads its budget in the same `terraform apply`,
//! Terraform reads the data source right after the rules were written and Prometheus
//! reloaded: the SLO's groups are loaded but not evaluated yet, so there are no series.
//! Rather than answer "no data", the data source waits until the SLI group has been
//! evaluated and the metadata group after it (the budget series derive from the SLI
//! series), at most two evaluation intervals plus [`SLACK`] and never more than
//! [`MAX_WAIT`]. Prometheus' `GET /api/v1/rules` says which groups are loaded and when
//! each was last evaluated.
//!
//! Pure apart from the two functions the caller passes: one that fetches the rules API's
//! answer and one that sleeps (tests count the sleeps instead of waiting).

use std::time::Duration;

use crate::rules::calendar::days_from_civil;
use crate::rules::conventions as conv;

/// Added to two evaluation intervals.
pub const SLACK: Duration = Duration::from_secs(5);
/// The longest wait, whatever the groups' interval.
pub const MAX_WAIT: Duration = Duration::from_secs(150);
/// Time between two looks at the rules API.
pub const POLL: Duration = Duration::from_secs(1);

/// What the wait found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The SLO's groups are not loaded: a wrong id, or rules Prometheus does not load.
    NotLoaded,
    /// Both groups have been evaluated, the metadata group after the SLI group; `waited`
    /// is how long this took (zero when they already had).
    Evaluated { waited: Duration },
    /// The bound passed first.
    TimedOut { waited: Duration },
    /// The rules API could not be read (not every Prometheus-compatible server has it).
    Unavailable(String),
}

/// One group as the rules API shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Group {
    /// Unix seconds of the last evaluation; `None` before the first one.
    last: Option<f64>,
    interval: f64,
}

/// The SLI and metadata groups of SLO `id` in a rules API answer; `None` when either is
/// not loaded.
fn groups(body: &str, id: &str) -> Result<Option<(Group, Group)>, String> {
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| format!("the rules API answered with something that is not JSON ({e})"))?;
    if v["status"] != "success" {
        return Err(format!(
            "the rules API answered with an error: {}",
            v["error"].as_str().unwrap_or("(no message)")
        ));
    }
    let find = |name: String| {
        v["data"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["name"].as_str() == Some(name.as_str()))
            .map(|g| Group {
                last: g["lastEvaluation"].as_str().and_then(parse_rfc3339),
                interval: g["interval"].as_f64().unwrap_or(60.0),
            })
    };
    Ok(find(conv::slo_sli_group_name(id)).zip(find(conv::slo_meta_group_name(id))))
}

/// Unix seconds of an RFC 3339 time as Prometheus writes it (`2026-12-05T12:00:01.5Z`,
/// or with an offset); `None` for Go's zero time (`0001-01-01T00:00:00Z`: never) and
/// anything unreadable.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day): (i64, u32, u32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if y < 1970 {
        return None;
    }
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => return None,
    };
    let mut c = clock.splitn(3, ':');
    let (h, min): (f64, f64) = (c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let sec: f64 = c.next()?.parse().ok()?;
    let offset_secs = match offset {
        "Z" => 0.0,
        o => {
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            let (oh, om) = o[1..].split_once(':')?;
            sign * (oh.parse::<f64>().ok()? * 3600.0 + om.parse::<f64>().ok()? * 60.0)
        }
    };
    Some(days_from_civil(y, m, day) as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + sec - offset_secs)
}

/// Waits (by calling `sleep`) until SLO `id`'s groups have been evaluated, as the module
/// doc says; `fetch` returns the rules API's answer.
pub fn wait(
    id: &str,
    fetch: &dyn Fn() -> Result<String, String>,
    sleep: &dyn Fn(Duration),
) -> Outcome {
    let mut waited = Duration::ZERO;
    // When the SLI group was first seen evaluated: the metadata group must follow it.
    let mut sli_seen: Option<f64> = None;
    let mut bound = MAX_WAIT;
    loop {
        let body = match fetch() {
            Ok(b) => b,
            Err(e) => return Outcome::Unavailable(e),
        };
        let (sli, meta) = match groups(&body, id) {
            Ok(Some(g)) => g,
            Ok(None) => return Outcome::NotLoaded,
            Err(e) => return Outcome::Unavailable(e),
        };
        let interval = Duration::from_secs_f64(sli.interval.max(meta.interval).clamp(0.0, 3600.0));
        bound = bound.min(interval * 2 + SLACK);
        if sli_seen.is_none() {
            sli_seen = sli.last;
        }
        if let (Some(s), Some(m)) = (sli_seen, meta.last) {
            if m >= s {
                return Outcome::Evaluated { waited };
            }
        }
        if waited >= bound {
            return Outcome::TimedOut { waited };
        }
        sleep(POLL);
        waited += POLL;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    fn answer(sli: &str, meta: &str, interval: u32) -> String {
        let group = |name: String, last: &str| {
            format!(
                r#"{{"name":"{name}","file":"f.yml","rules":[],"interval":{interval},"lastEvaluation":"{last}","evaluationTime":0}}"#
            )
        };
        format!(
            r#"{{"status":"success","data":{{"groups":[{},{}]}}}}"#,
            group(conv::slo_sli_group_name("a-b"), sli),
            group(conv::slo_meta_group_name("a-b"), meta)
        )
    }

    const NEVER: &str = "0001-01-01T00:00:00Z";

    /// Runs `wait` over a scripted sequence of answers (the last one repeats) and returns
    /// the outcome and how many sleeps it took.
    fn run(answers: Vec<String>) -> (Outcome, usize) {
        let calls = Cell::new(0usize);
        let sleeps = RefCell::new(0usize);
        let fetch = || {
            let i = calls.get().min(answers.len() - 1);
            calls.set(calls.get() + 1);
            Ok(answers[i].clone())
        };
        let out = wait("a-b", &fetch, &|_| *sleeps.borrow_mut() += 1);
        let n = *sleeps.borrow();
        (out, n)
    }

    #[test]
    fn times_parse() {
        assert_eq!(parse_rfc3339(NEVER), None);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00.5+01:00"), Some(0.5));
        assert_eq!(
            parse_rfc3339("2026-12-05T12:00:01.25Z"),
            Some(1_796_472_001.25)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn evaluated_groups_need_no_wait() {
        let t = "2026-12-05T12:00:01Z";
        let later = "2026-12-05T12:00:02Z";
        assert_eq!(
            run(vec![answer(t, later, 1)]),
            (
                Outcome::Evaluated {
                    waited: Duration::ZERO
                },
                0
            )
        );
    }

    #[test]
    fn waits_for_the_sli_group_then_the_metadata_group() {
        let (t1, t2, t3) = (
            "2026-12-05T12:00:01Z",
            "2026-12-05T12:00:02Z",
            "2026-12-05T12:00:03Z",
        );
        let (out, sleeps) = run(vec![
            answer(NEVER, NEVER, 10),
            answer(t2, t1, 10), // SLI evaluated; metadata only before it
            answer(t2, t1, 10),
            answer(t3, t3, 10),
        ]);
        assert_eq!(out, Outcome::Evaluated { waited: POLL * 3 });
        assert_eq!(sleeps, 3);
    }

    #[test]
    fn the_wait_is_bounded_by_two_intervals() {
        let (out, sleeps) = run(vec![answer(NEVER, NEVER, 3)]);
        assert_eq!(out, Outcome::TimedOut { waited: POLL * 11 });
        assert_eq!(sleeps, 11, "2 × 3 s + 5 s, one look a second");
        let (out, _) = run(vec![answer(NEVER, NEVER, 3600)]);
        assert_eq!(out, Outcome::TimedOut { waited: MAX_WAIT });
    }

    #[test]
    fn groups_not_loaded_or_no_rules_api() {
        let other = r#"{"status":"success","data":{"groups":[]}}"#.to_string();
        assert_eq!(run(vec![other]), (Outcome::NotLoaded, 0));
        let out = wait("a-b", &|| Err("404".to_string()), &|_| {});
        assert_eq!(out, Outcome::Unavailable("404".into()));
        assert!(matches!(
            run(vec!["<html>".into()]).0,
            Outcome::Unavailable(_)
        ));
    }
}
