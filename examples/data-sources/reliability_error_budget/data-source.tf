# Read the live error budget of an SLO from Prometheus (the provider's prometheus_url, or
# this data source's own). A new SLO without events yet reads as a whole budget
# (has_data = false, with a warning); one created in the same apply is read after its
# rules' first evaluation.
data "reliability_error_budget" "checkout" {
  slo_id = reliability_slo.checkout_availability.id
}

# Freeze deployments while the budget is spent: the apply stops with this message.
resource "terraform_data" "deploy_checkout" {
  input = var.checkout_version

  lifecycle {
    precondition {
      condition     = !data.reliability_error_budget.checkout.exhausted
      error_message = "checkout has spent its error budget (${data.reliability_error_budget.checkout.error_budget_remaining} left): deployments are frozen until it recovers."
    }
  }
}

# Or only warn, without blocking: a check block.
check "checkout_error_budget" {
  assert {
    condition     = data.reliability_error_budget.checkout.error_budget_remaining > 0.25
    error_message = "checkout has used more than 75 % of its error budget."
  }
}

# The period the budget covers (calendar or rolling) and its actual length.
output "checkout_budget_period" {
  value = "${data.reliability_error_budget.checkout.period_start} to ${data.reliability_error_budget.checkout.period_end}: ${data.reliability_error_budget.checkout.error_budget_minutes} minutes"
}
