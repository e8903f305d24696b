//! Validation of a notification policy before anything is written: receiver names that
//! exist, Alertmanager durations, matchers, maintenance window times and time zones, and
//! the fields each integration needs. Every error names its attribute path (block lists
//! are indexed: `["receiver", "1", "name"]`) and says what to set.

use std::collections::{BTreeMap, BTreeSet};

use super::{MaintenanceWindow, PolicySpec, Receiver};
use crate::rules::field_error::FieldError;
use crate::rules::labels::{is_http_url, is_label_name};
use crate::rules::weekly::check_days_and_times;
use crate::rules::window::parse_duration;

/// Every problem of `spec`, empty when it is valid.
pub fn validate(spec: &PolicySpec) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut names = BTreeSet::new();
    if spec.receivers.is_empty() {
        errs.push(FieldError::new(
            &["receiver"],
            "Missing receiver",
            "a notification policy needs at least one receiver block (name plus webhook, \
             pagerduty, slack or email) for ticket_receiver to name"
                .to_string(),
        ));
    }
    for (i, r) in spec.receivers.iter().enumerate() {
        let i = i.to_string();
        if !is_name(&r.name) {
            errs.push(FieldError::new(
                &["receiver", &i, "name"],
                "Invalid receiver name",
                format!(
                    "receiver name {:?} is not usable: use letters, digits, '-', '_' and '.' \
                     (e.g. \"pager\")",
                    r.name
                ),
            ));
        } else if !names.insert(r.name.as_str()) {
            errs.push(FieldError::new(
                &["receiver", &i, "name"],
                "Duplicate receiver name",
                format!(
                    "two receiver blocks are named {:?}; give each receiver its own name",
                    r.name
                ),
            ));
        }
        check_receiver(&mut errs, &i, r);
    }
    let mut reference = |path: &[&str], name: Option<&str>| {
        if let Some(n) = name {
            if !names.contains(n) {
                let known: Vec<&str> = names.iter().copied().collect();
                errs.push(FieldError::new(
                    path,
                    "Unknown receiver",
                    format!(
                        "{} = {n:?} names no receiver block; the receivers are {}. Add a \
                         receiver block named {n:?} or use one of those",
                        path[path.len() - 1],
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            format!("{known:?}")
                        }
                    ),
                ));
            }
        }
    };
    reference(&["ticket_receiver"], Some(&spec.ticket_receiver));
    reference(&["page_receiver"], spec.page_receiver.as_deref());
    for (i, route) in spec.routes.iter().enumerate() {
        let i = i.to_string();
        reference(
            &["route", &i, "page_receiver"],
            route.page_receiver.as_deref(),
        );
        reference(
            &["route", &i, "ticket_receiver"],
            route.ticket_receiver.as_deref(),
        );
    }
    for (attr, value) in [
        ("group_wait", &spec.group_wait),
        ("group_interval", &spec.group_interval),
        ("repeat_interval", &spec.repeat_interval),
    ] {
        if let Some(v) = value {
            match parse_duration(v) {
                Ok(d) if d.is_zero() && attr != "group_wait" => errs.push(FieldError::new(
                    &[attr],
                    "Invalid duration",
                    format!("{attr} = {v:?} must be longer than zero, such as \"5m\""),
                )),
                Ok(_) => {}
                Err(e) => errs.push(FieldError::new(
                    &[attr],
                    "Invalid duration",
                    format!("{attr}: {e}"),
                )),
            }
        }
    }
    for (i, route) in spec.routes.iter().enumerate() {
        let i = i.to_string();
        if route.matchers.is_empty() {
            errs.push(FieldError::new(
                &["route", &i, "matchers"],
                "Missing matchers",
                "a route needs matchers (e.g. { team = \"payments\" }): without them it \
                 would take every alert ahead of the defaults"
                    .to_string(),
            ));
        }
        check_matchers(&mut errs, &["route", &i, "matchers"], &route.matchers);
    }
    let mut windows = BTreeSet::new();
    for (i, w) in spec.maintenance_windows.iter().enumerate() {
        let i = i.to_string();
        if !is_name(&w.name) {
            errs.push(FieldError::new(
                &["maintenance_window", &i, "name"],
                "Invalid maintenance window name",
                format!(
                    "maintenance window name {:?} is not usable: use letters, digits, '-', \
                     '_' and '.' (e.g. \"weekly-db\")",
                    w.name
                ),
            ));
        } else if !windows.insert(w.name.as_str()) {
            errs.push(FieldError::new(
                &["maintenance_window", &i, "name"],
                "Duplicate maintenance window name",
                format!("two maintenance_window blocks are named {:?}", w.name),
            ));
        }
        check_window(&mut errs, &i, w);
    }
    errs
}

/// A receiver or time interval name: `[A-Za-z0-9_.-]+`.
fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check_file(errs: &mut Vec<FieldError>, path: &[&str], value: &str) {
    if value.trim().is_empty() || value.contains(['\0', '\n']) {
        errs.push(FieldError::new(
            path,
            "Invalid secret file",
            format!(
                "{} = {value:?} is not a file path: give the path of the file Alertmanager \
                 reads the secret from (e.g. \"/etc/alertmanager/pagerduty.key\")",
                path[path.len() - 1]
            ),
        ));
    }
}

fn check_receiver(errs: &mut Vec<FieldError>, i: &str, r: &Receiver) {
    for (j, w) in r.webhook.iter().enumerate() {
        if !is_http_url(&w.url) {
            errs.push(FieldError::new(
                &["receiver", i, "webhook", &j.to_string(), "url"],
                "Invalid webhook URL",
                format!(
                    "url {:?} is not an http(s) URL: give the endpoint Alertmanager POSTs \
                     to, e.g. \"http://127.0.0.1:9095/alerts\"",
                    w.url
                ),
            ));
        }
    }
    for (j, p) in r.pagerduty.iter().enumerate() {
        let j = j.to_string();
        check_file(
            errs,
            &["receiver", i, "pagerduty", &j, "routing_key_file"],
            &p.routing_key_file,
        );
    }
    for (j, s) in r.slack.iter().enumerate() {
        let j = j.to_string();
        check_file(
            errs,
            &["receiver", i, "slack", &j, "api_url_file"],
            &s.api_url_file,
        );
    }
    for (j, e) in r.email.iter().enumerate() {
        let j = j.to_string();
        for (attr, value) in [("to", &e.to), ("from", &e.from)] {
            if !value.contains('@') || value.contains(['\n', '\0']) {
                errs.push(FieldError::new(
                    &["receiver", i, "email", &j, attr],
                    "Invalid email address",
                    format!(
                        "{attr} = {value:?} is not an email address such as \"oncall@example.com\""
                    ),
                ));
            }
        }
        let port_ok = e
            .smarthost
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
        if !port_ok {
            errs.push(FieldError::new(
                &["receiver", i, "email", &j, "smarthost"],
                "Invalid smarthost",
                format!(
                    "smarthost = {:?} is not host:port: give the SMTP server, e.g. \
                     \"smtp.example.com:587\"",
                    e.smarthost
                ),
            ));
        }
        if let Some(f) = &e.auth_password_file {
            check_file(errs, &["receiver", i, "email", &j, "auth_password_file"], f);
        }
    }
}

fn check_matchers(errs: &mut Vec<FieldError>, at: &[&str], m: &BTreeMap<String, String>) {
    for name in m.keys() {
        if !is_label_name(name) || name.starts_with("__") {
            let mut path = at.to_vec();
            path.push(name);
            errs.push(FieldError::new(
                &path,
                "Invalid matcher",
                format!(
                    "matcher label {name:?} is not a label name: use letters, digits and '_', \
                     not starting with a digit or \"__\" (e.g. team)"
                ),
            ));
        }
    }
}

/// An IANA zone name's shape (`UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`);
/// whether it exists is Alertmanager's time zone database's answer (`amtool check-config`).
fn zone_ok(s: &str) -> bool {
    !s.is_empty()
        && s != "Local"
        && !s.starts_with('/')
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
}

fn check_window(errs: &mut Vec<FieldError>, i: &str, w: &MaintenanceWindow) {
    let at = |attr: &'static str| ["maintenance_window", i, attr];
    check_days_and_times(
        errs,
        &["maintenance_window", i],
        &w.weekdays,
        (w.start_time.as_ref(), w.end_time.as_ref()),
        "",
    );
    if let Some(z) = &w.time_zone {
        if !zone_ok(z) {
            errs.push(FieldError::new(
                &at("time_zone"),
                "Invalid time zone",
                format!("time_zone {z:?} is not an IANA time zone name such as \"Europe/Berlin\" or \"UTC\""),
            ));
        }
    }
    if w.weekdays.is_empty() && w.start_time.is_none() {
        errs.push(FieldError::new(
            &at("weekdays"),
            "Empty maintenance window",
            "set weekdays, start_time/end_time or both: a window without either would mute \
             notifications all the time"
                .to_string(),
        ));
    }
    check_matchers(errs, &["maintenance_window", i, "matchers"], &w.matchers);
}
