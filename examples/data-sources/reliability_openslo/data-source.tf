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

  # And out again as OpenSLO (openslo_yaml; off by default to keep the state small).
  openslo = true

  # Set only by documents this provider exported (openslo_yaml): null or empty otherwise.
  exclude_query = each.value.exclude_query

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

  dynamic "maintenance_window" {
    for_each = each.value.maintenance_window
    content {
      weekdays   = maintenance_window.value.weekdays
      start_time = maintenance_window.value.start_time
      end_time   = maintenance_window.value.end_time
    }
  }

  dynamic "alerting" {
    for_each = each.value.alerting[*]
    content {
      runbook_url = alerting.value.runbook_url
      min_events  = alerting.value.min_events
      page {
        disabled    = alerting.value.page.disabled
        labels      = alerting.value.page.labels
        annotations = alerting.value.page.annotations
      }
      ticket {
        disabled    = alerting.value.ticket.disabled
        labels      = alerting.value.ticket.labels
        annotations = alerting.value.ticket.annotations
      }
    }
  }
}

# And out again: each SLO as an OpenSLO v1 document, for another tool (or for
# data "reliability_openslo" in another configuration, which gives the same rules).
output "openslo" {
  value = join("---\n", [for slo in reliability_slo.imported : slo.openslo_yaml])
}
