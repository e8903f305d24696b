//! OpenSLO metric queries as this provider's SLI queries (see the module doc of
//! [`openslo`](super)).

use promql_parser::parser::{self, Expr};

use super::super::promql::le_matcher;
use super::super::slo::WINDOW_PLACEHOLDER;

/// A counter query (`counter: true`) as the per-second rate over `{{.window}}`:
/// `sum(rate(<selector>[{{.window}}]))`. The query must be a vector selector or an
/// ungrouped `sum` of one: the rate of any other expression of counters is not exact
/// (a sum of counters resets whenever one of them does).
pub fn counter_rate(query: &str) -> Result<String, String> {
    let query = query.trim();
    if query.contains("{{") {
        return Err(format!(
            "{query:?} has a template placeholder, but counter: true means the query is the \
             counter itself: write the counter selector (the provider applies rate() over \
             each window), or set counter: false"
        ));
    }
    let expr = parser::parse(query).map_err(|e| format!("{query:?} is not valid PromQL: {e}"))?;
    let selector = match unparen(&expr) {
        Expr::VectorSelector(v) => v,
        Expr::Aggregate(a)
            if a.op.to_string() == "sum" && a.modifier.is_none() && a.param.is_none() =>
        {
            match unparen(&a.expr) {
                Expr::VectorSelector(v) => v,
                _ => return Err(not_a_counter(query)),
            }
        }
        _ => return Err(not_a_counter(query)),
    };
    if selector.offset.is_some() || selector.at.is_some() {
        return Err(format!(
            "{query:?} has an offset or @ modifier: the SLI is measured over each window \
             ending now; remove the modifier"
        ));
    }
    Ok(format!("sum(rate({selector}[{WINDOW_PLACEHOLDER}]))"))
}

fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        other => other,
    }
}

fn not_a_counter(query: &str) -> String {
    format!(
        "{query:?} is not a counter selector: with counter: true the query must be a \
         selector such as http_requests_total{{code=~\"5..\"}} or sum(…) of one (the rate of \
         any other expression of counters is not exact); or write per-second rates over \
         {WINDOW_PLACEHOLDER} with counter: false"
    )
}

/// Whether `query` has the `{{.window}}` placeholder (spaces inside the braces allowed).
fn has_window(query: &str) -> bool {
    query.split("{{").skip(1).any(|rest| {
        rest.split_once("}}")
            .is_some_and(|(inner, _)| inner.trim() == ".window")
    })
}

/// A query that is already a per-second rate over `{{.window}}` (`counter: false`).
pub fn windowed(query: &str) -> Result<String, String> {
    let query = query.trim();
    if has_window(query) {
        Ok(query.to_string())
    } else {
        Err(format!(
            "{query:?} without counter: true is a gauge (a value that goes up and down), \
             which cannot be turned into event counts per window exactly: if it is a counter, \
             set counter: true; otherwise write per-second rates with the window as \
             {WINDOW_PLACEHOLDER}, e.g. sum(rate(http_requests_total[{WINDOW_PLACEHOLDER}]))"
        ))
    }
}

/// A stored ratio (`raw`): a query with `{{.window}}` as it is, a selector averaged over the
/// window.
pub fn ratio(query: &str) -> Result<String, String> {
    let query = query.trim();
    if has_window(query) {
        return Ok(query.to_string());
    }
    match parser::parse(query) {
        Ok(Expr::VectorSelector(v)) if v.offset.is_none() && v.at.is_none() => {
            Ok(format!("avg_over_time({v}[{WINDOW_PLACEHOLDER}])"))
        }
        _ => Err(format!(
            "{query:?} is not a ratio metric selector: a precomputed ratio must be a stored \
             series (the provider averages it over each window), or a query over \
             {WINDOW_PLACEHOLDER}"
        )),
    }
}

/// `good = <h>_bucket{<sel>, le="T"}` and `total = <h>_count{<sel>}`, as [`latency_good`]
/// and [`latency_total`] write them: the histogram, its selector and the threshold.
pub fn latency(good: &str, total: &str) -> Option<(String, String, f64)> {
    let total = total.trim();
    let (head, selector) = match total.split_once('{') {
        Some((h, rest)) => (h, rest.strip_suffix('}')?),
        None => (total, ""),
    };
    let histogram = head.strip_suffix("_count")?;
    let name_ok = !histogram.is_empty()
        && histogram
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':');
    if !name_ok || selector.contains('{') || selector.contains('}') {
        return None;
    }
    let good = good.trim();
    let le_start = good.rfind("le=")?;
    let value = good[le_start..]
        .trim_start_matches("le=")
        .trim_start_matches('~')
        .trim_start_matches('"');
    let end = value.find(['"', '|'])?;
    let threshold: f64 = value[..end].parse().ok()?;
    if !threshold.is_finite() || threshold <= 0.0 {
        return None;
    }
    (good == latency_good(histogram, selector, threshold))
        .then(|| (histogram.to_string(), selector.to_string(), threshold))
}

/// The good-events counter of a latency SLI: requests no slower than the threshold.
pub fn latency_good(histogram: &str, selector: &str, threshold: f64) -> String {
    let selector = selector.trim().trim_end_matches(',').trim();
    let sep = if selector.is_empty() { "" } else { ", " };
    format!(
        "{histogram}_bucket{{{selector}{sep}{}}}",
        le_matcher(threshold)
    )
}

/// The total-events counter of a latency SLI.
pub fn latency_total(histogram: &str, selector: &str) -> String {
    let selector = selector.trim().trim_end_matches(',').trim();
    if selector.is_empty() {
        format!("{histogram}_count")
    } else {
        format!("{histogram}_count{{{selector}}}")
    }
}
