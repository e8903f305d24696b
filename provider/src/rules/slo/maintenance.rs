//! Time an SLO leaves out of its SLI, budget and alerts: weekly maintenance windows (UTC)
//! and an `exclude_query` that declares unplanned maintenance.
//!
//! [`active_expr`] is the PromQL of `slo:maintenance:active`, recorded first in the SLI
//! group: 1 while a window is open or `exclude_query` returns a non-zero sample, nothing
//! otherwise. Every per-step count is recorded `unless` that series had a sample in the
//! last 5 minutes, so that a 5-minute rate reaching back into a window is left out as well.

use super::super::field_error::FieldError;
use super::super::promql::indent;
use super::super::weekly::{check_days_and_times, days, minutes};
use super::{Budgeting, MaintenanceWindow};

/// Seconds in a day and a week.
const DAY: u64 = 86_400;
const WEEK: u64 = 7 * DAY;
/// Seconds from the Sunday 00:00 before 1970-01-01 (a Thursday) to the epoch.
const EPOCH_AFTER_SUNDAY: u64 = 4 * DAY;

/// The window's intervals as seconds of the week from Sunday 00:00 UTC, merged where they
/// touch. `None` when the window is invalid (see [`validate`]).
fn intervals(w: &MaintenanceWindow) -> Option<Vec<(u64, u64)>> {
    let mut day_list: Vec<usize> = Vec::new();
    if w.weekdays.is_empty() {
        day_list.extend(0..7);
    }
    for d in &w.weekdays {
        day_list.extend(days(d)?);
    }
    day_list.sort_unstable();
    day_list.dedup();
    let (start, end) = match (&w.start_time, &w.end_time) {
        (Some(s), Some(e)) => (u64::from(minutes(s)?) * 60, u64::from(minutes(e)?) * 60),
        (None, None) => (0, DAY),
        _ => return None,
    };
    if start >= end {
        return None;
    }
    let mut out: Vec<(u64, u64)> = Vec::new();
    for d in day_list {
        let (a, b) = (d as u64 * DAY + start, d as u64 * DAY + end);
        match out.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    Some(out)
}

/// PromQL of `slo:maintenance:active`, or `None` when nothing is left out.
pub fn active_expr(b: &Budgeting) -> Option<String> {
    let mut parts: Vec<String> = b
        .maintenance
        .iter()
        .filter_map(intervals)
        .flatten()
        .map(|(a, z)| format!("vector(time() + {EPOCH_AFTER_SUNDAY}) % {WEEK} >= {a} < {z}"))
        .collect();
    if let Some(q) = &b.exclude_query {
        parts.push(format!(
            "count(\n  (\n{}\n  )\n  != 0\n)",
            indent(q.trim(), "    ")
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "vector(1) and on() (\n{}\n)",
        indent(&parts.join("\nor\n"), "  ")
    ))
}

/// Checks the windows and `exclude_query`.
pub fn validate(errors: &mut Vec<FieldError>, b: &Budgeting) {
    for (i, w) in b.maintenance.iter().enumerate() {
        let i = i.to_string();
        check_days_and_times(
            errors,
            &["maintenance_window", &i],
            &w.weekdays,
            (w.start_time.as_ref(), w.end_time.as_ref()),
            " (UTC)",
        );
        if w.weekdays.is_empty() && w.start_time.is_none() && w.end_time.is_none() {
            errors.push(FieldError::new(
                &["maintenance_window", &i, "weekdays"],
                "Empty maintenance window",
                "set weekdays, start_time/end_time or both: a window without either would \
                 leave every event out of the SLO"
                    .to_string(),
            ));
        }
    }
    if let Some(q) = &b.exclude_query {
        match super::super::promql::check(q) {
            Err(e) => errors.push(FieldError::new(
                &["exclude_query"],
                "Invalid exclude_query",
                format!("exclude_query {q:?} is not valid PromQL: {}", e.trim()),
            )),
            Ok(value_type) => {
                if value_type != promql_parser::parser::value::ValueType::Vector {
                    errors.push(FieldError::new(
                        &["exclude_query"],
                        "Invalid exclude_query",
                        format!(
                            "exclude_query {q:?} returns a {}: it must return an instant \
                             vector that is non-zero while maintenance is declared, such as \
                             max(maintenance_mode{{service=\"checkout\"}})",
                            value_type
                        ),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: &[&str], start: Option<&str>, end: Option<&str>) -> MaintenanceWindow {
        MaintenanceWindow {
            weekdays: days.iter().map(|d| d.to_string()).collect(),
            start_time: start.map(str::to_string),
            end_time: end.map(str::to_string),
        }
    }

    #[test]
    fn windows_become_week_seconds() {
        assert_eq!(
            intervals(&window(&["sunday"], Some("02:00"), Some("04:00"))),
            Some(vec![(7200, 14400)])
        );
        // Whole weekdays merge into one interval; saturday and sunday do not touch.
        assert_eq!(
            intervals(&window(&["monday:friday"], None, None)),
            Some(vec![(DAY, 6 * DAY)])
        );
        assert_eq!(
            intervals(&window(&["saturday", "sunday"], None, None)),
            Some(vec![(0, DAY), (6 * DAY, 7 * DAY)])
        );
        assert_eq!(intervals(&window(&[], Some("04:00"), Some("02:00"))), None);
    }

    #[test]
    fn active_expr_is_promql() {
        let b = Budgeting {
            maintenance: vec![window(&["sunday"], Some("02:00"), Some("04:00"))],
            exclude_query: Some("max(maintenance_mode)".into()),
            ..Budgeting::default()
        };
        let e = active_expr(&b).unwrap();
        assert!(e.contains(">= 7200 < 14400"), "{e}");
        promql_parser::parser::parse(&e).expect("valid PromQL");
        assert_eq!(active_expr(&Budgeting::default()), None);
    }

    #[test]
    fn bad_windows_name_their_attribute() {
        let b = Budgeting {
            maintenance: vec![
                window(&["Sunday"], Some("2:00"), Some("04:00")),
                window(&[], None, None),
            ],
            exclude_query: Some("rate(x[5m]".into()),
            ..Budgeting::default()
        };
        let mut errors = Vec::new();
        validate(&mut errors, &b);
        let paths: Vec<String> = errors.iter().map(|e| e.path.join(".")).collect();
        assert_eq!(
            paths,
            [
                "maintenance_window.0.weekdays",
                "maintenance_window.0.start_time",
                "maintenance_window.1.weekdays",
                "exclude_query"
            ]
        );
    }
}
