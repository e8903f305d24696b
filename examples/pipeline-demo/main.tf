# What relcheck finds in a pull request: an AWS stack with a few reliability gaps, some of
# them closed by the reliability provider's own resources. Not meant to be applied.
# Run: relcheck check examples/pipeline-demo

variable "environment" {
  type    = string
  default = "prod"
}

locals {
  is_prod = var.environment == "prod"
}

# Single-AZ in production and no backups: two findings.
resource "aws_db_instance" "orders" {
  identifier              = "orders-${var.environment}"
  engine                  = "postgres"
  instance_class          = "db.r6g.large"
  allocated_storage       = 100
  multi_az                = false
  backup_retention_period = 0
}

# Multi-AZ only in production (the default environment is prod): no finding.
resource "aws_db_instance" "billing" {
  identifier              = "billing-${var.environment}"
  engine                  = "postgres"
  instance_class          = "db.r6g.large"
  allocated_storage       = 50
  multi_az                = local.is_prod
  backup_retention_period = 14
}

# Backed up by the reliability_backup_plan below, through its targets: no backup finding.
resource "aws_ebs_volume" "uploads" {
  availability_zone = "eu-west-1a"
  size              = 500
  tags              = { Name = "uploads" }
}

# Not covered by any backup: a finding.
resource "aws_ebs_volume" "scratch" {
  availability_zone = "eu-west-1a"
  size              = 100
}

resource "reliability_backup_plan" "uploads" {
  name           = "uploads"
  schedule       = "0 2 * * *"
  retention_days = 30
  rpo            = "26h"
  targets        = [aws_ebs_volume.uploads.arn]
  offsite_copy {
    destination = "eu-central-1"
  }
  restore_test {
    schedule = "0 4 * * 1"
    max_age  = "8d"
  }
}

# Watched by a reliability_alert: no finding.
resource "aws_acm_certificate" "api" {
  domain_name       = "api.example.com"
  validation_method = "DNS"
}

resource "reliability_alert" "api_cert" {
  name     = "ApiCertificateExpiring"
  severity = "ticket"
  certificate_expiry {
    certificate = aws_acm_certificate.api.arn
    target      = "api.example.com:443"
  }
}

# Nobody watches this one: a finding.
resource "aws_acm_certificate" "www" {
  domain_name       = "www.example.com"
  validation_method = "DNS"
}
