//! Generation of an SLO's rule groups (see the module doc of [`slo`](super)).

use std::collections::BTreeMap;
use std::time::Duration;

use super::super::burn_rate::{self, BurnRateWindow, Severity};
use super::super::conventions as conv;
use super::super::model::{AlertingRule, RecordingRule, Rule, RuleFile, RuleGroup};
use super::super::promql::{indent, le_matcher, promql_string, template_literal};
use super::super::window::{format_duration, parse_period, Period};
use super::objective::{human_number, Objective};
use super::{render_query, slo_id, Sli, SloSpec, Tier, MAX_OBJECTIVE_DECIMALS};

/// The parts of a spec generation needs, computed once.
struct Plan<'a> {
    spec: &'a SloSpec,
    period: Period,
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
    let period = parse_period(&spec.window).map_err(context)?;
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
    let selector = format!(
        "{{{}}}",
        identity
            .iter()
            .map(|(k, v)| format!("{k}={}", promql_string(v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let plan = Plan {
        spec,
        period,
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
        self.period.to_string()
    }

    /// The error ratio over `window`, NaN (no traffic) dropped.
    fn sli_expr(&self, window: &str) -> Result<String, String> {
        let ratio = match &self.spec.sli {
            Sli::Events {
                error_query,
                total_query,
            } => format!(
                "({})\n/\n({})",
                render_query(error_query.trim(), window).map_err(|e| format!("error_query {e}"))?,
                render_query(total_query.trim(), window).map_err(|e| format!("total_query {e}"))?,
            ),
            Sli::Raw { error_ratio_query } => render_query(error_ratio_query.trim(), window)
                .map_err(|e| format!("error_ratio_query {e}"))?,
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
                format!(
                    "1 - (\n  sum(rate({histogram}_bucket{{{bucket_sel}}}[{window}]))\n  /\n  \
                     sum(rate({histogram}_count{{{selector}}}[{window}]))\n)"
                )
            }
        };
        Ok(format!("(\n{}\n) >= 0", indent(&ratio, "  ")))
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
        let windows = burn_rate::sli_windows_secs();
        for &secs in &windows {
            let window = format_duration(Duration::from_secs(secs));
            let mut labels = self.series_labels();
            labels.insert(conv::LABEL_WINDOW.to_string(), window.clone());
            rules.push(Rule::Recording(RecordingRule {
                record: conv::sli_error_series(&window),
                expr: self.sli_expr(&window)?,
                labels,
            }));
        }
        // Mean of the 5m ratios whose 5 minutes lie inside the period. A period equal to
        // one of the windows above (1d, 3d) already has its series; recording it twice
        // would give Prometheus two different values for one series.
        if !windows.contains(&self.period.seconds()) {
            let range = format_duration(self.period.duration() - Duration::from_secs(5 * 60));
            let five = format!("{}{}", conv::sli_error_series("5m"), self.selector);
            let mut labels = self.series_labels();
            labels.insert(conv::LABEL_WINDOW.to_string(), self.period_name());
            rules.push(Rule::Recording(RecordingRule {
                record: conv::sli_error_series(&self.period_name()),
                expr: format!(
                    "sum_over_time({five}[{range}])\n/ ignoring ({w})\ncount_over_time({five}[{range}])",
                    w = conv::LABEL_WINDOW
                ),
                labels,
            }));
        }
        Ok(RuleGroup {
            name: conv::slo_sli_group_name(&self.id),
            interval: None,
            rules,
        })
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
                record(
                    conv::SERIES_TIME_PERIOD_DAYS,
                    format!("vector({})", self.period.days()),
                ),
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
        let period = self.period_name();
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
