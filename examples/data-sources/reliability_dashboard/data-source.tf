# One Grafana overview of several SLOs: a row per SLO with its objective, its SLI and the
# error budget left over its own period, the burn rate now and whether a page or a ticket
# fires. Give `dashboard_json` to the Grafana provider (`grafana_dashboard { config_json =
# … }`) or write it into a directory Grafana provisions dashboards from.
data "reliability_dashboard" "checkout" {
  title   = "Checkout SLOs"
  slo_ids = [reliability_slo.checkout_availability.id, reliability_slo.checkout_latency_monthly.id]
}

output "checkout_overview_uid" {
  value = data.reliability_dashboard.checkout.uid
}
