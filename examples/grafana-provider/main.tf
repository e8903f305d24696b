# SLO dashboards through the Grafana provider: the SLO computes its dashboard model
# (`dashboard_json`, known at plan time) and `grafana_dashboard` sends it to Grafana's API.
# The provider block below writes the rules to a local directory; point `grafana` at your
# Grafana (url and a service account token).
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
    grafana = {
      source = "grafana/grafana"
    }
  }
}

provider "reliability" {
  rules_dir = "rules"
}

provider "grafana" {
  url  = "http://127.0.0.1:3000"
  auth = var.grafana_token
}

variable "grafana_token" {
  type      = string
  sensitive = true
  default   = "glsa_example"
}

resource "reliability_slo" "checkout" {
  service   = "checkout"
  name      = "availability"
  objective = 99.9
  dashboard = true

  sli {
    events {
      error_query = "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[{{.window}}]))"
      total_query = "sum(rate(http_requests_total{job=\"checkout\"}[{{.window}}]))"
    }
  }
}

resource "grafana_dashboard" "checkout_slo" {
  config_json = reliability_slo.checkout.dashboard_json
}

data "reliability_dashboard" "overview" {
  slo_ids = [reliability_slo.checkout.id]
}

resource "grafana_dashboard" "slo_overview" {
  config_json = data.reliability_dashboard.overview.dashboard_json
}

output "checkout_dashboard_url" {
  value = grafana_dashboard.checkout_slo.url
}
