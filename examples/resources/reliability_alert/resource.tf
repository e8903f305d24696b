# An alert on any PromQL expression.
resource "reliability_alert" "checkout_latency" {
  name        = "CheckoutHighLatency"
  expr        = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"checkout\"}[5m]))) > 0.5"
  for         = "10m"
  severity    = "page"
  summary     = "p99 latency above 500ms"
  description = "Checkout p99 latency is {{ $value | humanizeDuration }}."
  runbook_url = "https://runbooks.example.com/checkout-latency"
  labels      = { team = "payments" }
}

# A certificate expiry watch (blackbox_exporter's probe_ssl_earliest_cert_expiry). relcheck
# counts it as the certificate's monitoring.
resource "reliability_alert" "api_cert" {
  name     = "ApiCertificateExpiring"
  severity = "ticket"

  certificate_expiry {
    certificate = aws_acm_certificate.api.arn
    target      = "api.example.com:443"
    days_before = 21
    source      = "blackbox"
  }
}
