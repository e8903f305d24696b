# Rules in a Grafana Mimir / Cortex ruler: each rule group of each resource becomes one
# group in the namespace "reliability" of tenant "team-a", through the ruler's HTTP API.
# Credentials come from the environment (never from this file):
#
#   export RELIABILITY_RULER_TOKEN=...        # bearer token, or
#   export RELIABILITY_RULER_USERNAME=...     # basic auth (Grafana Cloud: the stack's user id)
#   export RELIABILITY_RULER_PASSWORD=...     #   and an access-policy token
#   terraform apply -var ruler_url=https://mimir.example.com
#
# Cortex and Loki serve the API under api_path = "/api/v1/rules".
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
  }
}

variable "ruler_url" {
  type    = string
  default = "http://127.0.0.1:9009"
}

variable "tenant" {
  type    = string
  default = "team-a"
}

provider "reliability" {
  ruler {
    url       = var.ruler_url
    tenant    = var.tenant
    namespace = "reliability"
  }
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

# Where the SLO's rule groups went: ruler:<namespace>/<group>,<group>,…
output "ruler_groups" {
  value = reliability_slo.checkout_availability.rule_file
}
