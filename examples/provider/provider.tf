provider "reliability" {
  # Directory Prometheus loads rule files from (its rule_files: ["<dir>/*.yml"]), often an
  # absolute path such as "/etc/prometheus/rules.d/reliability". A relative one is relative
  # to Terraform's working directory. Default: "reliability-rules".
  rules_dir = "prometheus/rules.d"

  # Optional: a Prometheus started with --web.enable-lifecycle is reloaded after changes
  # (batched for large applies); every rule is loaded when terraform apply returns. One not
  # up yet is a warning, and the next run reloads it.
  prometheus_url = "http://127.0.0.1:9090"

  # Optional, beside any rules destination: the Alertmanager configuration file a
  # reliability_notification_policy owns (often "/etc/alertmanager/alertmanager.yml"), and
  # the Alertmanager to reload after changes.
  alertmanager {
    config_file = "alertmanager/alertmanager.yml"
    url         = "http://127.0.0.1:9093"
  }
}

# Or, instead of rules_dir/prometheus_url, write nothing anywhere and ship each resource's
# `rules_yaml` with another provider (a kubernetes_manifest PrometheusRule, a ConfigMap, a
# file in a GitOps repository); see examples/render-only:
#
#   provider "reliability" {
#     render_only = true
#   }
