resource "reliability_slo" "checkout_availability" {
  service     = "checkout"
  name        = "availability"
  objective   = 99.9
  window      = "30d"
  description = "Checkout requests succeed"
  labels      = { team = "payments" }

  sli {
    events {
      error_query = "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[{{.window}}]))"
      total_query = "sum(rate(http_requests_total{job=\"checkout\"}[{{.window}}]))"
    }
  }

  alerting {
    runbook_url = "https://runbooks.example.com/checkout"
    min_events  = 100

    page {
      labels = { routing_key = "payments-pager" }
    }
    ticket {
      annotations = { dashboard = "https://grafana.example.com/d/slo" }
    }
  }
}

# Where the rules went (with `render_only = true`, `rules_yaml` holds them instead: e.g.
# the groups of a PrometheusRule, see examples/render-only).
output "checkout_availability_rule_file" {
  value = reliability_slo.checkout_availability.rule_file
}

# A calendar-month budget that is whole again on the 1st (UTC), with a weekly maintenance
# window and declared maintenance (a maintenance_mode gauge) kept out of the SLI, the
# budget and the burn-rate alerts.
resource "reliability_slo" "checkout_latency_monthly" {
  service         = "checkout"
  name            = "latency"
  objective       = 99
  calendar_period = "month"

  sli {
    latency {
      histogram = "http_request_duration_seconds"
      selector  = "job=\"checkout\""
      threshold = 0.5
    }
  }

  maintenance_window {
    weekdays   = ["sunday"]
    start_time = "02:00"
    end_time   = "04:00"
  }
  exclude_query = "max(maintenance_mode{service=\"checkout\"})"

  alerting {
    runbook_url = "https://runbooks.example.com/checkout-latency"
  }

  # A Grafana dashboard of this SLO: in the provider's grafana_dashboards_dir when it is
  # set, otherwise in dashboard_json (for the Grafana provider's grafana_dashboard).
  dashboard = true
}
