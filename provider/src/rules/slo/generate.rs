//! Generation of an SLO's rule groups (see the module doc of [`slo`](super)).

use std::collections::BTreeMap;
use std::time::Duration;

use super::super::burn_rate::{self, BurnRateWindow, Severity};
use super::super::calendar::{self, Calendar, SLOTS};
use super::super::conventions as conv;
use super::super::model::{AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup};
use super::super::promql::{indent, le_matcher, template_literal};
use super::super::window::{format_duration, Period};
use super::maintenance;
use super::objective::{human_number, Objective};
use super::{render_query, slo_id, Sli, SloSpec, Tier, MAX_OBJECTIVE_DECIMALS};

/// Makes a recording rule: series name, PromQL, labels beyond the SLO's own.
type Recorder<'r> = dyn Fn(String, String, &[(&str, &str)]) -> Rule + 'r;

/// The parts of a spec generation needs, computed once.
struct Plan<'a> {
    spec: &'a SloSpec,
    /// The period's length for the burn-rate table (a calendar period: its nominal length).
    period: Period,
    /// `30d`, `1M`, …
    period_name: String,
    objective: Objective,
    id: String,
    /// sloth_id, sloth_service, sloth_slo
    identity: BTreeMap<String, String>,
    /// `{sloth_id="…", sloth_service="…", sloth_slo="…"}`
    selector: String,
}

/// Generates the rule groups of a valid spec (see [`validate`]).
pub fn generate(spec: &SloSpec) -> Result<RuleFile, String> {
    let id = slo_id(&spec.service, &spec.name);
    let context = |e: String| format!("could not create {id:?} SLO rules: {e}");
    let period = spec.period().map_err(context)?;
    let period_name = spec.period_name().map_err(context)?;
    let objective = Objective::parse(spec.objective).ok_or_else(|| {
        context(format!(
            "objective {} is not a percentage in (0, 100) with at most \
             {MAX_OBJECTIVE_DECIMALS} decimals",
            spec.objective
        ))
    })?;
    let identity = BTreeMap::from([
        (conv::LABEL_ID.to_string(), id.clone()),
        (conv::LABEL_SERVICE.to_string(), spec.service.clone()),
        (conv::LABEL_SLO.to_string(), spec.name.clone()),
    ]);
    let selector = super::slo_selector(&spec.service, &spec.name);
    let plan = Plan {
        spec,
        period,
        period_name,
        objective,
        id: id.clone(),
        identity,
        selector,
    };
    let mut groups = vec![plan.sli_group().map_err(context)?, plan.meta_group()];
    if let Some(alerts) = plan.alert_group().map_err(context)? {
        groups.push(alerts);
    }
    Ok(RuleFile { groups })
}

impl Plan<'_> {
    /// User labels + identity labels (identity wins; validation forbids the overlap).
    fn series_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.spec.labels.clone();
        labels.extend(self.identity.clone());
        labels
    }

    fn period_name(&self) -> String {
        self.period_name.clone()
    }

    /// The SLI's per-step recordings, 5 minutes each, as `(series, PromQL)`: bad, then all
    /// events per second (`events`, `latency`), or the error ratio itself (`raw`).
    fn per_step(&self) -> Result<Vec<(String, String)>, String> {
        const FIVE: &str = "5m";
        Ok(match &self.spec.sli {
            Sli::Events {
                error_query,
                total_query,
            } => {
                let total = render_query(total_query.trim(), FIVE)
                    .map_err(|e| format!("total_query {e}"))?;
                let error = render_query(error_query.trim(), FIVE)
                    .map_err(|e| format!("error_query {e}"))?;
                vec![
                    // No bad-event series (no errors yet) counts as zero bad events.
                    (
                        conv::SERIES_BAD_EVENTS.to_string(),
                        format!(
                            "(\n{}\n)\nor\n(\n{}\n) * 0",
                            indent(&error, "  "),
                            indent(&total, "  ")
                        ),
                    ),
                    (conv::SERIES_ALL_EVENTS.to_string(), total),
                ]
            }
            Sli::Latency {
                histogram,
                selector,
                threshold,
            } => {
                let selector = selector.trim().trim_end_matches(',').trim();
                let bucket_sel = if selector.is_empty() {
                    le_matcher(*threshold)
                } else {
                    format!("{selector}, {}", le_matcher(*threshold))
                };
                let all = format!("sum(rate({histogram}_count{{{selector}}}[{FIVE}]))");
                vec![
                    (
                        conv::SERIES_BAD_EVENTS.to_string(),
                        format!("{all}\n-\nsum(rate({histogram}_bucket{{{bucket_sel}}}[{FIVE}]))"),
                    ),
                    (conv::SERIES_ALL_EVENTS.to_string(), all),
                ]
            }
            Sli::Raw { error_ratio_query } => vec![(
                conv::sli_error_series(FIVE),
                format!(
                    "(\n{}\n) >= 0",
                    indent(
                        &render_query(error_ratio_query.trim(), FIVE)
                            .map_err(|e| format!("error_ratio_query {e}"))?,
                        "  "
                    )
                ),
            )],
        })
    }

    /// `expr` unless maintenance was active within the last 5 minutes (the 5m rates at
    /// most reach that far back).
    fn gate(&self, expr: &str) -> String {
        if self.spec.budgeting.excludes() {
            format!(
                "(\n{}\n)\nunless on()\nmax_over_time({}{}[5m])",
                indent(expr, "  "),
                conv::SERIES_MAINTENANCE_ACTIVE,
                self.selector
            )
        } else {
            expr.to_string()
        }
    }

    /// The error ratio over the `range` before now from the per-step series named by
    /// `names` (bad, all; or the raw ratio): event-weighted for events and latency SLIs,
    /// the time average for raw ones. `extra` is added to the selector.
    fn ratio_over(&self, names: &[&str], range: &str, extra: &str) -> String {
        let sel = if extra.is_empty() {
            self.selector.clone()
        } else {
            format!("{}, {extra}}}", self.selector.trim_end_matches('}'))
        };
        match names {
            [bad, all] => {
                format!("sum_over_time({bad}{sel}[{range}])\n/\nsum_over_time({all}{sel}[{range}])")
            }
            [ratio] => format!("avg_over_time({ratio}{sel}[{range}])"),
            _ => unreachable!("one or two per-step series"),
        }
    }

    /// How many events the SLI saw over `window`, for the low-traffic guard.
    fn events_expr(&self, window_secs: u64) -> Result<Option<String>, String> {
        let window = format_duration(Duration::from_secs(window_secs));
        Ok(match &self.spec.sli {
            Sli::Events { total_query, .. } => Some(format!(
                "({}) * {window_secs}",
                render_query(total_query.trim(), &window)
                    .map_err(|e| format!("total_query {e}"))?
            )),
            Sli::Latency {
                histogram,
                selector,
                ..
            } => {
                let selector = selector.trim().trim_end_matches(',').trim();
                Some(format!(
                    "sum(increase({histogram}_count{{{selector}}}[{window}]))"
                ))
            }
            Sli::Raw { .. } => None,
        })
    }

    fn sli_group(&self) -> Result<RuleGroup, String> {
        let mut rules = Vec::new();
        let record = |record: String, expr: String, extra: &[(&str, &str)]| {
            let mut labels = self.series_labels();
            labels.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
            Rule::Recording(RecordingRule {
                record,
                expr,
                labels,
            })
        };
        if let Some(expr) = maintenance::active_expr(&self.spec.budgeting) {
            rules.push(record(conv::SERIES_MAINTENANCE_ACTIVE.into(), expr, &[]));
        }
        let per_step = self.per_step()?;
        let names: Vec<String> = per_step.iter().map(|(n, _)| n.clone()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let five = conv::sli_error_series("5m");
        for (name, expr) in &per_step {
            let extra: &[(&str, &str)] = if *name == five {
                &[(conv::LABEL_WINDOW, "5m")]
            } else {
                &[]
            };
            rules.push(record(name.clone(), self.gate(expr), extra));
        }
        if names.len() == 2 {
            rules.push(record(
                five.clone(),
                format!(
                    "(\n  {}{sel}\n  /\n  {}{sel}\n) >= 0",
                    names[0],
                    names[1],
                    sel = self.selector
                ),
                &[(conv::LABEL_WINDOW, "5m")],
            ));
        }
        // Longer windows sum the 5m steps whose 5 minutes lie inside the window: the range
        // is the window minus 5 minutes.
        let windows = burn_rate::sli_windows_secs();
        for &secs in windows.iter().filter(|s| **s > 300) {
            let window = format_duration(Duration::from_secs(secs));
            let range = format_duration(Duration::from_secs(secs - 300));
            rules.push(record(
                conv::sli_error_series(&window),
                self.nan_dropped(&names, &self.ratio_over(&names, &range, "")),
                &[(conv::LABEL_WINDOW, window.as_str())],
            ));
        }
        let period = self.period_name();
        match self.spec.budgeting.calendar {
            Some(c) => {
                rules.extend(self.calendar_copies(c, &names, &record));
                rules.push(record(
                    conv::sli_error_series(&period),
                    self.calendar_ratio(c, &names),
                    &[(conv::LABEL_WINDOW, period.as_str())],
                ));
            }
            // A period equal to one of the windows above (1d, 3d) already has its series;
            // recording it twice would give Prometheus two values for one series.
            None if !windows.contains(&self.period.seconds()) => {
                let range = format_duration(self.period.duration() - Duration::from_secs(5 * 60));
                rules.push(record(
                    conv::sli_error_series(&period),
                    self.nan_dropped(&names, &self.ratio_over(&names, &range, "")),
                    &[(conv::LABEL_WINDOW, period.as_str())],
                ));
            }
            None => {}
        }
        Ok(RuleGroup {
            name: conv::slo_sli_group_name(&self.id),
            interval: None,
            rules,
        })
    }

    /// `(ratio) >= 0` for event ratios (0/0, no events, is NaN and dropped); raw time
    /// averages are never NaN.
    fn nan_dropped(&self, names: &[&str], ratio: &str) -> String {
        if names.len() == 2 {
            format!("(\n{}\n) >= 0", indent(ratio, "  "))
        } else {
            ratio.to_string()
        }
    }

    /// A copy of each per-step series for each calendar slot, recorded only while the
    /// current period has that slot (see [`calendar`]).
    fn calendar_copies(&self, c: Calendar, names: &[&str], record: &Recorder<'_>) -> Vec<Rule> {
        let mut out = Vec::new();
        for slot in 0..SLOTS {
            let slot_text = slot.to_string();
            for name in names {
                out.push(record(
                    conv::calendar_series(name),
                    format!(
                        "{name}{}\nand on()\n({})",
                        self.selector,
                        calendar::slot_expr(c, slot)
                    ),
                    &[(conv::LABEL_CALENDAR_SLOT, slot_text.as_str())],
                ));
            }
        }
        out
    }

    /// The ratio over the current calendar period: the current slot's copies over the
    /// longest period length.
    fn calendar_ratio(&self, c: Calendar, names: &[&str]) -> String {
        let copies: Vec<String> = names.iter().map(|n| conv::calendar_series(n)).collect();
        let copies: Vec<&str> = copies.iter().map(String::as_str).collect();
        let range = format!("{}d", c.max_days());
        let slots: Vec<String> = (0..SLOTS)
            .map(|slot| {
                let extra = format!("{}=\"{slot}\"", conv::LABEL_CALENDAR_SLOT);
                format!(
                    "(\n{}\n)\nand on()\n({})",
                    indent(&self.ratio_over(&copies, &range, &extra), "  "),
                    calendar::slot_expr(c, slot)
                )
            })
            .collect();
        let body = format!(
            "sum without ({}) (\n{}\n)",
            conv::LABEL_CALENDAR_SLOT,
            indent(&slots.join("\nor\n"), "  ")
        );
        self.nan_dropped(names, &body)
    }

    fn meta_group(&self) -> RuleGroup {
        let labels = self.series_labels();
        let sel = &self.selector;
        let on = format!(
            "on({}, {}, {}) group_left",
            conv::LABEL_ID,
            conv::LABEL_SLO,
            conv::LABEL_SERVICE
        );
        let record = |name: &str, expr: String| {
            Rule::Recording(RecordingRule {
                record: name.to_string(),
                expr,
                labels: labels.clone(),
            })
        };
        let mut info_labels = labels.clone();
        info_labels.insert(
            conv::LABEL_OBJECTIVE.to_string(),
            self.spec.objective.to_string(),
        );
        info_labels.insert(conv::LABEL_PERIOD.to_string(), self.period_name());
        if let Some(c) = self.spec.budgeting.calendar {
            info_labels.insert(conv::LABEL_CALENDAR.to_string(), c.as_str().to_string());
        }
        if self.spec.budgeting.excludes() {
            info_labels.insert(
                conv::LABEL_EXCLUDES_MAINTENANCE.to_string(),
                "true".to_string(),
            );
        }
        let days = match self.spec.budgeting.calendar {
            Some(c) => calendar::days_expr(c),
            None => format!("vector({})", self.period.days()),
        };
        RuleGroup {
            name: conv::slo_meta_group_name(&self.id),
            interval: None,
            rules: vec![
                record(
                    conv::SERIES_OBJECTIVE,
                    format!("vector({})", self.objective.ratio_text()),
                ),
                record(
                    conv::SERIES_ERROR_BUDGET,
                    format!("vector({})", self.objective.budget_text()),
                ),
                record(conv::SERIES_TIME_PERIOD_DAYS, days),
                record(
                    conv::SERIES_CURRENT_BURN_RATE,
                    format!(
                        "{}{sel}\n/ {on}\n{}{sel}",
                        conv::sli_error_series("5m"),
                        conv::SERIES_ERROR_BUDGET
                    ),
                ),
                record(
                    conv::SERIES_PERIOD_BURN_RATE,
                    format!(
                        "{}{sel}\n/ {on}\n{}{sel}",
                        conv::sli_error_series(&self.period_name()),
                        conv::SERIES_ERROR_BUDGET
                    ),
                ),
                record(
                    conv::SERIES_PERIOD_BUDGET_REMAINING,
                    format!("1 - {}{sel}", conv::SERIES_PERIOD_BURN_RATE),
                ),
                Rule::Recording(RecordingRule {
                    record: conv::SERIES_INFO.to_string(),
                    expr: "vector(1)".to_string(),
                    labels: info_labels,
                }),
            ],
        }
    }

    fn alert_group(&self) -> Result<Option<RuleGroup>, String> {
        let mut rules = Vec::new();
        for severity in Severity::ALL {
            let tier = match severity {
                Severity::Page => &self.spec.alerting.page,
                Severity::Ticket => &self.spec.alerting.ticket,
            };
            if !tier.disabled {
                rules.push(Rule::Alerting(self.alert(severity, tier)?));
            }
        }
        Ok((!rules.is_empty()).then(|| RuleGroup {
            name: conv::slo_alert_group_name(&self.id),
            interval: None,
            rules,
        }))
    }

    fn min_events(&self) -> Option<f64> {
        self.spec.alerting.min_events.filter(|m| *m > 0.0)
    }

    fn alert_expr(&self, severity: Severity) -> Result<String, String> {
        let budget = self.objective.budget_text();
        let mut ignoring: Vec<String> = self.series_labels().into_keys().collect();
        ignoring.sort();
        let mut pairs = Vec::new();
        for w in burn_rate::tier_windows(severity) {
            let factor = w.factor(&self.period);
            let cond = |window: String| {
                format!(
                    "max({}{} > ({factor} * {budget})) without ({})",
                    conv::sli_error_series(&window),
                    self.selector,
                    conv::LABEL_WINDOW
                )
            };
            let mut parts = vec![cond(w.short()), cond(w.long())];
            if let Some(min) = self.min_events() {
                if let Some(events) = self.events_expr(w.long_secs)? {
                    parts.push(format!(
                        "ignoring ({}) ({events} >= {min})",
                        ignoring.join(", ")
                    ));
                }
            }
            let body = parts.join("\nand ");
            pairs.push(format!("(\n{}\n)", indent(&body, "  ")));
        }
        Ok(pairs.join("\nor\n"))
    }

    fn alert(&self, severity: Severity, tier: &Tier) -> Result<AlertingRule, String> {
        let spec = self.spec;
        let mut labels: BTreeMap<String, String> = spec
            .labels
            .iter()
            .chain(&tier.labels)
            .map(|(k, v)| (k.clone(), template_literal(v)))
            .collect();
        labels.extend(self.identity.clone());
        labels.insert(conv::LABEL_SEVERITY.into(), severity.as_str().into());
        labels.insert(conv::LABEL_SLOTH_SEVERITY.into(), severity.as_str().into());

        let who = format!("{} {}", spec.service, spec.name);
        let period = spec.period_text();
        let budget = self.objective.budget();
        let rows: Vec<String> = burn_rate::tier_windows(severity)
            .map(|w: &BurnRateWindow| {
                let factor = w.factor(&self.period);
                format!(
                    "above {}x the error budget ({}% errors) over {} and {} ({}% of the \
                     budget in {})",
                    human_number(factor),
                    human_number(factor * budget * 100.0),
                    w.short(),
                    w.long(),
                    w.budget_percent,
                    w.long()
                )
            })
            .collect();
        let mut detail = format!(
            "The error ratio of SLO {who} (objective {}% over {period}) is {}.",
            spec.objective,
            rows.join(", or ")
        );
        if let Some(c) = spec.budgeting.calendar {
            detail.push_str(&format!(
                " Thresholds assume a {}-day {c}.",
                c.nominal().days()
            ));
        }
        if spec.budgeting.excludes() {
            detail.push_str(" Maintenance time is left out of the SLO.");
        }
        if let Some(min) = self.min_events() {
            detail.push_str(&format!(
                " Only alerts when the long window saw at least {min} events."
            ));
        }
        let description = match &spec.description {
            Some(d) if !d.trim().is_empty() => format!("{}\n{detail}", template_literal(d)),
            _ => detail,
        };
        let mut annotations = BTreeMap::from([
            (
                conv::ANNOTATION_TITLE.to_string(),
                format!(
                    "({}) {who} SLO error budget burn rate is too fast.",
                    severity.as_str()
                ),
            ),
            (
                conv::ANNOTATION_SUMMARY.to_string(),
                format!(
                    "{who} SLO is burning its {period} error budget too fast (objective {}%).",
                    spec.objective
                ),
            ),
            (conv::ANNOTATION_DESCRIPTION.to_string(), description),
        ]);
        if let Some(url) = &spec.alerting.runbook_url {
            annotations.insert(conv::ANNOTATION_RUNBOOK_URL.into(), template_literal(url));
        }
        annotations.extend(tier.annotations.clone());

        Ok(AlertingRule {
            alert: conv::slo_alert_name(&spec.service, &spec.name),
            expr: self.alert_expr(severity)?,
            for_: None,
            labels,
            annotations,
        })
    }
}
