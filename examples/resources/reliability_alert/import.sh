# An alert is imported by its name, from alert_<name>.yml in the provider's rules_dir.
terraform import reliability_alert.checkout_latency CheckoutHighLatency
