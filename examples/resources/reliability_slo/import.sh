# An SLO is imported by its id, "<service>-<name>", from the rule file the provider wrote
# in rules_dir (slo_<service>@<name>.yml).
terraform import reliability_slo.checkout_availability checkout-availability
