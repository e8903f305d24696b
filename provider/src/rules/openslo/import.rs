//! Reading OpenSLO v1 documents into [`SloSpec`]s (see the module doc of
//! [`openslo`](super)).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_yaml_ng::Value;

use super::super::slo::{validate, Alerting, Budgeting, MaintenanceWindow, Sli, SloSpec};
use super::fields::{get, kind_of, labels, objective, slug, str_at, time_window, Doc, Refused};
use super::metric;
use super::{Imported, Problem, ANNOTATION_ALERTING, ANNOTATION_EXCLUDE, ANNOTATION_MAINTENANCE};

/// Reads every document of `content`; refuses with every problem found.
pub fn import(content: &str) -> Result<Imported, Vec<Problem>> {
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for (i, de) in serde_yaml_ng::Deserializer::from_str(content).enumerate() {
        let index = i + 1;
        let value = match Value::deserialize(de) {
            Ok(v) => v,
            Err(e) => {
                problems.push(Problem {
                    document: format!("document {index}"),
                    field: String::new(),
                    detail: format!("is not valid YAML: {e}"),
                });
                // The stream cannot be read past a syntax error.
                return Err(problems);
            }
        };
        if value.is_null() {
            continue; // an empty document (`---` at the end)
        }
        let kind = str_at(&value, "kind").ok().flatten().unwrap_or_default();
        let name = str_at(&value, "metadata.name").ok().flatten();
        let label = match &name {
            Some(n) => format!("{kind} {n:?} (document {index})"),
            None if kind.is_empty() => format!("document {index}"),
            None => format!("{kind} (document {index})"),
        };
        let doc = Doc { label, value };
        match doc.str("apiVersion") {
            Ok(Some(v)) if v == "openslo/v1" => {}
            Ok(v) => {
                problems.push(doc.problem(
                    "apiVersion",
                    format!(
                        "apiVersion {:?} is not supported: only openslo/v1 is read",
                        v.unwrap_or_default()
                    ),
                ));
                continue;
            }
            Err(p) => {
                problems.push(p);
                continue;
            }
        }
        const KINDS: [&str; 7] = [
            "SLO",
            "SLI",
            "Service",
            "DataSource",
            "AlertPolicy",
            "AlertCondition",
            "AlertNotificationTarget",
        ];
        if !KINDS.contains(&kind.as_str()) {
            problems.push(doc.problem(
                "kind",
                format!("kind {kind:?} is not an OpenSLO v1 kind: use one of {KINDS:?}"),
            ));
            continue;
        }
        if name.is_none() {
            problems.push(doc.problem("metadata.name", "every document needs a name"));
            continue;
        }
        docs.push((kind, name.unwrap_or_default(), doc));
    }
    let ctx = Context {
        slis: by_kind(&docs, "SLI"),
        sources: by_kind(&docs, "DataSource"),
    };
    let mut out = Imported::default();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (kind, _, doc) in &docs {
        if ["AlertPolicy", "AlertCondition", "AlertNotificationTarget"].contains(&kind.as_str()) {
            out.warnings.push(doc.problem(
                "kind",
                "ignored: the provider alerts with its multi-window multi-burn-rate table \
                 (page and ticket tiers), not with OpenSLO alert policies; route its alerts \
                 with a reliability_notification_policy",
            ));
        }
        if kind != "SLO" {
            continue;
        }
        match ctx.slo(doc, &mut out.warnings) {
            Ok(specs) => {
                for spec in specs {
                    // What the SLO resource would refuse, said here with the document's name.
                    let invalid = validate(&spec);
                    if !invalid.is_empty() {
                        problems.extend(invalid.into_iter().map(|e| {
                            doc.problem(
                                &format!("(reliability_slo {})", e.path.join(".")),
                                format!("{}: {}", e.summary, e.detail),
                            )
                        }));
                        continue;
                    }
                    if let Some(first) = seen.insert(spec.name.clone(), doc.label.clone()) {
                        problems.push(doc.problem(
                            "metadata.name",
                            format!(
                                "the SLO name {:?} is also given by {first}: the data source's \
                                 slos map is keyed by name, give each SLO its own",
                                spec.name
                            ),
                        ));
                    } else {
                        out.slos.push(spec);
                    }
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The documents of one kind by name.
fn by_kind<'d>(docs: &'d [(String, String, Doc)], kind: &str) -> HashMap<&'d str, &'d Doc> {
    docs.iter()
        .filter(|(k, _, _)| k == kind)
        .map(|(_, n, d)| (n.as_str(), d))
        .collect()
}

struct Context<'d> {
    slis: HashMap<&'d str, &'d Doc>,
    sources: HashMap<&'d str, &'d Doc>,
}

impl Context<'_> {
    /// One SLO document: one spec per objective.
    fn slo(&self, doc: &Doc, warnings: &mut Vec<Problem>) -> Refused<Vec<SloSpec>> {
        let name = doc.str("metadata.name")?.unwrap_or_default();
        let service = doc
            .str("spec.service")?
            .ok_or_else(|| doc.problem("spec.service", "an SLO needs a service"))?;
        let description = doc.str("spec.description")?;
        match doc.str("spec.budgetingMethod")?.as_deref() {
            None | Some("Occurrences") => {}
            Some(m @ ("Timeslices" | "RatioTimeslices")) => {
                return Err(doc.problem(
                    "spec.budgetingMethod",
                    format!(
                        "{m} budgeting counts good time slices, which this provider does not \
                         model: its SLOs count events (Occurrences); change the method to \
                         Occurrences if counting events is what you mean"
                    ),
                ))
            }
            Some(m) => {
                return Err(doc.problem(
                    "spec.budgetingMethod",
                    format!("{m:?} is not Occurrences, Timeslices or RatioTimeslices"),
                ))
            }
        }
        let (window, calendar) = time_window(doc)?;
        let labels = labels(doc)?;
        let mut budgeting = Budgeting {
            calendar,
            ..Budgeting::default()
        };
        let mut alerting = Alerting::default();
        let annotation = |key: &str| doc.str(&format!("metadata.annotations.{key}"));
        if let Some(json) = annotation(ANNOTATION_ALERTING)? {
            alerting = serde_json::from_str(&json).map_err(|e| {
                doc.problem(
                    &format!("metadata.annotations.{ANNOTATION_ALERTING}"),
                    format!("is not this provider's alerting JSON: {e}"),
                )
            })?;
        }
        if let Some(json) = annotation(ANNOTATION_MAINTENANCE)? {
            budgeting.maintenance =
                serde_json::from_str::<Vec<MaintenanceWindow>>(&json).map_err(|e| {
                    doc.problem(
                        &format!("metadata.annotations.{ANNOTATION_MAINTENANCE}"),
                        format!("is not this provider's maintenance windows JSON: {e}"),
                    )
                })?;
        }
        budgeting.exclude_query = annotation(ANNOTATION_EXCLUDE)?;
        if doc
            .get("spec.alertPolicies")
            .and_then(Value::as_sequence)
            .is_some_and(|p| !p.is_empty())
        {
            warnings.push(doc.problem(
                "spec.alertPolicies",
                "ignored: the provider alerts with its multi-window multi-burn-rate table \
                 (page and ticket tiers, see the alerting block), not with OpenSLO alert \
                 conditions",
            ));
        }
        let sli = self.indicator(doc)?;
        let objectives = doc
            .get("spec.objectives")
            .and_then(Value::as_sequence)
            .filter(|o| !o.is_empty())
            .ok_or_else(|| doc.problem("spec.objectives", "an SLO needs at least one objective"))?;
        let split = objectives.len() > 1;
        let mut specs = Vec::new();
        for (i, o) in objectives.iter().enumerate() {
            let field = format!("spec.objectives[{i}]");
            for key in ["indicator", "indicatorRef"] {
                if o.get(key).is_some_and(|v| !v.is_null()) {
                    return Err(doc.problem(
                        &format!("{field}.{key}"),
                        "composite SLOs (an indicator per objective) are not supported: write \
                         one SLO per indicator",
                    ));
                }
            }
            let objective = objective(o).map_err(|d| doc.problem(&field, d))?;
            let name = if split {
                let suffix = match str_at(o, "displayName") {
                    Ok(Some(d)) => slug(&d),
                    _ => slug(&format!("{objective}")),
                };
                format!("{name}-{suffix}")
            } else {
                name.clone()
            };
            specs.push(SloSpec {
                service: service.clone(),
                name,
                objective,
                window: window.clone(),
                description: description.clone(),
                labels: labels.clone(),
                sli: sli.clone(),
                alerting: alerting.clone(),
                budgeting: budgeting.clone(),
            });
        }
        Ok(specs)
    }

    /// The SLO's indicator, inline or by `indicatorRef`.
    fn indicator(&self, doc: &Doc) -> Refused<Sli> {
        if let Some(spec) = doc.get("spec.indicator.spec") {
            return self.sli(doc, "spec.indicator.spec", spec);
        }
        let Some(name) = doc.str("spec.indicatorRef")? else {
            return Err(doc.problem(
                "spec.indicator",
                "an SLO needs an indicator (inline) or an indicatorRef",
            ));
        };
        let sli = self.slis.get(name.as_str()).ok_or_else(|| {
            doc.problem(
                "spec.indicatorRef",
                format!("no SLI document named {name:?} in content"),
            )
        })?;
        let spec = sli
            .get("spec")
            .ok_or_else(|| sli.problem("spec", "an SLI needs a spec"))?;
        self.sli(sli, "spec", spec)
    }

    fn sli(&self, doc: &Doc, at: &str, spec: &Value) -> Refused<Sli> {
        if get(spec, "thresholdMetric").is_some() {
            return Err(doc.problem(
                &format!("{at}.thresholdMetric"),
                "threshold metrics (a value compared with objectives' op/value) are not \
                 supported: this provider's SLIs are ratios of events; for latency, use a \
                 ratioMetric with good = <histogram>_bucket{…, le=\"T\"} and total = \
                 <histogram>_count{…}, counter: true",
            ));
        }
        let Some(ratio) = get(spec, "ratioMetric") else {
            return Err(doc.problem(at, "an SLI needs a ratioMetric"));
        };
        let at = format!("{at}.ratioMetric");
        if get(ratio, "raw").is_some() {
            let query = self.query(doc, &format!("{at}.raw"), ratio)?;
            let q = metric::ratio(&query).map_err(|d| doc.problem(&format!("{at}.raw"), d))?;
            let error_ratio_query = match str_at(ratio, "rawType").ok().flatten().as_deref() {
                Some("failure") => q,
                Some("success") => format!("1 - ({q})"),
                other => {
                    return Err(doc.problem(
                        &format!("{at}.rawType"),
                        format!("rawType {other:?} must be success or failure with raw"),
                    ))
                }
            };
            return Ok(Sli::Raw { error_ratio_query });
        }
        let counter = match get(ratio, "counter") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(doc.problem(
                    &format!("{at}.counter"),
                    format!("expected true or false, found {}", kind_of(other)),
                ))
            }
        };
        let total = self.query(doc, &format!("{at}.total"), ratio)?;
        let (good, bad) = (get(ratio, "good").is_some(), get(ratio, "bad").is_some());
        let convert = |which: &str, q: &str| {
            let field = format!("{at}.{which}.metricSource.spec.query");
            if counter {
                metric::counter_rate(q).map_err(|d| doc.problem(&field, d))
            } else {
                metric::windowed(q).map_err(|d| doc.problem(&field, d))
            }
        };
        match (good, bad) {
            (true, false) => {
                let good = self.query(doc, &format!("{at}.good"), ratio)?;
                if counter {
                    if let Some((histogram, selector, threshold)) = metric::latency(&good, &total) {
                        return Ok(Sli::Latency {
                            histogram,
                            selector,
                            threshold,
                        });
                    }
                }
                let total_q = convert("total", &total)?;
                let good_q = convert("good", &good)?;
                Ok(Sli::Events {
                    error_query: format!("({total_q}) - (({good_q}) or ({total_q}) * 0)"),
                    total_query: total_q,
                })
            }
            (false, true) => {
                let bad = self.query(doc, &format!("{at}.bad"), ratio)?;
                Ok(Sli::Events {
                    error_query: convert("bad", &bad)?,
                    total_query: convert("total", &total)?,
                })
            }
            _ => Err(doc.problem(
                &at,
                "a ratioMetric needs exactly one of good and bad, with total (or raw)",
            )),
        }
    }

    /// The Prometheus query of `ratio.<which>.metricSource` at `field`.
    fn query(&self, doc: &Doc, field: &str, ratio: &Value) -> Refused<String> {
        let which = field.rsplit('.').next().unwrap_or_default();
        let source = get(ratio, &format!("{which}.metricSource"))
            .ok_or_else(|| doc.problem(field, "needs a metricSource"))?;
        let field = format!("{field}.metricSource");
        let stated = str_at(source, "type").map_err(|d| doc.problem(&field, d))?;
        let reference = str_at(source, "metricSourceRef").map_err(|d| doc.problem(&field, d))?;
        let referenced = match &reference {
            Some(r) => {
                let ds = self.sources.get(r.as_str()).ok_or_else(|| {
                    doc.problem(
                        &format!("{field}.metricSourceRef"),
                        format!("no DataSource document named {r:?} in content"),
                    )
                })?;
                Some(ds.str("spec.type")?.unwrap_or_default())
            }
            None => None,
        };
        let kind = stated.or(referenced).ok_or_else(|| {
            doc.problem(
                &format!("{field}.type"),
                "the metric source has neither a type nor a metricSourceRef: set type: Prometheus",
            )
        })?;
        if !kind.eq_ignore_ascii_case("prometheus") {
            return Err(doc.problem(
                &format!("{field}.type"),
                format!(
                    "metric source type {kind:?} is not supported: this provider writes \
                     Prometheus rules, so only Prometheus queries (PromQL) can be imported"
                ),
            ));
        }
        str_at(source, "spec.query")
            .map_err(|d| doc.problem(&format!("{field}.spec.query"), d))?
            .ok_or_else(|| doc.problem(&format!("{field}.spec.query"), "needs a PromQL query"))
    }
}
