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
    runbook_url = "https://runbooks.example.com/checkout-latency"
    min_events  = 100
    ticket {
      labels = { channel = "payments-oncall" }
    }
  }
}

output "checkout_error_budget_minutes" {
  value = reliability_slo.checkout_availability.error_budget_minutes
}

# An alert on a plain expression, and a certificate expiry watch.
resource "reliability_alert" "checkout_latency" {
  name        = "CheckoutHighLatency"
  expr        = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"checkout\"}[5m]))) > 0.5"
  for         = "10m"
  severity    = "page"
  summary     = "Checkout p99 latency above 500ms"
  runbook_url = "https://runbooks.example.com/checkout-latency"
}

resource "reliability_alert" "checkout_cert" {
  name     = "CheckoutCertificateExpiring"
  severity = "ticket"
  certificate_expiry {
    certificate = "checkout.example.com"
    target      = "checkout.example.com:443"
    days_before = 21
  }
}

# A backup plan: alerts when the last successful backup is older than the RPO, and a plan
# file (reliability-rules/backup_orders-db.plan.json) that a backup runner schedules from.
resource "reliability_backup_plan" "orders_db" {
  name           = "orders-db"
  schedule       = "0 3 * * *"
  retention_days = 35
  rpo            = "26h"
  rto            = "4h"
  targets        = ["postgresql://orders-db.internal/orders"]
  offsite_copy {
    destination = "s3:https://backups.example.com/orders-db"
  }
  restore_test {
    schedule = "0 5 * * 1"
    max_age  = "8d"
  }
}
