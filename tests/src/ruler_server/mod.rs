//! A strict stand-in for the Grafana Mimir / Cortex ruler configuration API on 127.0.0.1,
//! written from Mimir's HTTP API reference (`docs/sources/mimir/references/http-api`,
//! section "Ruler": List rule groups, Get rule groups by namespace, Get rule group, Set rule
//! group, Delete rule group, Delete namespace; "Authentication": `X-Scope-OrgID`) and
//! Cortex's (the same under `/api/v1/rules`).
//!
//! What it enforces:
//! - the tenant header `X-Scope-OrgID` (401 `no org id` without it, as Mimir's auth
//!   middleware with multi-tenancy on); storage is per tenant;
//! - optionally basic auth or a bearer token first (401 `unauthorized`), as a gateway does;
//! - `POST {api}/{ns}`: `Content-Type: application/yaml` (415 otherwise — the documented
//!   header; Mimir itself reads any body) and exactly one valid rule group
//!   ([`validate::parse_group`], 400 with the reason otherwise); the per-tenant limits
//!   "rules per rule group" and "rule groups per tenant" with Mimir's messages (400);
//!   answers 202;
//! - `GET {api}` (all namespaces), `GET {api}/{ns}` (map namespace → groups; 404 `no rule
//!   groups found` when empty, or `{}` with 200 as newer Mimir releases answer, see
//!   [`RulerOptions::empty_namespace_is_200`]), `GET {api}/{ns}/{group}` (one group, 404
//!   `group does not exist`);
//! - `DELETE {api}/{ns}/{group}` and `DELETE {api}/{ns}` (202; 404 when absent);
//! - percent-decoding of each path segment (a bad escape is 400), 405 for other methods,
//!   404 outside the API path;
//! - a tenant's Alertmanager configuration at `/api/v1/alerts` ([`alertmanager`]).
//!
//! For tests: a request log ([`RulerServer::requests`], [`RulerServer::count`]), injected
//! failures ([`RulerServer::fail_next`]), a "down" mode that closes the listener
//! ([`RulerServer::go_down`] / [`RulerServer::come_back`]), and edits behind the API's back
//! to simulate drift ([`RulerServer::remove_group`], [`RulerServer::set_rule_expr`]).
//! It stops when dropped; connections are bounded in number, size and idle time.

pub mod alertmanager;
pub mod http;
#[cfg(test)]
mod tests;
pub mod validate;

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_yaml_ng::Value;

use http::{percent_decode, read_request, write_response, Read1, Request, Response};

/// Mimir's default API path (`-http.prometheus-http-prefix` = `/prometheus`).
pub const MIMIR_API_PATH: &str = "/prometheus/config/v1/rules";
/// Cortex's.
pub const CORTEX_API_PATH: &str = "/api/v1/rules";

const MAX_CONNECTIONS: usize = 64;
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Credentials the stand-in requires before anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequiredAuth {
    Basic { username: String, password: String },
    Bearer(String),
}

#[derive(Debug, Clone)]
pub struct RulerOptions {
    pub api_path: String,
    /// `false`: multi-tenancy off, requests without the header act for tenant `anonymous`.
    pub require_tenant: bool,
    pub auth: Option<RequiredAuth>,
    /// Mimir's `ruler_max_rules_per_rule_group` (None: unlimited).
    pub max_rules_per_group: Option<usize>,
    /// Mimir's `ruler_max_rule_groups_per_tenant` (None: unlimited).
    pub max_groups_per_tenant: Option<usize>,
    /// Answer an empty namespace listing with 200 `{}` instead of 404.
    pub empty_namespace_is_200: bool,
    /// Keep (and answer) every group with its keys sorted, as a ruler that writes groups
    /// back in its own order rather than the client's.
    pub sort_keys: bool,
}

impl Default for RulerOptions {
    fn default() -> Self {
        RulerOptions {
            api_path: MIMIR_API_PATH.to_string(),
            require_tenant: true,
            auth: None,
            max_rules_per_group: None,
            max_groups_per_tenant: None,
            empty_namespace_is_200: false,
            sort_keys: false,
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// The path as sent (percent-encoded, no query).
    pub path: String,
    pub tenant: Option<String>,
    /// The status answered.
    pub status: u16,
}

type Store = BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>;

#[derive(Default)]
struct Shared {
    options: Mutex<RulerOptions>,
    /// tenant → namespace → group name → group.
    store: Mutex<Store>,
    /// tenant → Alertmanager configuration ([`alertmanager`]).
    alertmanager_configs: Mutex<BTreeMap<String, String>>,
    log: Mutex<Vec<LoggedRequest>>,
    /// Statuses to answer to the next requests, in order.
    failures: Mutex<Vec<u16>>,
    down: AtomicBool,
    stop: AtomicBool,
    connections: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running stand-in. Dropping it stops it.
pub struct RulerServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl RulerServer {
    /// Starts with the default options (Mimir's path, tenant required, no limits).
    pub fn start() -> Self {
        Self::start_with(RulerOptions::default())
    }

    pub fn start_with(options: RulerOptions) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            options: Mutex::new(options),
            ..Default::default()
        });
        let acceptor = Some(spawn_acceptor(listener, Arc::clone(&shared)));
        RulerServer {
            addr,
            shared,
            acceptor,
        }
    }

    /// `http://127.0.0.1:PORT` (the `url` a client is configured with).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Alertmanager configuration `tenant` has (as sent), if any.
    pub fn alertmanager_config(&self, tenant: &str) -> Option<String> {
        lock(&self.shared.alertmanager_configs).get(tenant).cloned()
    }

    /// Replaces `tenant`'s Alertmanager configuration behind the API's back (drift).
    pub fn set_alertmanager_config(&self, tenant: &str, config: Option<&str>) {
        let mut configs = lock(&self.shared.alertmanager_configs);
        match config {
            Some(c) => configs.insert(tenant.to_string(), c.to_string()),
            None => configs.remove(tenant),
        };
    }

    /// Changes options while running (limits, auth, tenancy).
    pub fn configure(&self, change: impl FnOnce(&mut RulerOptions)) {
        change(&mut lock(&self.shared.options));
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Requests with this method whose raw path ends the API path with `suffix`
    /// (`""` = the API path itself, `"/reliability"` = one namespace).
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        let full = format!("{}{suffix}", lock(&self.shared.options).api_path);
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.method == method && r.path == full)
            .count()
    }

    /// Requests with this method, any path.
    pub fn count_method(&self, method: &str) -> usize {
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.method == method)
            .count()
    }

    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// The next `k` requests (any) are answered `status` (e.g. 429, 503) and change nothing.
    pub fn fail_next(&self, k: usize, status: u16) {
        let mut failures = lock(&self.shared.failures);
        for _ in 0..k {
            failures.push(status);
        }
    }

    /// Closes the listener (new connections are refused) and drops open connections at
    /// their next request.
    pub fn go_down(&mut self) {
        self.shared.down.store(true, Ordering::SeqCst);
        self.stop_acceptor();
    }

    /// Listens again on the same address (after [`go_down`](Self::go_down)).
    pub fn come_back(&mut self) {
        if self.acceptor.is_some() {
            return;
        }
        let listener = TcpListener::bind(self.addr).expect("rebind the stand-in's address");
        self.shared.down.store(false, Ordering::SeqCst);
        self.shared.stop.store(false, Ordering::SeqCst);
        self.acceptor = Some(spawn_acceptor(listener, Arc::clone(&self.shared)));
    }

    /// A stored group, as the API would return it.
    pub fn group(&self, tenant: &str, namespace: &str, name: &str) -> Option<Value> {
        lock(&self.shared.store)
            .get(tenant)?
            .get(namespace)?
            .get(name)
            .cloned()
    }

    /// The group names of a namespace, sorted.
    pub fn group_names(&self, tenant: &str, namespace: &str) -> Vec<String> {
        lock(&self.shared.store)
            .get(tenant)
            .and_then(|t| t.get(namespace))
            .map(|ns| ns.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Stores a group directly (validated as a POST would be); panics on invalid YAML.
    pub fn insert_group(&self, tenant: &str, namespace: &str, yaml: &str) {
        let (name, value) = validate::parse_group(yaml.as_bytes()).expect("a valid group");
        lock(&self.shared.store)
            .entry(tenant.to_string())
            .or_default()
            .entry(namespace.to_string())
            .or_default()
            .insert(name, value);
    }

    /// Deletes a group behind the API's back (drift); whether it existed.
    pub fn remove_group(&self, tenant: &str, namespace: &str, name: &str) -> bool {
        let mut store = lock(&self.shared.store);
        let Some(t) = store.get_mut(tenant) else {
            return false;
        };
        let Some(ns) = t.get_mut(namespace) else {
            return false;
        };
        let removed = ns.remove(name).is_some();
        if ns.is_empty() {
            t.remove(namespace);
        }
        removed
    }

    /// Edits a stored group behind the API's back (drift); whether it existed.
    pub fn edit_group(
        &self,
        tenant: &str,
        namespace: &str,
        group: &str,
        edit: impl FnOnce(&mut Value),
    ) -> bool {
        let mut store = lock(&self.shared.store);
        match store
            .get_mut(tenant)
            .and_then(|t| t.get_mut(namespace))
            .and_then(|ns| ns.get_mut(group))
        {
            Some(g) => {
                edit(g);
                true
            }
            None => false,
        }
    }

    /// Changes rule `index` (0-based) of a group's `expr` behind the API's back (drift);
    /// whether the rule existed.
    pub fn set_rule_expr(
        &self,
        tenant: &str,
        namespace: &str,
        group: &str,
        index: usize,
        expr: &str,
    ) -> bool {
        let mut store = lock(&self.shared.store);
        let rule = store
            .get_mut(tenant)
            .and_then(|t| t.get_mut(namespace))
            .and_then(|ns| ns.get_mut(group))
            .and_then(|g| g.get_mut("rules"))
            .and_then(|r| r.get_mut(index));
        match rule.and_then(Value::as_mapping_mut) {
            Some(rule) => {
                rule.insert("expr".into(), expr.into());
                true
            }
            None => false,
        }
    }

    fn stop_acceptor(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.acceptor.take() {
            // Wake the blocking accept; it sees `stop` and drops the listener.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            let _ = handle.join();
        }
    }
}

impl Drop for RulerServer {
    fn drop(&mut self) {
        self.shared.down.store(true, Ordering::SeqCst);
        self.stop_acceptor();
    }
}

fn spawn_acceptor(listener: TcpListener, shared: Arc<Shared>) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("ruler-stand-in".into())
        .spawn(move || {
            for stream in listener.incoming() {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                if shared.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    shared.connections.fetch_sub(1, Ordering::SeqCst);
                    let mut stream = stream;
                    let _ = write_response(
                        &mut stream,
                        &Response::text(503, "too many connections to the stand-in"),
                        true,
                    );
                    continue;
                }
                let shared = Arc::clone(&shared);
                let spawned = std::thread::Builder::new()
                    .name("ruler-stand-in-conn".into())
                    .spawn({
                        let shared = Arc::clone(&shared);
                        move || {
                            serve_connection(stream, &shared);
                            shared.connections.fetch_sub(1, Ordering::SeqCst);
                        }
                    });
                if spawned.is_err() {
                    shared.connections.fetch_sub(1, Ordering::SeqCst);
                }
            }
        })
        .expect("spawn the stand-in's accept thread")
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let req = match read_request(&mut reader) {
            Ok(Read1::Request(req)) => req,
            Ok(Read1::Bad(resp)) => {
                let _ = write_response(&mut writer, &resp, true);
                return;
            }
            Ok(Read1::Closed) | Err(_) => return,
        };
        if shared.down.load(Ordering::SeqCst) {
            return;
        }
        let resp = handle(shared, &req);
        lock(&shared.log).push(LoggedRequest {
            method: req.method.clone(),
            path: req.path().to_string(),
            tenant: req.header("x-scope-orgid").map(str::to_string),
            status: resp.status,
        });
        let close = req.wants_close();
        if write_response(&mut writer, &resp, close).is_err() || close {
            return;
        }
    }
}

fn handle(shared: &Shared, req: &Request) -> Response {
    {
        let mut failures = lock(&shared.failures);
        if !failures.is_empty() {
            let status = failures.remove(0);
            let mut resp = Response::text(status, &format!("injected failure {status}"));
            if status == 429 {
                resp.headers.push(("Retry-After".into(), "1".into()));
            }
            return resp;
        }
    }
    let options = lock(&shared.options).clone();
    if let Some(required) = &options.auth {
        if !authorized(required, req.header("authorization")) {
            let mut resp = Response::text(401, "unauthorized");
            resp.headers
                .push(("WWW-Authenticate".into(), "Basic realm=\"ruler\"".into()));
            return resp;
        }
    }
    let tenant = match req.header("x-scope-orgid") {
        Some(t) if !t.is_empty() => t.to_string(),
        _ if !options.require_tenant => "anonymous".to_string(),
        _ => return Response::text(401, "no org id"),
    };
    if req.path() == alertmanager::PATH {
        return alertmanager::handle(&mut lock(&shared.alertmanager_configs), &tenant, req);
    }
    let Some(rest) = req.path().strip_prefix(options.api_path.as_str()) else {
        return Response::text(404, "404 page not found");
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Response::text(404, "404 page not found");
    }
    let mut segments = Vec::new();
    for raw in rest.split('/').skip(1) {
        match percent_decode(raw) {
            Some(s) if !s.is_empty() => segments.push(s),
            _ => return Response::text(400, &format!("invalid path segment {raw:?}")),
        }
    }
    let mut store = lock(&shared.store);
    let groups = store.entry(tenant.clone()).or_default();
    let response = match (req.method.as_str(), segments.as_slice()) {
        ("GET", []) => list(groups, None, &options),
        ("GET", [ns]) => list(groups, Some(ns), &options),
        ("GET", [ns, group]) => match groups.get(ns).and_then(|g| g.get(group)) {
            Some(g) => Response::yaml(200, serde_yaml_ng::to_string(g).unwrap_or_default()),
            None => Response::text(404, "group does not exist"),
        },
        ("POST", [ns]) => set_group(groups, ns, req, &options),
        ("DELETE", [ns]) => match groups.remove(ns) {
            Some(_) => Response::accepted(),
            None => Response::text(404, "group namespace does not exist"),
        },
        ("DELETE", [ns, group]) => {
            let removed = groups.get_mut(ns).and_then(|g| g.remove(group));
            if groups.get(ns).is_some_and(BTreeMap::is_empty) {
                groups.remove(ns);
            }
            match removed {
                Some(_) => Response::accepted(),
                None => Response::text(404, "group does not exist"),
            }
        }
        (_, [] | [_] | [_, _]) => Response::text(405, "method not allowed"),
        _ => Response::text(404, "404 page not found"),
    };
    if groups.is_empty() {
        store.remove(&tenant);
    }
    response
}

fn authorized(required: &RequiredAuth, header: Option<&str>) -> bool {
    let Some(header) = header else { return false };
    match required {
        RequiredAuth::Bearer(token) => header.strip_prefix("Bearer ") == Some(token.as_str()),
        RequiredAuth::Basic { username, password } => header
            .strip_prefix("Basic ")
            .and_then(base64_decode)
            .is_some_and(|pair| pair == format!("{username}:{password}")),
    }
}

fn base64_decode(s: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    String::from_utf8(out).ok()
}

fn list(
    groups: &BTreeMap<String, BTreeMap<String, Value>>,
    namespace: Option<&String>,
    options: &RulerOptions,
) -> Response {
    let selected: BTreeMap<&String, Vec<&Value>> = groups
        .iter()
        .filter(|(ns, g)| !g.is_empty() && namespace.is_none_or(|want| *ns == want))
        .map(|(ns, g)| (ns, g.values().collect()))
        .collect();
    if selected.is_empty() && !options.empty_namespace_is_200 {
        return Response::text(404, "no rule groups found");
    }
    Response::yaml(200, serde_yaml_ng::to_string(&selected).unwrap_or_default())
}

fn set_group(
    groups: &mut BTreeMap<String, BTreeMap<String, Value>>,
    namespace: &str,
    req: &Request,
    options: &RulerOptions,
) -> Response {
    let content_type = req.header("content-type").unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/yaml") {
        return Response::text(
            415,
            &format!(
                "Content-Type must be application/yaml (the ruler API reference), got {content_type:?}"
            ),
        );
    }
    let (name, value) = match validate::parse_group(&req.body) {
        Ok(g) => g,
        Err(reason) => return Response::text(400, &reason),
    };
    let rules = value
        .get("rules")
        .and_then(Value::as_sequence)
        .map_or(0, Vec::len);
    if let Some(limit) = options.max_rules_per_group {
        if rules > limit {
            return Response::text(
                400,
                &format!(
                    "per-user rules per rule group limit (limit: {limit} actual: {rules}) exceeded"
                ),
            );
        }
    }
    let exists = groups.get(namespace).is_some_and(|g| g.contains_key(&name));
    if let Some(limit) = options.max_groups_per_tenant {
        let total: usize = groups.values().map(BTreeMap::len).sum();
        let after = total + usize::from(!exists);
        if after > limit {
            return Response::text(
                400,
                &format!("per-user rule groups limit (limit: {limit} actual: {after}) exceeded"),
            );
        }
    }
    let value = if options.sort_keys {
        sorted_keys(&value)
    } else {
        value
    };
    groups
        .entry(namespace.to_string())
        .or_default()
        .insert(name, value);
    Response::accepted()
}

/// `v` with every mapping's keys in alphabetical order.
fn sorted_keys(v: &Value) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut entries: Vec<(&Value, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Value::Mapping(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Sequence(items) => Value::Sequence(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}
