# The configuration examples/github-workflow/pipeline.yml plans and applies: an SLO whose
# rules go to Prometheus, and a deploy gated on that SLO's live error budget. The provider
# is installed from the network mirror scripts/release.sh builds (see the workflow's CLI
# config); `terraform_data.deploy_checkout` stands for the real deploy (a helm_release, an
# aws_ecs_service, ...).
terraform {
  required_providers {
    reliability = {
      source  = "reliability-as-code/reliability"
      version = "0.1.0"
    }
  }
}

variable "prometheus_url" {
  description = "Prometheus that loads rules_dir and answers the error budget query."
  type        = string
}

variable "rules_dir" {
  description = "Directory Prometheus loads rule files from (its rule_files: [\"<dir>/*.yml\"])."
  type        = string
  default     = "reliability-rules"
}

variable "checkout_version" {
  description = "The checkout release to deploy."
  type        = string
}

variable "enforce_error_budget" {
  description = "Stop the deploy while checkout's error budget is spent (the pipeline sets false on pull requests, where a spent budget only warns)."
  type        = bool
  default     = true
}

provider "reliability" {
  rules_dir      = var.rules_dir
  prometheus_url = var.prometheus_url
}

resource "reliability_slo" "checkout_availability" {
  service     = "checkout"
  name        = "availability"
  objective   = 99.9
  description = "Checkout requests succeed"

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

data "reliability_error_budget" "checkout" {
  slo_id = reliability_slo.checkout_availability.id
}

# The gate: plan (and apply) stop here with this message while the budget is spent.
resource "terraform_data" "deploy_checkout" {
  input = var.checkout_version

  lifecycle {
    precondition {
      condition     = !var.enforce_error_budget || !data.reliability_error_budget.checkout.exhausted
      error_message = "checkout has spent its error budget (${data.reliability_error_budget.checkout.error_budget_remaining} left): deployments are frozen until it recovers."
    }
  }
}

check "checkout_error_budget" {
  assert {
    condition     = !data.reliability_error_budget.checkout.exhausted
    error_message = "checkout has spent its error budget: merging this deploys nothing until it recovers."
  }
}
