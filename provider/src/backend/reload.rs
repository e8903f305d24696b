//! Asking a running Prometheus to reload its rule files (`POST /-/reload`).

use std::time::Duration;

/// How long one reload may take before it is reported as failed.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// POSTs `<base_url>/-/reload`. The error names the URL and quotes Prometheus' answer.
pub fn reload(base_url: &str) -> Result<(), String> {
    let url = format!("{}/-/reload", base_url.trim_end_matches('/'));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(RELOAD_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    match agent.post(&url).send_empty() {
        Ok(mut resp) => {
            let status = resp.status();
            if status.is_success() {
                return Ok(());
            }
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            let hint = if status.as_u16() == 403 || status.as_u16() == 405 {
                "start Prometheus with --web.enable-lifecycle so that it accepts reloads"
            } else {
                "Prometheus kept its previous rules; its log says which rule file it rejected"
            };
            Err(format!(
                "Prometheus at {url} refused the reload with HTTP {status}: {}; {hint}",
                body.trim()
            ))
        }
        Err(e) => Err(format!(
            "could not reach Prometheus at {url}: {e}; check that it runs and that the \
             provider's prometheus_url is right, or remove prometheus_url to only write files"
        )),
    }
}
