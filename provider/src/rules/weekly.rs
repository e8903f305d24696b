//! Weekly time windows, as both kinds of maintenance window write them (the notification
//! policy's, which Alertmanager mutes, and the SLO's, which the budget leaves out): day
//! names and ranges (`saturday`, `monday:friday`) and times of day `HH:MM` (`24:00` as an
//! end).

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
