resource "reliability_backup_plan" "orders_db" {
  name           = "orders-db"
  schedule       = "0 3 * * *"
  retention_days = 35
  rpo            = "26h" # daily backups, with two hours of slack for a slow run
  rto            = "4h"
  targets        = [aws_db_instance.orders.arn]

  offsite_copy {
    destination = "eu-west-2"
  }

  restore_test {
    schedule = "0 5 * * 1"
    max_age  = "8d"
  }
}

# The plan document a backup runner schedules itself from (with `render_only = true`,
# `plan_json` holds it instead, known at plan time).
output "orders_db_plan_file" {
  value = reliability_backup_plan.orders_db.plan_file
}
