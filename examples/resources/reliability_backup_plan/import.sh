# A backup plan is imported by its name, from backup_<name>.yml in the provider's rules_dir.
terraform import reliability_backup_plan.orders_db orders-db
