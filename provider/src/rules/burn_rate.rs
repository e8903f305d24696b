//! Multi-window, multi-burn-rate alerting (Google SRE Workbook, "Alerting on SLOs"), as data.
//!
//! An alert tier fires when the error ratio is above `factor × error budget` over **both**
//! the short and the long window of one of its rows. The short window makes the alert
//! reset quickly once the problem is gone; the long window keeps it from firing on blips.
//!
//! **Formula, for any period:** `factor = budget share × period / long window`, where the
//! budget share is the fraction of the whole period's error budget that burning at this
//! rate consumes within the long window. The error budget is `1 − objective/100`
//! (`0.001` for 99.9 %), so the alert threshold on the error ratio is
//! `factor × (1 − objective/100)`.
//!
//! | tier   | budget consumed | short | long | factor 30d | factor 28d (`4w`) | factor 7d |
//! |--------|-----------------|-------|------|-----------:|------------------:|----------:|
//! | page   | 2 %             | 5m    | 1h   | 14.4       | 13.44             | 3.36      |
//! | page   | 5 %             | 30m   | 6h   | 6          | 5.6               | 1.4       |
//! | ticket | 10 %            | 2h    | 1d   | 3          | 2.8               | 0.7       |
//! | ticket | 10 %            | 6h    | 3d   | 1          | 0.9333…           | 0.2333…   |
//!
//! Example, 30d at 99.9 %: page when the error ratio is above 1.44 % over 5m and 1h, or
//! above 0.6 % over 30m and 6h; ticket when it is above 0.3 % over 2h and 1d, or above
//! 0.1 % over 6h and 3d.
//!
//! Factors below 1 (short periods, the slowest row) mean the ticket fires even though the
//! SLO would still be met at that rate over the whole period: it reports that 10 % of the
//! budget went in three days, which is what that row is for.

use std::time::Duration;

use super::window::{format_duration, Period};

/// Alert tier of a burn-rate row; its name is the `severity` label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Page,
    Ticket,
}

impl Severity {
    pub const ALL: [Severity; 2] = [Severity::Page, Severity::Ticket];

    /// The `severity` (and `sloth_severity`) label value: `page` or `ticket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Page => "page",
            Severity::Ticket => "ticket",
        }
    }
}

/// One row of the window table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurnRateWindow {
    pub severity: Severity,
    /// Share of the period's error budget consumed within `long`, in percent.
    pub budget_percent: u32,
    /// Short window, in seconds.
    pub short_secs: u64,
    /// Long window, in seconds.
    pub long_secs: u64,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// The window table, fastest burn first. Every tier has exactly two rows.
pub const WINDOWS: [BurnRateWindow; 4] = [
    BurnRateWindow {
        severity: Severity::Page,
        budget_percent: 2,
        short_secs: 5 * MINUTE,
        long_secs: HOUR,
    },
    BurnRateWindow {
        severity: Severity::Page,
        budget_percent: 5,
        short_secs: 30 * MINUTE,
        long_secs: 6 * HOUR,
    },
    BurnRateWindow {
        severity: Severity::Ticket,
        budget_percent: 10,
        short_secs: 2 * HOUR,
        long_secs: DAY,
    },
    BurnRateWindow {
        severity: Severity::Ticket,
        budget_percent: 10,
        short_secs: 6 * HOUR,
        long_secs: 3 * DAY,
    },
];

impl BurnRateWindow {
    /// Short window in Prometheus notation (`5m`).
    pub fn short(&self) -> String {
        format_duration(Duration::from_secs(self.short_secs))
    }

    /// Long window in Prometheus notation (`1h`).
    pub fn long(&self) -> String {
        format_duration(Duration::from_secs(self.long_secs))
    }

    /// `budget share × period / long window`, as one correctly rounded division of exact
    /// integers, so that it prints without float noise (`14.4`, not `14.400000000000002`).
    pub fn factor(&self, period: &Period) -> f64 {
        let numerator = u64::from(self.budget_percent) * period.seconds();
        let denominator = 100 * self.long_secs;
        numerator as f64 / denominator as f64
    }
}

/// Rows of one tier, fastest first.
pub fn tier_windows(severity: Severity) -> impl Iterator<Item = &'static BurnRateWindow> {
    WINDOWS.iter().filter(move |w| w.severity == severity)
}

/// Every window an SLI ratio is recorded for, shortest first: 5m 30m 1h 2h 6h 1d 3d.
pub fn sli_windows_secs() -> Vec<u64> {
    let mut all: Vec<u64> = WINDOWS
        .iter()
        .flat_map(|w| [w.short_secs, w.long_secs])
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::window::parse_period;

    fn factors(period: &str) -> Vec<f64> {
        let p = parse_period(period).unwrap();
        WINDOWS.iter().map(|w| w.factor(&p)).collect()
    }

    #[test]
    fn factors_30d() {
        assert_eq!(factors("30d"), vec![14.4, 6.0, 3.0, 1.0]);
        let printed: Vec<String> = factors("30d").iter().map(|f| f.to_string()).collect();
        assert_eq!(printed, ["14.4", "6", "3", "1"]);
    }

    #[test]
    fn factors_28d() {
        let f = factors("28d");
        assert_eq!(&f[..3], &[13.44, 5.6, 2.8]);
        assert!((f[3] - 28.0 / 30.0).abs() < 1e-15);
        assert_eq!(f[3].to_string(), "0.9333333333333333");
        assert_eq!(factors("4w"), f);
    }

    #[test]
    fn factors_7d() {
        let f = factors("7d");
        assert_eq!(&f[..3], &[3.36, 1.4, 0.7]);
        assert!((f[3] - 7.0 / 30.0).abs() < 1e-15);
    }

    #[test]
    fn table_shape() {
        let names: Vec<(String, String)> = WINDOWS.iter().map(|w| (w.short(), w.long())).collect();
        assert_eq!(
            names,
            [("5m", "1h"), ("30m", "6h"), ("2h", "1d"), ("6h", "3d")]
                .map(|(s, l)| (s.to_string(), l.to_string()))
        );
        for s in Severity::ALL {
            assert_eq!(tier_windows(s).count(), 2);
        }
        let windows: Vec<String> = sli_windows_secs()
            .into_iter()
            .map(|s| format_duration(Duration::from_secs(s)))
            .collect();
        assert_eq!(windows, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
    }
}
