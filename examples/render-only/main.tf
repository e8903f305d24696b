# Render-only: the provider writes nothing anywhere; each resource computes its rule file
# (`rules_yaml`, and a backup plan its `plan_json`) for something else to ship. Here the
# outputs are a Prometheus Operator PrometheusRule manifest and the backup runner's plan:
#
#   terraform apply && terraform output -raw prometheus_rule | kubectl apply -f -
#
# See ../prometheus-operator for the same rules shipped by the kubernetes provider.
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
  }
}

provider "reliability" {
  render_only = true
}

resource "reliability_slo" "checkout_availability" {
  service   = "checkout"
  name      = "availability"
  objective = 99.9

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

resource "reliability_backup_plan" "orders_db" {
  name           = "orders-db"
  schedule       = "0 3 * * *"
  retention_days = 35
  rpo            = "26h"
  targets        = ["orders-db"]

  offsite_copy {
    destination = "s3:https://backups.example.com/orders-db"
  }
  restore_test {
    schedule = "0 5 * * 1"
    max_age  = "8d"
  }
}

locals {
  # A rule file's `groups` are exactly a PrometheusRule's `spec.groups`.
  groups = concat(
    yamldecode(reliability_slo.checkout_availability.rules_yaml).groups,
    yamldecode(reliability_backup_plan.orders_db.rules_yaml).groups,
  )
}

output "prometheus_rule" {
  description = "A PrometheusRule manifest holding every group."
  value = yamlencode({
    apiVersion = "monitoring.coreos.com/v1"
    kind       = "PrometheusRule"
    metadata   = { name = "reliability", namespace = "monitoring" }
    spec       = { groups = local.groups }
  })
}

output "backup_schedule" {
  description = "What the backup runner schedules itself from."
  value       = jsondecode(reliability_backup_plan.orders_db.plan_json).schedule
}
