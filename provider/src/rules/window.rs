//! Time windows: SLO periods (`"30d"`, `"4w"`) and Prometheus durations (`"1h30m"`).
//!
//! Durations are printed the way Prometheus prints them (`model.Duration.String()`): the
//! largest units first, weeks and years only when they divide the value exactly. Sloth
//! names its period series with the same function, so a 28-day period is `4w`
//! (`slo:sli_error:ratio_rate4w`) and a 30-day period is `30d`.

use std::fmt;
use std::time::Duration;

/// Longest SLO period accepted, in days.
pub const MAX_PERIOD_DAYS: u32 = 365;

const SECOND_MS: u64 = 1_000;
const MINUTE_MS: u64 = 60 * SECOND_MS;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;
const WEEK_MS: u64 = 7 * DAY_MS;
const YEAR_MS: u64 = 365 * DAY_MS;

/// An SLO period (the compliance window): a whole number of days, 1 to [`MAX_PERIOD_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    days: u32,
}

impl Period {
    /// A period of `days` days; `None` outside 1..=[`MAX_PERIOD_DAYS`].
    pub fn from_days(days: u32) -> Option<Period> {
        (1..=MAX_PERIOD_DAYS)
            .contains(&days)
            .then_some(Period { days })
    }

    pub fn days(&self) -> u32 {
        self.days
    }

    pub fn seconds(&self) -> u64 {
        u64::from(self.days) * 86_400
    }

    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.seconds())
    }
}

/// Prometheus notation, as Sloth prints it: `30d`, `4w`, `2w`, `1w`.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.duration()))
    }
}

/// Parses an SLO period: a whole number of days (`"30d"`) or weeks (`"4w"`), at least one
/// day and at most [`MAX_PERIOD_DAYS`] days.
pub fn parse_period(s: &str) -> Result<Period, String> {
    let allowed = format!(
        "use a whole number of days or weeks between 1d and {MAX_PERIOD_DAYS}d, \
         such as \"30d\", \"28d\" or \"4w\""
    );
    let invalid = || format!("invalid window {s:?}: {allowed}");
    let unit_days = match s.chars().last() {
        Some('d') => 1u64,
        Some('w') => 7,
        _ => return Err(invalid()),
    };
    let digits = &s[..s.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let days = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_days))
        .and_then(|d| u32::try_from(d).ok())
        .and_then(Period::from_days);
    days.ok_or_else(|| format!("invalid window {s:?}: out of range; {allowed}"))
}

/// Parses a Prometheus duration: one or more `<integer><unit>` terms with the units
/// `y w d h m s ms` in that order, each at most once (`"5m"`, `"1h30m"`, `"8d"`), or `"0"`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    const UNITS: [(&str, u64); 7] = [
        ("y", YEAR_MS),
        ("w", WEEK_MS),
        ("d", DAY_MS),
        ("h", HOUR_MS),
        ("ms", 1),
        ("m", MINUTE_MS),
        ("s", SECOND_MS),
    ];
    // Order in which units must appear (ms is listed before m above only for matching).
    const ORDER: [&str; 7] = ["y", "w", "d", "h", "m", "s", "ms"];
    let invalid = || {
        format!(
            "invalid duration {s:?}: use Prometheus notation, whole numbers with the units \
             y, w, d, h, m, s, ms from largest to smallest, such as \"5m\", \"1h30m\" or \"8d\""
        )
    };
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut rest = s;
    let mut total_ms: u64 = 0;
    let mut next_unit = 0usize;
    while !rest.is_empty() {
        let n_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n_digits == 0 {
            return Err(invalid());
        }
        let value: u64 = rest[..n_digits].parse().map_err(|_| invalid())?;
        rest = &rest[n_digits..];
        let (unit, mult) = UNITS
            .iter()
            .find(|(u, _)| rest.starts_with(u))
            .ok_or_else(invalid)?;
        rest = &rest[unit.len()..];
        let pos = ORDER.iter().position(|u| u == unit).ok_or_else(invalid)?;
        if pos < next_unit {
            return Err(invalid());
        }
        next_unit = pos + 1;
        total_ms = value
            .checked_mul(*mult)
            .and_then(|v| total_ms.checked_add(v))
            .filter(|v| *v <= i64::MAX as u64)
            .ok_or_else(|| format!("invalid duration {s:?}: too long"))?;
    }
    Ok(Duration::from_millis(total_ms))
}

/// Prints a duration in Prometheus notation (`model.Duration.String()`): `0s`, `5m`,
/// `1h30m`, `4w`, `29d23h55m`. Sub-millisecond parts are dropped.
pub fn format_duration(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, mult, exact) in [
        ("y", YEAR_MS, true),
        ("w", WEEK_MS, true),
        ("d", DAY_MS, false),
        ("h", HOUR_MS, false),
        ("m", MINUTE_MS, false),
        ("s", SECOND_MS, false),
        ("ms", 1, false),
    ] {
        if exact && ms % mult != 0 {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
            ms -= v * mult;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_accept_days_and_weeks() {
        assert_eq!(parse_period("30d").unwrap().days(), 30);
        assert_eq!(parse_period("28d").unwrap().days(), 28);
        assert_eq!(parse_period("4w").unwrap().days(), 28);
        assert_eq!(parse_period("7d").unwrap().days(), 7);
        assert_eq!(parse_period("365d").unwrap().days(), 365);
        assert_eq!(parse_period("1d").unwrap().seconds(), 86_400);
    }

    #[test]
    fn periods_print_like_prometheus() {
        assert_eq!(parse_period("30d").unwrap().to_string(), "30d");
        assert_eq!(parse_period("28d").unwrap().to_string(), "4w");
        assert_eq!(parse_period("7d").unwrap().to_string(), "1w");
        assert_eq!(parse_period("14d").unwrap().to_string(), "2w");
        assert_eq!(parse_period("365d").unwrap().to_string(), "1y");
    }

    #[test]
    fn periods_reject_everything_else() {
        for bad in [
            "",
            "d",
            "0d",
            "0w",
            "366d",
            "53w",
            "30",
            "1h",
            "720h",
            "1.5d",
            "-7d",
            " 7d",
            "7D",
            "1w2d",
            "99999999999999999999d",
        ] {
            let err = parse_period(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
            assert!(err.contains("whole number of days or weeks"), "{err}");
        }
    }

    #[test]
    fn durations_parse_prometheus_notation() {
        let cases = [
            ("0", 0),
            ("0s", 0),
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("24h", 86_400_000),
            ("8d", 8 * 86_400_000),
            ("1w", 7 * 86_400_000),
            ("1y", 365 * 86_400_000),
            ("1s500ms", 1_500),
            ("29d23h55m", 30 * 86_400_000 - 300_000),
        ];
        for (s, ms) in cases {
            assert_eq!(parse_duration(s).unwrap(), Duration::from_millis(ms), "{s}");
        }
    }

    #[test]
    fn durations_reject_bad_notation() {
        for bad in [
            "", "5", "m", "1.5h", "30m1h", "5m5m", "1x", "-5m", "5 m", "1h 30m",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        assert!(parse_duration("999999999999y")
            .unwrap_err()
            .contains("too long"));
    }

    #[test]
    fn durations_print_like_prometheus() {
        for s in [
            "0s",
            "5m",
            "30m",
            "1h",
            "2h",
            "6h",
            "1d",
            "3d",
            "1h30m",
            "4w",
            "29d23h55m",
        ] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
        assert_eq!(format_duration(Duration::from_secs(90 * 60)), "1h30m");
    }
}
