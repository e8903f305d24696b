//! What the ruler client needs to know: where the ruler is, which tenant and namespace,
//! how to authenticate, which CA to trust, and how long to wait and retry.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::{ErrorKind, RulerError};

/// Grafana Mimir's ruler configuration API under its default `-http.prometheus-http-prefix`.
pub const MIMIR_API_PATH: &str = "/prometheus/config/v1/rules";
/// Cortex's (and Loki's) ruler configuration API.
pub const CORTEX_API_PATH: &str = "/api/v1/rules";
/// The namespace rule groups go to when the configuration names none.
pub const DEFAULT_NAMESPACE: &str = "reliability";
/// How long one HTTP request may take (connect, send, answer) before it counts as failed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Basic-auth user name, when the configuration sets none.
pub const ENV_USERNAME: &str = "RELIABILITY_RULER_USERNAME";
/// Basic-auth password, when the configuration sets none.
pub const ENV_PASSWORD: &str = "RELIABILITY_RULER_PASSWORD";
/// Bearer token, when the configuration sets none.
pub const ENV_TOKEN: &str = "RELIABILITY_RULER_TOKEN";

/// A credential. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How requests authenticate (Grafana Cloud: basic auth with the stack's user id and an
/// access-policy token as password; self-hosted Mimir behind a gateway: either).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: Secret,
    },
    Bearer(Secret),
}

impl Auth {
    /// The credential values, for redaction from quoted answers.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Auth::None => vec![],
            Auth::Basic { password, .. } => vec![password.expose()],
            Auth::Bearer(token) => vec![token.expose()],
        }
    }
}

/// Credentials as the provider block sets them (each may be unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialSettings {
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub token: Option<Secret>,
}

/// Chooses the credentials: the provider block's values first, then the environment
/// ([`ENV_USERNAME`], [`ENV_PASSWORD`], [`ENV_TOKEN`], read through `env` so tests need not
/// change the process environment). When the block sets any credential the environment
/// only completes that kind (e.g. `username` in the block, the password from
/// `RELIABILITY_RULER_PASSWORD`). Empty values count as unset. Basic auth and a token
/// together, or half a basic-auth pair, is an error naming the attributes/variables.
pub fn resolve_auth(
    settings: &CredentialSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Auth, RulerError> {
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let cfg_user = nonempty(settings.username.clone());
    let cfg_pass = nonempty(settings.password.as_ref().map(|s| s.expose().to_string()));
    let cfg_token = nonempty(settings.token.as_ref().map(|s| s.expose().to_string()));
    let basic_in_cfg = cfg_user.is_some() || cfg_pass.is_some();
    if basic_in_cfg && cfg_token.is_some() {
        return Err(config_error(
            "the ruler's username/password and token are both set; set either basic auth \
             (username and password) or a bearer token",
        ));
    }
    let (user, pass, token) = if basic_in_cfg {
        (
            cfg_user.or_else(|| nonempty(env(ENV_USERNAME))),
            cfg_pass.or_else(|| nonempty(env(ENV_PASSWORD))),
            None,
        )
    } else if cfg_token.is_some() {
        (None, None, cfg_token)
    } else {
        let (u, p, t) = (
            nonempty(env(ENV_USERNAME)),
            nonempty(env(ENV_PASSWORD)),
            nonempty(env(ENV_TOKEN)),
        );
        if (u.is_some() || p.is_some()) && t.is_some() {
            return Err(config_error(&format!(
                "{ENV_TOKEN} and {ENV_USERNAME}/{ENV_PASSWORD} are all set in the \
                 environment; unset one kind, or set the credentials in the provider block"
            )));
        }
        (u, p, t)
    };
    match (user, pass, token) {
        (None, None, None) => Ok(Auth::None),
        (None, None, Some(t)) => Ok(Auth::Bearer(Secret::new(t))),
        (Some(username), Some(password), None) => {
            if username.contains(':') {
                return Err(config_error(
                    "the ruler username contains ':', which basic auth cannot carry",
                ));
            }
            Ok(Auth::Basic {
                username,
                password: Secret::new(password),
            })
        }
        (Some(_), None, _) => Err(config_error(&format!(
            "a ruler username is set but no password; set password (or {ENV_PASSWORD})"
        ))),
        (None, Some(_), _) => Err(config_error(&format!(
            "a ruler password is set but no username; set username (or {ENV_USERNAME})"
        ))),
        (Some(_), Some(_), Some(_)) => unreachable!("token and basic auth are exclusive above"),
    }
}

/// Retries of answers 429 and 5xx and of failed connections: exponential backoff from
/// `initial_backoff`, each sleep at most `max_backoff` (a `Retry-After` in seconds is
/// honoured up to that cap), at most `max_attempts` requests and no retry that would make
/// the sleeps exceed `max_total_sleep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub max_total_sleep: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(4),
            max_total_sleep: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The sleep before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        retry_after.unwrap_or(exp).min(self.max_backoff)
    }
}

/// The ruler client's configuration. [`RulerConfig::new`] fills in the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulerConfig {
    /// Base URL, e.g. `https://mimir.example.com` (no credentials in it).
    pub url: String,
    /// Sent as `X-Scope-OrgID` (Mimir/Cortex with multi-tenancy; Grafana Cloud needs none).
    pub tenant: Option<String>,
    pub namespace: String,
    /// [`MIMIR_API_PATH`] or [`CORTEX_API_PATH`], or a custom prefix.
    pub api_path: String,
    pub auth: Auth,
    /// A PEM file of CA certificates to trust *instead of* the bundled Mozilla roots (a
    /// private PKI).
    pub ca_file: Option<PathBuf>,
    /// Per request.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl RulerConfig {
    pub fn new(url: impl Into<String>) -> Self {
        RulerConfig {
            url: url.into(),
            tenant: None,
            namespace: DEFAULT_NAMESPACE.to_string(),
            api_path: MIMIR_API_PATH.to_string(),
            auth: Auth::None,
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }

    /// Checks the URL (http/https, a host, no user info, no query) and the path, and
    /// returns the base every request URL starts with (`url` + `api_path`, no trailing `/`).
    pub fn base_url(&self) -> Result<String, RulerError> {
        let url = self.url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| {
                config_error(&format!(
                    "the ruler url {url:?} must start with http:// or https://"
                ))
            })?;
        let authority = rest.split('/').next().unwrap_or("");
        if authority.contains('@') {
            // Never echo the URL: it holds credentials.
            return Err(config_error(
                "the ruler url contains user info (user:password@); remove it and set \
                 username/password or token instead",
            ));
        }
        if authority.is_empty() {
            return Err(config_error(&format!("the ruler url {url:?} has no host")));
        }
        if url.contains(['?', '#']) {
            return Err(config_error(&format!(
                "the ruler url {url:?} must not contain a query or fragment"
            )));
        }
        let path = self.api_path.trim();
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(config_error(&format!(
                "the ruler api_path {path:?} must start with / (Mimir: {MIMIR_API_PATH}, \
                 Cortex: {CORTEX_API_PATH})"
            )));
        }
        if self
            .tenant
            .as_deref()
            .is_some_and(|t| t.is_empty() || t.chars().any(|c| c.is_control() || !c.is_ascii()))
        {
            return Err(config_error(
                "the ruler tenant must be a non-empty ASCII string without control characters",
            ));
        }
        Ok(format!(
            "{}{}",
            url.trim_end_matches('/'),
            path.trim_end_matches('/')
        ))
    }
}

pub(crate) fn config_error(message: &str) -> RulerError {
    RulerError::new(ErrorKind::Config, None, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn credentials_come_from_the_block_then_the_environment() {
        let none = CredentialSettings::default();
        assert_eq!(resolve_auth(&none, &env_of(&[])).unwrap(), Auth::None);
        assert_eq!(
            resolve_auth(&none, &env_of(&[(ENV_TOKEN, "t0k")])).unwrap(),
            Auth::Bearer(Secret::new("t0k"))
        );
        let user_only = CredentialSettings {
            username: Some("1234".into()),
            ..Default::default()
        };
        // The block's username, the environment's password; the environment's token is
        // ignored because the block chose basic auth.
        assert_eq!(
            resolve_auth(
                &user_only,
                &env_of(&[(ENV_PASSWORD, "pw"), (ENV_TOKEN, "t0k")])
            )
            .unwrap(),
            Auth::Basic {
                username: "1234".into(),
                password: Secret::new("pw")
            }
        );
        let err = resolve_auth(&user_only, &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains(ENV_PASSWORD), "{err}");
        let both = CredentialSettings {
            username: Some("u".into()),
            password: Some(Secret::new("p")),
            token: Some(Secret::new("t")),
        };
        assert!(resolve_auth(&both, &env_of(&[])).is_err());
        let err = resolve_auth(
            &none,
            &env_of(&[
                (ENV_USERNAME, "u"),
                (ENV_PASSWORD, "hunter2"),
                (ENV_TOKEN, "t"),
            ]),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let cfg = RulerConfig {
            auth: Auth::Basic {
                username: "u".into(),
                password: Secret::new("hunter2"),
            },
            ..RulerConfig::new("https://mimir.example")
        };
        let shown = format!("{cfg:?} {}", Secret::new("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn base_url_joins_url_and_api_path_and_rejects_bad_urls() {
        let mut cfg = RulerConfig::new("https://mimir.example/");
        assert_eq!(
            cfg.base_url().unwrap(),
            "https://mimir.example/prometheus/config/v1/rules"
        );
        cfg.api_path = CORTEX_API_PATH.into();
        assert_eq!(
            cfg.base_url().unwrap(),
            "https://mimir.example/api/v1/rules"
        );
        for bad in ["mimir.example", "https://", "http://h/?x=1"] {
            assert!(RulerConfig::new(bad).base_url().is_err(), "{bad}");
        }
        let err = RulerConfig::new("https://u:hunter2@mimir.example")
            .base_url()
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, None), Duration::from_millis(250));
        assert_eq!(p.backoff(2, None), Duration::from_millis(500));
        assert_eq!(p.backoff(30, None), p.max_backoff);
        assert_eq!(
            p.backoff(1, Some(Duration::from_secs(60))),
            p.max_backoff,
            "Retry-After is capped"
        );
    }
}
