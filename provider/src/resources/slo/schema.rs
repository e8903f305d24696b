//! `reliability_slo`'s schema: its attributes and blocks, and their documentation (the
//! source of `docs/resources/slo.md`).

use tf_provider::schema::{AttributeConstraint, AttributeType, NestedBlock, Schema};

use crate::resources::schema::{attr, block, string_map};

fn tier_block(which: &str) -> NestedBlock {
    use AttributeConstraint::Optional;
    NestedBlock::Optional(block(
        &format!("The {which} tier of burn-rate alerts. On unless `disabled = true`."),
        vec![
            ("disabled", attr(AttributeType::Bool, Optional, &format!("Turns the {which} alert off. Default `false`."))),
            ("labels", attr(string_map(), Optional, &format!("Extra labels on the {which} alert (routing keys for Alertmanager). `severity` is set by the provider."))),
            ("annotations", attr(string_map(), Optional, &format!("Extra annotations on the {which} alert."))),
        ],
        vec![],
    ))
}

/// The `rules_yaml` attribute's documentation (the same on every resource).
pub const RULES_YAML_DOC: &str = "With `render_only`: the exact rule file content this \
    resource manages (valid input for `promtool check rules`), known at plan time once the \
    inputs are. Its `groups` are what a Prometheus Operator `PrometheusRule` takes as \
    `spec.groups`: `yamldecode(reliability_slo.x.rules_yaml).groups`. Where the provider \
    stores the rules itself (a rules directory, a ruler) it is null, keeping the state small, \
    unless the stored copy drifted: then it holds what is stored, and the next plan shows \
    the difference here.";

/// The `dashboard_json` attribute's documentation.
const DASHBOARD_JSON_DOC: &str = "With `dashboard = true`, the SLO's Grafana dashboard \
    model (JSON; uid `slo-<id>-<hash>`, stable while `service` and `name` are; a `datasource` \
    variable of type Prometheus), known at plan time: `grafana_dashboard { config_json = \
    reliability_slo.x.dashboard_json }`. Null when the provider writes it to \
    `grafana_dashboards_dir` (unless the file drifted: then it holds the file, and the next \
    plan shows the difference here).";

/// The `openslo_yaml` attribute's documentation.
const OPENSLO_YAML_DOC: &str = "With `openslo = true`, this SLO as one OpenSLO v1 `SLO` \
    document (YAML), known at plan time: `data \"reliability_openslo\"` reads it back into the same SLO (identical \
    rules). Events queries are written as `counter: false` rates over `{{.window}}`, a latency \
    SLI as good/total histogram counters; the alerting tiers, maintenance windows and \
    `exclude_query`, which OpenSLO has no fields for, travel as \
    `terraform-provider-reliability/*` annotations.";

/// The resource schema (also the source of the generated docs).
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, OptionalComputed, Required};
    use AttributeType::{Number, String};
    let events = block(
        "Event-based SLI: the ratio of bad events to all events, event-weighted over every \
         window and the period (a quiet night counts by its few events). Both queries must \
         contain `{{.window}}` where the range goes, e.g. \
         `sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))`, and return per-second \
         rates with the same labels; a missing error series counts as no errors.",
        vec![
            (
                "error_query",
                attr(
                    String,
                    Required,
                    "PromQL returning the rate of bad events over `{{.window}}`.",
                ),
            ),
            (
                "total_query",
                attr(
                    String,
                    Required,
                    "PromQL returning the rate of all events over `{{.window}}`.",
                ),
            ),
        ],
        vec![],
    );
    let raw = block(
        "Raw SLI: a query that already returns the error ratio (0–1) over `{{.window}}`. Without event counts, every window and the period are the time average of its 5-minute ratios (`events` and `latency` SLIs are event-weighted).",
        vec![(
            "error_ratio_query",
            attr(
                String,
                Required,
                "PromQL returning the error ratio over `{{.window}}`.",
            ),
        )],
        vec![],
    );
    let latency = block(
        "Latency SLI from a Prometheus histogram: requests slower than `threshold` are errors.",
        vec![
            ("histogram", attr(String, Required, "Base name of the histogram, e.g. `http_request_duration_seconds` (the provider reads its `_bucket` and `_count` series).")),
            ("selector", attr(String, Optional, "Label matchers without braces, e.g. `job=\"checkout\"`.")),
            ("threshold", attr(Number, Required, "Latency threshold in seconds; must be one of the histogram's bucket boundaries (`le`).")),
        ],
        vec![],
    );
    let sli = block(
        "How to measure the service level indicator: exactly one of `events`, `raw`, `latency`.",
        vec![],
        vec![
            ("events", NestedBlock::Optional(events)),
            ("raw", NestedBlock::Optional(raw)),
            ("latency", NestedBlock::Optional(latency)),
        ],
    );
    let alerting = block(
        "Multi-window multi-burn-rate alerting. Both tiers are on by default.",
        vec![
            ("runbook_url", attr(String, Optional, "Runbook link put on every alert as the `runbook_url` annotation.")),
            ("min_events", attr(Number, Optional, "Low-traffic guard: no alert fires unless the long window saw at least this many events. Only for `events` and `latency` SLIs.")),
        ],
        vec![("page", tier_block("page")), ("ticket", tier_block("ticket"))],
    );
    let window = block(
        "Planned maintenance left out of the SLO: events inside the window (UTC) count neither as bad nor as total, for the SLI, the error budget and the burn-rate alerts (no page for a planned upgrade). A 5-minute rate that reaches back into a window is left out too, so each window is extended by 5 minutes.",
        vec![
            ("weekdays", attr(AttributeType::List(Box::new(String)), Optional, "Days: `monday` … `sunday` or ranges such as `monday:friday`; default every day.")),
            ("start_time", attr(String, Optional, "Start, `HH:MM` UTC; with `end_time` (neither: whole days).")),
            ("end_time", attr(String, Optional, "End, `HH:MM` UTC (up to `24:00`), after `start_time`.")),
        ],
        vec![],
    );
    Schema {
        version: 1,
        block: block(
            "A service level objective. `terraform apply` writes its recording rules (Sloth's \
             `slo:*` series) and multi-window multi-burn-rate alerts to one rule file in the \
             provider's `rules_dir`.",
            vec![
                ("id", attr(String, Computed, "`<service>-<name>`; also the import ID.")),
                ("service", attr(String, Required, "Service the SLO belongs to: 2–128 characters from letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit; `service` and `name` together at most 200. Changing it replaces the SLO.")),
                ("name", attr(String, Required, "Name of the SLO within the service, with the same rules as `service`. Changing it replaces the SLO.")),
                ("objective", attr(Number, Required, "Target in percent, strictly between 0 and 100, e.g. `99.9`.")),
                ("window", attr(String, OptionalComputed, "Rolling SLO period in whole days or weeks, e.g. `30d`, `28d`, `7d`, `4w`. Default `30d` unless `calendar_period` is set (then null).")),
                ("calendar_period", attr(String, Optional, "Calendar-aligned period instead of a rolling `window`: `week` (ISO weeks from Monday), `month` or `quarter`, in UTC. The budget covers the current calendar period only and is whole again at its start. Burn-rate thresholds assume 7, 30 and 90 days.")),
                ("exclude_query", attr(String, Optional, "PromQL that returns a non-zero sample while an unplanned maintenance is declared, e.g. `max(maintenance_mode{service=\"checkout\"})`: that time is left out of the SLO as in a `maintenance_window`.")),
                ("description", attr(String, Optional, "What the SLO promises, shown in alert annotations.")),
                ("labels", attr(string_map(), Optional, "Labels added to every series and alert of this SLO.")),
                ("rule_file", attr(String, Computed, "Absolute path of the rule file written; null with `render_only`.")),
                ("rules_yaml", attr(String, Computed, RULES_YAML_DOC)),
                ("openslo", attr(AttributeType::Bool, Optional, "Export this SLO as an OpenSLO v1 document in `openslo_yaml`. Default `false`: the document is about 1 KB of Terraform state per SLO, which made a 1,000-SLO apply 1.5× as slow (docs/benchmarks.md).")),
                ("openslo_yaml", attr(String, Computed, OPENSLO_YAML_DOC)),
                ("error_budget_minutes", attr(Number, Computed, "Error budget in minutes per period: (1 − objective/100) × period. For `calendar_period`, over 7, 30 or 90 days (a month has 28–31, a quarter 90–92: `reliability_error_budget` gives the current period's actual minutes).")),
                ("content_sha256", attr(String, Computed, "SHA-256 of the rule file (and dashboard); a change means the stored rules drifted from the configuration.")),
                ("dashboard", attr(AttributeType::Bool, Optional, "Generate a Grafana dashboard for this SLO: SLI against the objective, error budget left over the period, burn rate per alert window against its thresholds, the SLO's alerts and, for `events` and `latency` SLIs, its traffic. It goes to the provider's `grafana_dashboards_dir` when set, otherwise into `dashboard_json`. Default `false`: a dashboard is about 20 KB, which would make the Terraform state of a large configuration slow.")),
                ("dashboard_file", attr(String, Computed, "Absolute path of the dashboard file in the provider's `grafana_dashboards_dir`; null without `dashboard = true` or without that directory.")),
                ("dashboard_json", attr(String, Computed, DASHBOARD_JSON_DOC)),
            ],
            vec![
                ("sli", NestedBlock::Single(sli)),
                ("alerting", NestedBlock::Optional(alerting)),
                ("maintenance_window", NestedBlock::List(window)),
            ],
        ),
    }
}
