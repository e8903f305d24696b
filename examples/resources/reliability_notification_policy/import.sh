# The policy is the provider's alertmanager config_file; its import ID is always "alertmanager".
terraform import reliability_notification_policy.main alertmanager
