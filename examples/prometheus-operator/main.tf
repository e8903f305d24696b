# The rules of an SLO shipped as a Prometheus Operator PrometheusRule by the kubernetes
# provider (needs a cluster and `terraform init` with registry access; not run by the tests,
# which have neither). The reliability provider only renders: render_only = true.
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

provider "reliability" {
  render_only = true
}

provider "kubernetes" {
  config_path = "~/.kube/config"
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

resource "kubernetes_manifest" "checkout_slo_rules" {
  manifest = {
    apiVersion = "monitoring.coreos.com/v1"
    kind       = "PrometheusRule"
    metadata = {
      name      = "slo-checkout-availability"
      namespace = "monitoring"
      labels    = { release = "kube-prometheus-stack" }
    }
    spec = {
      groups = yamldecode(reliability_slo.checkout_availability.rules_yaml).groups
    }
  }
}
