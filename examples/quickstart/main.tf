# Quickstart: two SLOs for a checkout service, written as Prometheus rule files to
# ./reliability-rules (the provider's default rules_dir). Point Prometheus' rule_files at
# reliability-rules/*.yml, or set prometheus_url to have the provider reload it.
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
  }
}

provider "reliability" {}

resource "reliability_slo" "checkout_availability" {
  service     = "checkout"
  name        = "availability"
  objective   = 99.9
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
  }
}

resource "reliability_slo" "checkout_latency" {
  service   = "checkout"
  name      = "latency"
  objective = 99
  window    = "28d"
  labels    = { team = "payments" }

  sli {
    latency {
      histogram = "http_request_duration_seconds"
      selector  = "job=\"checkout\""
      threshold = 0.5
    }
  }

  alerting {
    min_events = 100
    ticket {
      labels = { channel = "payments-oncall" }
    }
  }
}

output "checkout_error_budget_minutes" {
  value = reliability_slo.checkout_availability.error_budget_minutes
}
