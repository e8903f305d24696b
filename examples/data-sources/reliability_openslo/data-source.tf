# SLOs written in OpenSLO v1 (slos.yaml: several documents) become reliability_slo
# resources. Each object of `slos` has the SLO resource's argument names; exactly one of
# sli.events, sli.latency and sli.raw is not null. Input that cannot be expressed exactly
# (Timeslices budgeting, non-Prometheus sources, ...) stops the plan with an error naming
# the document and the field.
data "reliability_openslo" "shop" {
  content = file("${path.module}/slos.yaml")
}

resource "reliability_slo" "imported" {
  for_each        = data.reliability_openslo.shop.slos
  service         = each.value.service
  name            = each.value.name
  objective       = each.value.objective
  window          = each.value.window
  calendar_period = each.value.calendar_period
  description     = each.value.description
  labels          = each.value.labels

  sli {
    dynamic "events" {
      for_each = each.value.sli.events[*]
      content {
        error_query = events.value.error_query
        total_query = events.value.total_query
      }
    }
    dynamic "latency" {
      for_each = each.value.sli.latency[*]
      content {
        histogram = latency.value.histogram
        selector  = latency.value.selector
        threshold = latency.value.threshold
      }
    }
    dynamic "raw" {
      for_each = each.value.sli.raw[*]
      content {
        error_ratio_query = raw.value.error_ratio_query
      }
    }
  }
}

# And out again: each SLO as an OpenSLO v1 document, for another tool (or for
# data "reliability_openslo" in another configuration, which gives the same rules).
output "openslo" {
  value = join("---\n", [for slo in reliability_slo.imported : slo.openslo_yaml])
}
