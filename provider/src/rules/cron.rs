//! Cron schedules (Vixie cron's five fields and `@daily`-style macros): validation with
//! messages that name the field and its allowed values, and the longest gap between runs.

use std::time::Duration;

/// One cron field: name, bounds, accepted names (index + `names_base` = value).
struct CronField {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    names_base: u32,
}

const CRON_FIELDS: [CronField; 5] = [
    CronField {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        names_base: 0,
    },
    CronField {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        names_base: 0,
    },
    CronField {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
        names_base: 0,
    },
    CronField {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
        names_base: 1,
    },
    CronField {
        name: "day of week",
        min: 0,
        max: 7,
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
        names_base: 0,
    },
];

/// Macros accepted instead of five fields.
pub const CRON_MACROS: [&str; 6] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@hourly",
];

impl CronField {
    fn allowed(&self) -> String {
        let mut s = format!(
            "{}-{}, '*', lists (a,b), ranges (a-b) and steps (*/n, a-b/n)",
            self.min, self.max
        );
        if let (Some(first), Some(last)) = (self.names.first(), self.names.last()) {
            s.push_str(&format!(", names {first}-{last}"));
        }
        if self.name == "day of week" {
            s.push_str(" (0 and 7 are Sunday)");
        }
        s
    }

    fn value(&self, text: &str) -> Result<u32, String> {
        let n = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<u32>()
                .map_err(|_| format!("{text:?} is too large"))?
        } else if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            i as u32 + self.names_base
        } else {
            return Err(format!(
                "{text:?} is not a number{}",
                if self.names.is_empty() {
                    ""
                } else {
                    " or a name"
                }
            ));
        };
        if n < self.min || n > self.max {
            return Err(format!("{n} is out of range"));
        }
        Ok(n)
    }

    /// The set of values, as a bit mask.
    fn parse(&self, field: &str) -> Result<u64, String> {
        let mut mask = 0u64;
        for item in field.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => {
                    let step = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                        s.parse::<u32>().ok()
                    } else {
                        None
                    }
                    .filter(|&n| n >= 1 && n <= self.max - self.min + 1)
                    .ok_or_else(|| {
                        format!(
                            "step {s:?} in {item:?} must be a number from 1 to {}",
                            self.max - self.min + 1
                        )
                    })?;
                    (r, Some(step))
                }
                None => (item, None),
            };
            let (lo, hi) = if range == "*" {
                (self.min, self.max)
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return Err(format!("range {range:?} goes backwards ({a} > {b})"));
                }
                (a, b)
            } else if range.is_empty() {
                return Err(format!("empty item in {field:?}"));
            } else {
                if step.is_some() {
                    return Err(format!(
                        "{item:?}: a step needs '*' or a range before it, such as */{s} or {range}-{max}/{s}",
                        s = step.unwrap_or(1),
                        max = self.max
                    ));
                }
                let v = self.value(range)?;
                (v, v)
            };
            let step = step.unwrap_or(1);
            let mut v = lo;
            while v <= hi {
                mask |= 1 << v;
                v += step;
            }
        }
        Ok(mask)
    }
}

/// Checks a cron schedule: five fields `minute hour day-of-month month day-of-week`, each
/// `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months
/// and weekdays also by name (`JAN`-`DEC`, `SUN`-`SAT`, any case); or one of the macros
/// `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`, `@hourly`. A schedule that
/// can never run (`0 0 30 2 *`) is an error too.
pub fn validate_cron(expr: &str) -> Result<(), String> {
    Cron::parse(expr)?.max_gap(expr).map(|_| ())
}

/// The longest time between two consecutive runs of a valid schedule (Vixie cron
/// semantics: when both day fields are restricted, either may match), computed over the
/// five calendar years 2024–2028, which include two leap days.
pub fn cron_max_gap(expr: &str) -> Result<Duration, String> {
    Cron::parse(expr)?.max_gap(expr)
}

struct Cron {
    /// Bit masks of minute, hour, day of month, month, day of week (Sunday is bit 0).
    masks: [u64; 5],
    /// Day of month or day of week starts with `*`: days must match both fields.
    day_and: bool,
}

impl Cron {
    fn parse(expr: &str) -> Result<Cron, String> {
        let trimmed = expr.trim();
        let expanded = match trimmed {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            t if t.starts_with('@') => {
                return Err(format!(
                    "schedule {expr:?} is not a known macro: use one of {} or five cron \
                     fields (minute hour day-of-month month day-of-week), such as \
                     \"0 2 * * *\"",
                    CRON_MACROS.join(", ")
                ))
            }
            t => t,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "schedule {expr:?} has {} field{}: use five (minute hour day-of-month month \
                 day-of-week), such as \"0 2 * * *\" for 02:00 every day, or a macro like \
                 \"@daily\"",
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            ));
        }
        let mut masks = [0u64; 5];
        for (i, (field, spec)) in fields.iter().zip(CRON_FIELDS.iter()).enumerate() {
            masks[i] = spec.parse(field).map_err(|e| {
                format!(
                    "schedule {expr:?}: field {} ({}) {field:?} is invalid: {e}; allowed: {}",
                    i + 1,
                    spec.name,
                    spec.allowed()
                )
            })?;
        }
        // 7 is Sunday too.
        if masks[4] & (1 << 7) != 0 {
            masks[4] = (masks[4] | 1) & !(1 << 7);
        }
        Ok(Cron {
            masks,
            day_and: fields[2].starts_with('*') || fields[4].starts_with('*'),
        })
    }

    fn runs_on(&self, month: u32, day: u32, weekday: u32) -> bool {
        let bit = |field: usize, v: u32| self.masks[field] & (1 << v) != 0;
        let (dom, dow) = (bit(2, day), bit(4, weekday));
        bit(3, month) && if self.day_and { dom && dow } else { dom || dow }
    }

    fn max_gap(&self, expr: &str) -> Result<Duration, String> {
        // Minutes of the day at which it runs, ascending.
        let times: Vec<u64> = (0..24u64)
            .filter(|h| self.masks[1] & (1 << h) != 0)
            .flat_map(|h| {
                (0..60u64)
                    .filter(|m| self.masks[0] & (1 << m) != 0)
                    .map(move |m| h * 60 + m)
            })
            .collect();
        let within_day = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
            return Err(format!("schedule {expr:?} never runs"));
        };
        let mut max_gap = 0u64;
        let mut previous_last: Option<u64> = None;
        let mut day_index = 0u64;
        // 2024-01-01 was a Monday.
        let mut weekday = 1u32;
        for year in 2024..=2028u32 {
            let leap = year % 4 == 0;
            for month in 1..=12u32 {
                let days = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=days {
                    if self.runs_on(month, day, weekday) {
                        let start = day_index * 1440;
                        if let Some(prev) = previous_last {
                            max_gap = max_gap.max(start + first - prev);
                        }
                        max_gap = max_gap.max(within_day);
                        previous_last = Some(start + last);
                    }
                    day_index += 1;
                    weekday = (weekday + 1) % 7;
                }
            }
        }
        match previous_last {
            None => Err(format!(
                "schedule {expr:?} never runs: no date matches its day of month, month and \
                 day of week (such as February 30th); pick days that exist"
            )),
            // One run in five years: at least that long.
            Some(_) if max_gap == 0 && within_day == 0 => {
                Ok(Duration::from_secs(day_index * 86_400))
            }
            Some(_) => Ok(Duration::from_secs(max_gap * 60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_accepts() {
        for ok in [
            "* * * * *",
            "0 2 * * *",
            "*/15 * * * *",
            "0 0-23/2 * * *",
            "5,10,15-20 * * * *",
            "0 3 1,15 * *",
            "0 4 * * MON-FRI",
            "0 4 * * sun",
            "0 4 * * 7",
            "0 4 * * 0,6",
            "0 0 1 JAN,jul *",
            "0 0 29 2 *",
            "0 0 31 1-12 *",
            "0 0 30 2 MON",
            "59 23 31 12 6",
            "  0   2 * * *  ",
            "@daily",
            "@hourly",
            "@weekly",
            "@monthly",
            "@yearly",
            "@annually",
        ] {
            assert_eq!(validate_cron(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn cron_rejects_with_field_and_allowed_values() {
        let cases = [
            ("", "has 0 fields"),
            ("* * * *", "has 4 fields"),
            ("0 * * * * *", "has 6 fields"),
            (
                "60 * * * *",
                "field 1 (minute) \"60\" is invalid: 60 is out of range; allowed: 0-59",
            ),
            (
                "* 24 * * *",
                "field 2 (hour) \"24\" is invalid: 24 is out of range; allowed: 0-23",
            ),
            (
                "* * 0 * *",
                "field 3 (day of month) \"0\" is invalid: 0 is out of range; allowed: 1-31",
            ),
            ("* * 32 * *", "field 3 (day of month)"),
            (
                "* * * 13 *",
                "field 4 (month) \"13\" is invalid: 13 is out of range; allowed: 1-12",
            ),
            (
                "* * * FOO *",
                "field 4 (month) \"FOO\" is invalid: \"FOO\" is not a number or a name",
            ),
            (
                "* * * * 8",
                "field 5 (day of week) \"8\" is invalid: 8 is out of range; allowed: 0-7",
            ),
            ("* * * * MON-XYZ", "field 5 (day of week)"),
            ("* * * * JAN", "field 5 (day of week)"),
            (
                "MON * * * *",
                "field 1 (minute) \"MON\" is invalid: \"MON\" is not a number;",
            ),
            (
                "*/0 * * * *",
                "step \"0\" in \"*/0\" must be a number from 1 to 60",
            ),
            ("*/61 * * * *", "step \"61\""),
            ("*/x * * * *", "step \"x\""),
            ("5/10 * * * *", "a step needs '*' or a range before it"),
            ("10-5 * * * *", "range \"10-5\" goes backwards (10 > 5)"),
            ("1,,2 * * * *", "empty item"),
            ("1- * * * *", "field 1 (minute)"),
            ("-1 * * * *", "field 1 (minute)"),
            ("99999999999 * * * *", "too large"),
            ("0 0 30 2 *", "never runs"),
            ("0 0 31 4,6,9,11 *", "never runs"),
            ("@reboot", "not a known macro"),
            ("@daily 1", "not a known macro"),
        ];
        for (bad, needle) in cases {
            let e = validate_cron(bad).unwrap_err();
            assert!(e.contains(needle), "{bad:?}: {e}");
            assert!(e.contains(&format!("{bad:?}")), "{bad:?}: {e}");
        }
        let e = validate_cron("* * * * 9").unwrap_err();
        assert!(e.contains("names SUN-SAT (0 and 7 are Sunday)"), "{e}");
    }

    #[test]
    fn cron_max_gap_table() {
        let h = 3600;
        let d = 86_400;
        for (expr, secs) in [
            ("* * * * *", 60),
            ("*/15 * * * *", 15 * 60),
            ("0 2 * * *", d),
            ("@daily", d),
            ("@hourly", h),
            ("0 */6 * * *", 6 * h),
            ("0 1,23 * * *", 22 * h),
            ("0 2 * * SUN", 7 * d),
            ("0 2 * * 7", 7 * d),
            ("@weekly", 7 * d),
            // Friday 02:00 to Monday 02:00.
            ("0 2 * * MON-FRI", 3 * d),
            // 31 days apart at most (January to February 1st, and so on).
            ("@monthly", 31 * d),
            ("0 0 31 * *", 61 * d), // Aug 31st to Oct 31st
            ("@yearly", 366 * d),
            // Either day field matches when both are restricted.
            ("0 0 1 * MON", 7 * d),
            // Day-of-month step starting with '*': both must match.
            ("0 0 */2 * *", 2 * d),
            // Feb 29th: 2024 to 2028.
            ("0 0 29 2 *", 1461 * d),
        ] {
            assert_eq!(cron_max_gap(expr), Ok(Duration::from_secs(secs)), "{expr}");
        }
        assert!(cron_max_gap("0 0 30 2 *")
            .unwrap_err()
            .contains("never runs"));
    }
}
