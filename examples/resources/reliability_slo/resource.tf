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

# The rule file's content, known at plan time: e.g. the groups of a PrometheusRule.
output "checkout_availability_groups" {
  value = [for g in yamldecode(reliability_slo.checkout_availability.rules_yaml).groups : g.name]
}
