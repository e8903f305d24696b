//! Rule groups in a Grafana Mimir / Cortex ruler (also Grafana Cloud's and Loki's) through
//! its HTTP configuration API: one rule group per request, in a namespace (the API's stand-in
//! for a Prometheus rule file), for one tenant (`X-Scope-OrgID`).
//!
//! - [`config`]: where the ruler is, tenant, namespace, API path, credentials (from the
//!   provider block or `RELIABILITY_RULER_{USERNAME,PASSWORD,TOKEN}`), CA file, timeouts
//!   and retries.
//! - [`client`]: [`RulerClient`] — `put_group`, `get_group` (from the cached listing),
//!   `fetch_group` (direct), `delete_group`, `list_namespace`, `invalidate`; bounded
//!   retries of 429/5xx and failed connections (a POST of one group is an idempotent
//!   upsert, so retrying it is safe).
//! - [`cache`]: the per-process namespace cache (one list request per namespace answers
//!   every group read until a write in it).
//! - [`alertmanager_config`]: a Mimir tenant's Alertmanager configuration (`/api/v1/alerts`).
//! - [`encode`]: percent-encoding of names in paths, basic-auth encoding, quoting answers.
//!
//! Errors ([`RulerError`]) quote the ruler's status and (bounded) answer and say what to do;
//! they never contain credentials.

pub mod alertmanager_config;
pub mod cache;
pub mod client;
pub mod config;
pub mod encode;

use std::fmt;

pub use cache::{Listing, RemoteGroup};
pub use client::RulerClient;
pub use config::{
    resolve_auth, Auth, CredentialSettings, RetryPolicy, RulerConfig, Secret, CORTEX_API_PATH,
    DEFAULT_NAMESPACE, DEFAULT_TIMEOUT, ENV_PASSWORD, ENV_TOKEN, ENV_USERNAME, MIMIR_API_PATH,
};

/// What went wrong, for callers that branch (the message says it for users).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The configuration or the caller's input is wrong (bad URL, unreadable CA file,
    /// group YAML that is not one group).
    Config,
    /// No HTTP answer: connection refused, DNS, TLS, timeout.
    Unreachable,
    /// HTTP 401/403: tenant or credentials.
    Unauthorized,
    /// HTTP 400 (and other 4xx): the ruler refused the request, e.g. an invalid group or a
    /// per-tenant limit.
    Rejected,
    /// HTTP 429/5xx after the retries, or an unexpected status.
    Server,
    /// An answer the client cannot read (not the documented YAML).
    Protocol,
}

/// A failed ruler operation. `Display` is the whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulerError {
    kind: ErrorKind,
    status: Option<u16>,
    message: String,
}

impl RulerError {
    pub(crate) fn new(kind: ErrorKind, status: Option<u16>, message: String) -> Self {
        RulerError {
            kind,
            status,
            message,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status of the last answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RulerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RulerError {}
