//! Prometheus' HTTP query API (also VictoriaMetrics' and Mimir's Prometheus-compatible one).

use std::time::Duration;

/// How long one query may take.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the instant query `q` against `<base>/api/v1/query` and returns the JSON answer.
/// Errors name the URL and quote the server's answer.
pub fn instant_query(base: &str, q: &str) -> Result<String, String> {
    get(base, "/api/v1/query", Some(q))
}

/// `GET <base>/api/v1/rules`: the rule groups Prometheus has loaded, with when each was
/// last evaluated (JSON). Errors as [`instant_query`]'s.
pub fn rules(base: &str) -> Result<String, String> {
    get(base, "/api/v1/rules", None)
}

fn get(base: &str, path: &str, query: Option<&str>) -> Result<String, String> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(QUERY_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(&url);
    if let Some(q) = query {
        req = req.query("query", q);
    }
    let mut resp = req.call().map_err(|e| {
        format!("could not reach Prometheus at {url}: {e}; check that it runs and that prometheus_url is right")
    })?;
    let status = resp.status();
    let body = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("could not read Prometheus' answer from {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "Prometheus at {url} answered HTTP {status}: {}",
            body.trim()
        ));
    }
    Ok(body)
}
