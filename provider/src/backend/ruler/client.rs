//! [`RulerClient`]: one rule group per request against the ruler configuration API
//! (Mimir's "Set rule group", "Get rule group", "Delete rule group", "Get rule groups by
//! namespace"), with retries and the namespace cache.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_yaml_ng::Value;

use super::cache::{Listing, NamespaceCache, RemoteGroup};
use super::config::{config_error, Auth, RulerConfig, CORTEX_API_PATH, MIMIR_API_PATH};
use super::encode::{base64, path_segment, quote_body};
use super::{ErrorKind, RulerError};

/// Largest answer read (a namespace listing of thousands of groups fits).
const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;

/// How the client sleeps between retries; tests replace it so that they do not wait.
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// A client of one ruler, tenant and default namespace. Cheap to share (`Arc`) between
/// threads; all methods take `&self`.
pub struct RulerClient {
    config: RulerConfig,
    base: String,
    agent: ureq::Agent,
    sleeper: Sleeper,
    cache: NamespaceCache,
}

impl fmt::Debug for RulerClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `RulerConfig`'s Debug redacts the credentials.
        f.debug_struct("RulerClient")
            .field("base", &self.base)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP answer.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: String,
    retry_after: Option<Duration>,
    location: Option<String>,
    attempts: u32,
}

/// A failure before any answer, and whether retrying may help.
struct NoAnswer {
    error: RulerError,
    retryable: bool,
}

impl RulerClient {
    /// Checks the configuration and builds the HTTP agent (no request is made).
    pub fn new(config: RulerConfig) -> Result<Self, RulerError> {
        let base = config.base_url()?;
        let mut builder = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(config.timeout))
            .timeout_connect(Some(config.timeout.min(Duration::from_secs(10))))
            .user_agent(concat!(
                "terraform-provider-reliability/",
                env!("CARGO_PKG_VERSION")
            ));
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                config_error(&format!(
                    "could not read the ruler ca_file {}: {e}",
                    path.display()
                ))
            })?;
            let mut roots = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => roots.push(cert),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(config_error(&format!(
                            "the ruler ca_file {} is not valid PEM: {e}",
                            path.display()
                        )))
                    }
                }
            }
            if roots.is_empty() {
                return Err(config_error(&format!(
                    "the ruler ca_file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                )));
            }
            builder = builder.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                    .build(),
            );
        }
        Ok(RulerClient {
            config,
            base,
            agent: builder.build().into(),
            sleeper: Arc::new(std::thread::sleep),
            cache: NamespaceCache::default(),
        })
    }

    /// Replaces how the client sleeps between retries (tests: record instead of sleeping).
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    pub fn config(&self) -> &RulerConfig {
        &self.config
    }

    /// The configured namespace (`reliability` unless set).
    pub fn namespace(&self) -> &str {
        &self.config.namespace
    }

    /// Creates or replaces one rule group: `POST {api_path}/{namespace}` with the group as
    /// `application/yaml` (exactly one group: a mapping with `name` and `rules`). The
    /// ruler answers 202; it evaluates the group from its next sync on.
    pub fn put_group(&self, namespace: &str, group_yaml: &str) -> Result<(), RulerError> {
        let name = group_name_of(group_yaml)?;
        let url = self.namespace_url(namespace)?;
        let answer = self.execute(Method::Post, &url, Some(group_yaml));
        // Whatever happened, the cached listing may now be stale.
        self.cache.invalidate(namespace);
        let answer = answer?;
        if is_success(answer.status) {
            return Ok(());
        }
        if answer.status == 400 {
            return Err(RulerError::new(
                ErrorKind::Rejected,
                Some(400),
                format!(
                    "the ruler rejected group {name:?} in namespace {namespace:?}: {}",
                    self.quote(&answer.body)
                ),
            ));
        }
        Err(self.status_error(Method::Post, &url, &answer))
    }

    /// One group, answered from the namespace's cached listing (one list request per
    /// namespace until a write in it); `None` when the namespace has no such group.
    pub fn get_group(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<RemoteGroup>, RulerError> {
        Ok(self.list_namespace(namespace)?.get(name).cloned())
    }

    /// One group read directly (`GET {api_path}/{namespace}/{group}`), bypassing the cache;
    /// `None` on the ruler's 404 `group does not exist`.
    pub fn fetch_group(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<RemoteGroup>, RulerError> {
        let url = self.group_url(namespace, name)?;
        let answer = self.execute(Method::Get, &url, None)?;
        match answer.status {
            404 if is_ruler_not_found(&answer.body) => Ok(None),
            s if is_success(s) => {
                let value = self.parse_yaml(&url, &answer.body)?;
                self.remote_group(&url, value).map(Some)
            }
            _ => Err(self.status_error(Method::Get, &url, &answer)),
        }
    }

    /// Deletes one group (`DELETE {api_path}/{namespace}/{group}`, 202). A group that is
    /// already gone (the ruler's 404 `group does not exist`) is not an error.
    pub fn delete_group(&self, namespace: &str, name: &str) -> Result<(), RulerError> {
        let url = self.group_url(namespace, name)?;
        let answer = self.execute(Method::Delete, &url, None);
        self.cache.invalidate(namespace);
        let answer = answer?;
        if is_success(answer.status) || (answer.status == 404 && is_ruler_not_found(&answer.body)) {
            return Ok(());
        }
        Err(self.status_error(Method::Delete, &url, &answer))
    }

    /// The groups of a namespace (`GET {api_path}/{namespace}`, a YAML map namespace → list
    /// of groups; the ruler's 404 `no rule groups found` or an empty map is an empty
    /// listing, any other 404 an error naming `api_path`). Cached
    /// until a write or delete in the namespace through this client.
    pub fn list_namespace(&self, namespace: &str) -> Result<Arc<Listing>, RulerError> {
        let url = self.namespace_url(namespace)?;
        self.cache
            .get_or_fetch(namespace, || self.fetch_namespace(namespace, &url))
    }

    /// Forgets the cached listing of `namespace` (e.g. before a refresh that must see
    /// changes made by others).
    pub fn invalidate(&self, namespace: &str) {
        self.cache.invalidate(namespace);
    }

    fn fetch_namespace(&self, namespace: &str, url: &str) -> Result<Listing, RulerError> {
        let answer = self.execute(Method::Get, url, None)?;
        if answer.status == 404 && is_ruler_not_found(&answer.body) {
            return Ok(Listing::default());
        }
        if !is_success(answer.status) {
            return Err(self.status_error(Method::Get, url, &answer));
        }
        let groups = match self.parse_yaml(url, &answer.body)? {
            Value::Null => return Ok(Listing::default()),
            Value::Mapping(mut map) => match map.remove(namespace) {
                None | Some(Value::Null) => return Ok(Listing::default()),
                Some(Value::Sequence(groups)) => groups,
                Some(_) => {
                    return Err(self.protocol_error(url, "the namespace is not a list of groups"))
                }
            },
            _ => return Err(self.protocol_error(url, "the answer is not a map of namespaces")),
        };
        let groups = groups
            .into_iter()
            .map(|g| self.remote_group(url, g))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Listing::new(groups))
    }

    fn remote_group(&self, url: &str, value: Value) -> Result<RemoteGroup, RulerError> {
        match value.get("name").and_then(Value::as_str) {
            Some(name) => Ok(RemoteGroup {
                name: name.to_string(),
                value,
            }),
            None => Err(self.protocol_error(url, "a rule group has no name")),
        }
    }

    pub(super) fn parse_yaml(&self, url: &str, body: &str) -> Result<Value, RulerError> {
        serde_yaml_ng::from_str(body).map_err(|e| {
            self.protocol_error(
                url,
                &format!("the answer is not YAML ({e}): {}", self.quote(body)),
            )
        })
    }

    fn protocol_error(&self, url: &str, what: &str) -> RulerError {
        RulerError::new(
            ErrorKind::Protocol,
            None,
            format!(
                "unexpected answer from the ruler at {url}: {what}; check that url and \
                 api_path point at the ruler configuration API (Mimir: {MIMIR_API_PATH}, \
                 Cortex: {CORTEX_API_PATH})"
            ),
        )
    }

    fn namespace_url(&self, namespace: &str) -> Result<String, RulerError> {
        if namespace.is_empty() {
            return Err(config_error("the ruler namespace must not be empty"));
        }
        Ok(format!("{}/{}", self.base, path_segment(namespace)))
    }

    fn group_url(&self, namespace: &str, name: &str) -> Result<String, RulerError> {
        if name.is_empty() {
            return Err(config_error("a rule group name must not be empty"));
        }
        Ok(format!(
            "{}/{}",
            self.namespace_url(namespace)?,
            path_segment(name)
        ))
    }

    pub(super) fn quote(&self, body: &str) -> String {
        quote_body(body, &self.config.auth.secrets())
    }

    /// The error for an answer the operation did not expect.
    pub(super) fn status_error(&self, method: Method, url: &str, answer: &Answer) -> RulerError {
        let status = answer.status;
        let body = self.quote(&answer.body);
        let m = method.as_str();
        let (kind, advice) = match status {
            401 if answer.body.to_ascii_lowercase().contains("no org id") => (
                ErrorKind::Unauthorized,
                "the ruler needs a tenant: set `tenant` (sent as X-Scope-OrgID)".to_string(),
            ),
            401 => (
                ErrorKind::Unauthorized,
                format!(
                    "check the credentials (username/password or token, or \
                     {}/{}/{})",
                    super::ENV_USERNAME,
                    super::ENV_PASSWORD,
                    super::ENV_TOKEN
                ),
            ),
            403 => (
                ErrorKind::Unauthorized,
                "the credentials are not allowed to do this (they need rules read/write \
                 access) or the namespace is protected"
                    .to_string(),
            ),
            404 | 405 => (
                ErrorKind::Rejected,
                format!(
                    "check url and api_path (Mimir: {MIMIR_API_PATH}, Cortex: \
                     {CORTEX_API_PATH}) and that the ruler API is enabled \
                     (-ruler.enable-api)"
                ),
            ),
            300..=399 => (
                ErrorKind::Rejected,
                format!(
                    "it redirects to {}; set url to that address",
                    answer.location.as_deref().unwrap_or("another address")
                ),
            ),
            429 | 500..=599 => (
                ErrorKind::Server,
                format!(
                    "gave up after {} attempt{}; try again later",
                    answer.attempts,
                    if answer.attempts == 1 { "" } else { "s" }
                ),
            ),
            400..=499 => (
                ErrorKind::Rejected,
                "the ruler refused the request".to_string(),
            ),
            _ => (ErrorKind::Server, "unexpected status".to_string()),
        };
        RulerError::new(
            kind,
            Some(status),
            format!("the ruler answered {m} {url} with HTTP {status}: {body}; {advice}"),
        )
    }

    /// Sends a request, retrying 429, 5xx and failed connections per the retry policy.
    pub(super) fn execute(
        &self,
        method: Method,
        url: &str,
        body: Option<&str>,
    ) -> Result<Answer, RulerError> {
        let policy = self.config.retry;
        let mut slept = Duration::ZERO;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let outcome = self.send_once(method, url, body);
            let (retryable, retry_after) = match &outcome {
                Ok(a) => (
                    a.status == 429 || (500..=599).contains(&a.status),
                    a.retry_after,
                ),
                Err(e) => (e.retryable, None),
            };
            let wait = policy.backoff(attempts, retry_after);
            if !retryable
                || attempts >= policy.max_attempts.max(1)
                || slept + wait > policy.max_total_sleep
            {
                return match outcome {
                    Ok(mut a) => {
                        a.attempts = attempts;
                        Ok(a)
                    }
                    Err(e) if attempts > 1 => Err(RulerError::new(
                        e.error.kind,
                        None,
                        format!("{} (after {attempts} attempts)", e.error.message()),
                    )),
                    Err(e) => Err(e.error),
                };
            }
            (self.sleeper)(wait);
            slept += wait;
        }
    }

    fn send_once(&self, method: Method, url: &str, body: Option<&str>) -> Result<Answer, NoAnswer> {
        let mut headers: Vec<(&str, String)> = vec![("Accept", "application/yaml".into())];
        if let Some(tenant) = &self.config.tenant {
            headers.push(("X-Scope-OrgID", tenant.clone()));
        }
        match &self.config.auth {
            Auth::None => {}
            Auth::Basic { username, password } => headers.push((
                "Authorization",
                format!(
                    "Basic {}",
                    base64(format!("{username}:{}", password.expose()).as_bytes())
                ),
            )),
            Auth::Bearer(token) => {
                headers.push(("Authorization", format!("Bearer {}", token.expose())))
            }
        }
        let result = match (method, body) {
            (Method::Post, body) => {
                let mut req = self
                    .agent
                    .post(url)
                    .header("Content-Type", "application/yaml");
                for (k, v) in &headers {
                    req = req.header(*k, v);
                }
                req.send(body.unwrap_or(""))
            }
            (Method::Get, _) => {
                let mut req = self.agent.get(url);
                for (k, v) in &headers {
                    req = req.header(*k, v);
                }
                req.call()
            }
            (Method::Delete, _) => {
                let mut req = self.agent.delete(url);
                for (k, v) in &headers {
                    req = req.header(*k, v);
                }
                req.call()
            }
        };
        let mut resp = result.map_err(|e| self.no_answer(url, e))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let location = header("location");
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_string()
            .map_err(|e| self.no_answer(url, e))?;
        Ok(Answer {
            status,
            body,
            retry_after,
            location,
            attempts: 1,
        })
    }

    fn no_answer(&self, url: &str, e: ureq::Error) -> NoAnswer {
        let text = e.to_string();
        // rustls reports certificate problems as I/O errors ("invalid peer certificate").
        let lower = text.to_ascii_lowercase();
        let tls = matches!(e, ureq::Error::Tls(_))
            || lower.contains("certificate")
            || lower.contains("handshake");
        let retryable = !tls
            && matches!(
                e,
                ureq::Error::Io(_) | ureq::Error::ConnectionFailed | ureq::Error::Timeout(_)
            );
        let kind = match e {
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => ErrorKind::Config,
            _ => ErrorKind::Unreachable,
        };
        let hint = if tls {
            "; check the server certificate, or set ca_file to the PEM of the CA that signed it"
        } else if matches!(e, ureq::Error::Timeout(_)) {
            "; the ruler did not answer in time"
        } else {
            "; check that the ruler runs and that url is right"
        };
        NoAnswer {
            error: RulerError::new(
                kind,
                None,
                format!(
                    "could not reach the ruler at {url}: {}{hint}",
                    quote_body(&text, &self.config.auth.secrets())
                ),
            ),
            retryable,
        }
    }
}

pub(super) fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Whether a 404 is the ruler's own "nothing here" (`no rule groups found`, `group does
/// not exist`, `group namespace does not exist`, as Mimir, Cortex and Loki answer) rather
/// than a path the server does not know: a wrong `url` or `api_path` must be an error, or a
/// refresh would take every group for deleted and drop it from the state.
fn is_ruler_not_found(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("no rule groups found") || body.contains("does not exist")
}

/// The `name` of the one group `yaml` holds; an error when it is not exactly one group.
fn group_name_of(yaml: &str) -> Result<String, RulerError> {
    let value: Value = serde_yaml_ng::from_str(yaml).map_err(|e| {
        RulerError::new(
            ErrorKind::Config,
            None,
            format!("the rule group to upload is not valid YAML: {e}"),
        )
    })?;
    let name = match &value {
        Value::Mapping(m) if m.contains_key("rules") => m.get("name").and_then(Value::as_str),
        _ => None,
    };
    match name {
        Some(n) if !n.is_empty() => Ok(n.to_string()),
        _ => Err(RulerError::new(
            ErrorKind::Config,
            None,
            "the rule group to upload must be one YAML mapping with `name` and `rules` \
             (the ruler API takes one group per request, not a rule file's `groups:`)"
                .to_string(),
        )),
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
