//! Weekly time windows, as both kinds of maintenance window write them (the notification
//! policy's, which Alertmanager mutes, and the SLO's, which the budget leaves out): day
//! names and ranges (`saturday`, `monday:friday`) and times of day `HH:MM` (`24:00` as an
//! end).

use super::field_error::FieldError;

/// Day names in Prometheus' `day_of_week()` order: 0 is Sunday.
pub const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// Minutes since midnight of `HH:MM` (`24:00` allowed as an end).
pub fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
}

/// The days (indexes into [`WEEKDAYS`]) of a day name or a range such as `monday:friday`
/// (Alertmanager's notation: the range does not wrap past Saturday).
pub fn days(s: &str) -> Option<Vec<usize>> {
    let day = |d: &str| WEEKDAYS.iter().position(|w| *w == d);
    match s.split_once(':') {
        Some((a, b)) => match (day(a), day(b)) {
            (Some(a), Some(b)) if a <= b => Some((a..=b).collect()),
            _ => None,
        },
        None => day(s).map(|d| vec![d]),
    }
}

/// Checks a window's `weekdays` and its `start_time`/`end_time` (both or neither, the start
/// before the end), as both kinds of maintenance window take them; each error is at
/// `[prefix…, attribute]`. `clock` follows "a time of day" in messages (`" (UTC)"` or `""`).
pub fn check_days_and_times(
    errors: &mut Vec<FieldError>,
    prefix: &[&str],
    weekdays: &[String],
    times: (Option<&String>, Option<&String>),
    clock: &str,
) {
    let mut push = |attr: &str, summary: &str, detail: String| {
        let mut path = prefix.to_vec();
        path.push(attr);
        errors.push(FieldError::new(&path, summary, detail));
    };
    for d in weekdays {
        if days(d).is_none() {
            push(
                "weekdays",
                "Invalid weekday",
                format!(
                    "weekday {d:?} is not a lowercase day name or range such as \"saturday\" \
                     or \"monday:friday\""
                ),
            );
        }
    }
    match times {
        (Some(s), Some(e)) => {
            let (ms, me) = (minutes(s), minutes(e));
            for (attr, v, m) in [("start_time", s, ms), ("end_time", e, me)] {
                if m.is_none() {
                    push(
                        attr,
                        "Invalid time",
                        format!(
                            "{attr} = {v:?} is not a time of day{clock} as HH:MM, such as \"02:00\""
                        ),
                    );
                }
            }
            if let (Some(a), Some(b)) = (ms, me) {
                if a >= b {
                    push(
                        "end_time",
                        "Invalid time",
                        format!(
                            "end_time {e:?} is not after start_time {s:?}: a window ends on \
                             the day it starts (use \"24:00\" for midnight, and a second \
                             window for the next day)"
                        ),
                    );
                }
            }
        }
        (None, None) => {}
        (start, _) => push(
            if start.is_some() {
                "end_time"
            } else {
                "start_time"
            },
            "Incomplete maintenance window",
            "set both start_time and end_time, or neither for whole days".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_times() {
        assert_eq!(days("sunday"), Some(vec![0]));
        assert_eq!(days("monday:friday"), Some(vec![1, 2, 3, 4, 5]));
        assert_eq!(days("friday:monday"), None);
        assert_eq!(days("Sunday"), None);
        assert_eq!(minutes("02:30"), Some(150));
        assert_eq!(minutes("24:00"), Some(1440));
        assert_eq!(minutes("24:01"), None);
        assert_eq!(minutes("2:30"), None);
    }
}
