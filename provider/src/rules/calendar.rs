//! Calendar-aligned SLO periods: ISO weeks (from Monday), months and quarters, in UTC.
//!
//! A calendar SLO's budget covers the current calendar period only and starts whole at its
//! beginning. PromQL has no "since the 1st of the month" range, so the generator records a
//! copy of each per-step series labelled with the period's *slot*, the period's index
//! modulo 3 ([`slot_expr`]): the current period's samples are then the samples of the
//! current slot within the longest period length ([`Calendar::max_days`]). Two periods of
//! the same slot are two whole periods apart, further than that range reaches.
//!
//! Burn-rate alert thresholds use a nominal length ([`Calendar::nominal`]: 7, 30 and 90
//! days), as Google's calendar SLOs do: the table of factors needs one number, and the
//! actual month (28–31 days) changes a threshold by at most 10 %. The budget itself, and
//! `slo:time_period:days`, use the actual length ([`days_expr`], [`bounds`]).
//!
//! Also the civil-date arithmetic the data source needs to name the current period's start
//! and end ([`bounds`]); pure, the clock is the caller's.

use std::fmt;

use super::window::Period;

/// The calendar periods a `reliability_slo` can take (`calendar_period`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    Week,
    Month,
    Quarter,
}

/// Seconds in a day.
const DAY: i64 = 86_400;
/// 1970-01-01 was a Thursday: Monday 1970-01-05 is 4 days later.
const FIRST_MONDAY: i64 = 4 * DAY;

impl Calendar {
    pub const ALL: [Calendar; 3] = [Calendar::Week, Calendar::Month, Calendar::Quarter];

    /// Parses `week`, `month` or `quarter`.
    pub fn parse(s: &str) -> Result<Calendar, String> {
        Calendar::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "invalid calendar_period {s:?}: use \"week\" (ISO weeks from Monday), \
                     \"month\" or \"quarter\" (UTC)"
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Calendar::Week => "week",
            Calendar::Month => "month",
            Calendar::Quarter => "quarter",
        }
    }

    /// The period's name in series and the `sloth_window` label: `1W`, `1M`, `1Q` (OpenSLO's
    /// duration units; an upper-case `W` keeps it apart from the rolling `1w`).
    pub fn series_name(self) -> &'static str {
        match self {
            Calendar::Week => "1W",
            Calendar::Month => "1M",
            Calendar::Quarter => "1Q",
        }
    }

    /// Nominal length for the burn-rate table and `error_budget_minutes`: 7, 30, 90 days.
    pub fn nominal(self) -> Period {
        let days = match self {
            Calendar::Week => 7,
            Calendar::Month => 30,
            Calendar::Quarter => 90,
        };
        Period::from_days(days).expect("nominal calendar lengths are valid periods")
    }

    /// Shortest and longest actual length in days.
    pub fn days_range(self) -> (u32, u32) {
        match self {
            Calendar::Week => (7, 7),
            Calendar::Month => (28, 31),
            Calendar::Quarter => (90, 92),
        }
    }

    /// Longest actual length in days: the range over which the current slot is summed.
    pub fn max_days(self) -> u32 {
        self.days_range().1
    }

    /// "calendar month", for descriptions.
    pub fn describe(self) -> String {
        match self {
            Calendar::Week => "calendar week (ISO, from Monday 00:00 UTC)".into(),
            Calendar::Month => "calendar month (UTC)".into(),
            Calendar::Quarter => "calendar quarter (UTC)".into(),
        }
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// PromQL: the index of the current period (a label-less vector). Weeks count from Monday
/// 1970-01-05 (`floor((time() + 3d) / 1w)`, one more than the ISO count, which only shifts
/// the slots), months are `year × 12 + month`, quarters `year × 4 + (month − 1) / 3`.
pub fn index_expr(c: Calendar) -> String {
    match c {
        Calendar::Week => format!(
            "floor(vector(time() + {}) / {})",
            7 * DAY - FIRST_MONDAY,
            7 * DAY
        ),
        Calendar::Month => "(year() * 12 + month())".into(),
        Calendar::Quarter => "(year() * 4 + floor((month() - 1) / 3))".into(),
    }
}

/// How many slots the periods rotate through: same-slot periods are two periods apart.
pub const SLOTS: u32 = 3;

/// PromQL filter: non-empty while the current period's slot is `slot`.
pub fn slot_expr(c: Calendar, slot: u32) -> String {
    format!("{} % {SLOTS} == {slot}", index_expr(c))
}

/// PromQL: the current period's length in days (a label-less vector).
pub fn days_expr(c: Calendar) -> String {
    match c {
        Calendar::Week => "vector(7)".into(),
        Calendar::Month => "days_in_month()".into(),
        // Q1 is 90 days, 91 in a leap year; Q2 91; Q3 and Q4 92.
        Calendar::Quarter => "(vector(90) + (year() % 4 == bool 0) - (year() % 100 == bool 0) + \
                              (year() % 400 == bool 0)) and on() (month() <= 3)\n\
                              or vector(91) and on() (month() <= 6)\n\
                              or vector(92)"
            .into(),
    }
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Start (inclusive) and end (exclusive) of the calendar period holding `now`, in unix
/// seconds, UTC.
pub fn bounds(c: Calendar, now: i64) -> (i64, i64) {
    let today = now.div_euclid(DAY);
    match c {
        Calendar::Week => {
            let start = (now - FIRST_MONDAY).div_euclid(7 * DAY) * 7 * DAY + FIRST_MONDAY;
            (start, start + 7 * DAY)
        }
        Calendar::Month | Calendar::Quarter => {
            let (year, month, _) = civil_from_days(today);
            let months = if c == Calendar::Month { 1 } else { 3 };
            let first = if c == Calendar::Month {
                month
            } else {
                (month - 1) / 3 * 3 + 1
            };
            let (ny, nm) = if first + months > 12 {
                (year + 1, first + months - 12)
            } else {
                (year, first + months)
            };
            (
                days_from_civil(year, first, 1) * DAY,
                days_from_civil(ny, nm, 1) * DAY,
            )
        }
    }
}

/// `2026-12-01T00:00:00Z` for unix seconds.
pub fn format_rfc3339(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(DAY));
    let secs = unix.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        for d in -1000..30_000 {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
            assert!(day <= days_in_month(y, m));
        }
    }

    #[test]
    fn rfc3339() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_796_472_001), "2026-12-05T12:00:01Z");
    }

    #[test]
    fn bounds_of_each_period() {
        let at = |y, m, d, h: i64| days_from_civil(y, m, d) * DAY + h * 3600;
        // 2026-12-05 is a Saturday.
        let now = at(2026, 12, 5, 13);
        assert_eq!(
            bounds(Calendar::Week, now),
            (at(2026, 11, 30, 0), at(2026, 12, 7, 0))
        );
        assert_eq!(
            bounds(Calendar::Month, now),
            (at(2026, 12, 1, 0), at(2027, 1, 1, 0))
        );
        assert_eq!(
            bounds(Calendar::Quarter, now),
            (at(2026, 10, 1, 0), at(2027, 1, 1, 0))
        );
        assert_eq!(
            bounds(Calendar::Quarter, at(2024, 2, 29, 23)),
            (at(2024, 1, 1, 0), at(2024, 4, 1, 0))
        );
        // A Monday at midnight starts its own week; promtool's clock (Thursday 1970-01-01).
        assert_eq!(
            bounds(Calendar::Week, at(2026, 11, 30, 0)).0,
            at(2026, 11, 30, 0)
        );
        assert_eq!(bounds(Calendar::Week, 0), (-3 * DAY, 4 * DAY));
        assert_eq!(bounds(Calendar::Month, 0), (0, 31 * DAY));
    }

    #[test]
    fn names_and_lengths() {
        assert_eq!(Calendar::parse("month").unwrap(), Calendar::Month);
        assert!(Calendar::parse("Month").unwrap_err().contains("\"week\""));
        assert_eq!(Calendar::Quarter.nominal().days(), 90);
        assert_eq!(Calendar::Week.series_name(), "1W");
        for c in Calendar::ALL {
            let (lo, hi) = c.days_range();
            // Two periods of one slot are two whole periods apart: the summed range never
            // reaches back into the earlier one.
            assert!(hi <= 2 * lo, "{c}");
            promql_parser::parser::parse(&slot_expr(c, 1)).expect("slot PromQL");
            promql_parser::parser::parse(&days_expr(c)).expect("days PromQL");
        }
    }
}
