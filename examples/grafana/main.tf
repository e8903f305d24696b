# SLO dashboards for Grafana's file provisioning: each SLO with `dashboard = true` writes
# its dashboard into grafana_dashboards_dir, and Grafana loads every JSON file there through
# the provisioning file in provisioning/dashboards/ (copy it to Grafana's
# provisioning/dashboards directory and point its `path` at the same directory).
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
  }
}

provider "reliability" {
  rules_dir              = "rules"
  grafana_dashboards_dir = "dashboards"
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

  alerting {
    runbook_url = "https://runbooks.example.com/checkout"
  }
}

resource "reliability_slo" "search" {
  service         = "search"
  name            = "latency"
  objective       = 99
  calendar_period = "month"
  dashboard       = true

  sli {
    latency {
      histogram = "http_request_duration_seconds"
      selector  = "job=\"search\""
      threshold = 0.25
    }
  }
}

# The overview: one row per SLO, sortable by budget left or burn rate.
data "reliability_dashboard" "overview" {
  title   = "Shop SLOs"
  slo_ids = [reliability_slo.checkout.id, reliability_slo.search.id]
}

output "dashboard_files" {
  value = [reliability_slo.checkout.dashboard_file, reliability_slo.search.dashboard_file]
}

output "overview_json" {
  value = data.reliability_dashboard.overview.dashboard_json
}
