#!/usr/bin/env python3
"""Deterministic Terraform corpus generator for bench/relcheck-vs-checkov.sh.

Usage: bench/gen_corpus.py N OUTDIR [--seed S]

Writes exactly N `.tf` files under OUTDIR (which must be absent or empty), grouped
in "projects" of up to ~24 files: each project is a root module (variables.tf,
main.tf with locals and module calls, and standalone files such as dynamodb.tf,
azure.tf, gcp.tf, backup.tf, monitoring.tf) plus local child modules under
modules/<kind>/ (main.tf, variables.tf, outputs.tf) called with `source =
"./modules/<kind>"`, some with `count`/`for_each`.

The resources mix the types relcheck's rules cover (`relcheck rules`):
aws_db_instance, aws_rds_cluster + aws_rds_cluster_instance,
aws_elasticache_replication_group, aws_efs_file_system (+ backup policy),
aws_dynamodb_table, aws_ebs_volume, aws_instance, aws_backup_selection (tag
selections and `resources` references, some through module outputs),
aws_acm_certificate + aws_cloudwatch_metric_alarm (DaysToExpiry), aws_mq_broker,
aws_opensearch_domain, aws_autoscaling_group, aws_fsx_windows_file_system,
azurerm_kubernetes_cluster, azurerm_{postgresql,mysql}_flexible_server,
azurerm_redis_cache, azurerm_storage_account, google_sql_database_instance,
google_container_cluster, google_redis_instance,
google_compute_instance_group_manager, and some types no rule covers
(security groups, IAM roles, S3 buckets) for realism. Good and bad settings are
mixed so both tools report passes and failures. Files are ~10-110 lines,
~36 on average (module outputs and variables files are the short ones).

The same N and seed always give byte-identical output (random.Random(seed), no
clock, no hash-order dependence). Only local module sources are used, so checkov
never tries to download anything.
"""

import argparse
import os
import random
import sys

# ----------------------------------------------------------------------------
# Building blocks. Each returns HCL text; `r` is the project's Random.


def tags_block(r, backup=None, indent="  "):
    team = r.choice(["payments", "search", "identity", "platform", "data", "growth"])
    lines = [f"{indent}tags = merge(local.common_tags, {{"]
    lines.append(f'{indent}  Name = "{team}-{r.randint(1, 999)}"')
    if backup:
        lines.append(f'{indent}  Backup = "{backup}"')
    lines.append(f'{indent}  CostCenter = "cc-{r.randint(1000, 9999)}"')
    lines.append(f"{indent}}})")
    return "\n".join(lines)


def header(r, what):
    return (
        f"# {what}\n"
        f"# Owner: team-{r.randint(1, 40)} -- generated benchmark corpus, do not edit.\n\n"
    )


def sg(r, name):
    port = r.choice([5432, 3306, 6379, 443, 2049, 5671])
    return f'''resource "aws_security_group" "{name}" {{
  name_prefix = "{name}-"
  description = "Access to {name}"
  vpc_id      = var.vpc_id

  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = var.allowed_cidrs
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
'''


# ---- child modules: (main.tf, variables.tf, outputs.tf), call arguments ----


def mod_db(r):
    engine = r.choice(["postgres", "mysql", "mariadb"])
    main = header(r, "Relational database") + f'''resource "aws_db_instance" "this" {{
  identifier                = var.name
  engine                    = "{engine}"
  engine_version            = var.engine_version
  instance_class            = var.instance_class
  allocated_storage         = var.allocated_storage
  max_allocated_storage     = var.allocated_storage * 4
  storage_encrypted         = true
  multi_az                  = var.multi_az
  backup_retention_period   = var.backup_retention
  backup_window             = "03:00-04:00"
  maintenance_window        = "sun:04:30-sun:05:30"
  deletion_protection       = var.multi_az
  skip_final_snapshot       = false
  final_snapshot_identifier = "${{var.name}}-final"
  vpc_security_group_ids    = [aws_security_group.db.id]
  db_subnet_group_name      = var.subnet_group
  {tags_block(r, backup="daily").strip()}
}}

{sg(r, "db")}
resource "aws_ebs_volume" "scratch" {{
  availability_zone = var.availability_zone
  size              = {r.choice([20, 50, 100, 200])}
  type              = "gp3"
  encrypted         = true
  {tags_block(r, backup=r.choice(["daily", "weekly", None])).strip()}
}}
'''
    variables = header(r, "Database inputs") + f'''variable "name" {{
  type        = string
  description = "Identifier of the database"
}}

variable "engine_version" {{
  type    = string
  default = "{r.choice(["15.4", "8.0.35", "10.11.6"])}"
}}

variable "instance_class" {{
  type    = string
  default = "db.{r.choice(["t3", "m6g", "r6g"])}.{r.choice(["medium", "large", "xlarge"])}"
}}

variable "allocated_storage" {{
  type    = number
  default = {r.choice([20, 50, 100])}
}}

variable "multi_az" {{
  type    = bool
  default = {r.choice(["true", "false"])}
}}

variable "backup_retention" {{
  type    = number
  default = {r.choice([0, 7, 14])}
}}

variable "subnet_group" {{
  type    = string
  default = null
}}

variable "availability_zone" {{
  type    = string
  default = "eu-west-1a"
}}

variable "vpc_id" {{
  type = string
}}

variable "allowed_cidrs" {{
  type    = list(string)
  default = ["10.0.0.0/8"]
}}
'''
    outputs = header(r, "Database outputs") + '''output "endpoint" {
  value = aws_db_instance.this.endpoint
}

output "arn" {
  value = aws_db_instance.this.arn
}

output "scratch_volume_arn" {
  value = aws_ebs_volume.scratch.arn
}

output "security_group_id" {
  value = aws_security_group.db.id
}
'''
    args = {
        "multi_az": r.choice(["local.is_prod", "true", "false", "var.environment != \"dev\""]),
        "backup_retention": r.choice(["local.is_prod ? 14 : 1", "7", "0"]),
        "vpc_id": "var.vpc_id",
    }
    return (main, variables, outputs), args, "scratch_volume_arn"


def mod_aurora(r):
    n = r.choice(["1", "2", "var.reader_count + 1"])
    main = header(r, "Aurora cluster") + f'''resource "aws_rds_cluster" "this" {{
  cluster_identifier      = var.name
  engine                  = "aurora-postgresql"
  engine_version          = "15.4"
  master_username         = "app"
  manage_master_user_password = true
  backup_retention_period = var.backup_retention
  preferred_backup_window = "02:00-03:00"
  storage_encrypted       = true
  deletion_protection     = true
  vpc_security_group_ids  = [aws_security_group.cluster.id]
  {tags_block(r).strip()}
}}

resource "aws_rds_cluster_instance" "this" {{
  count              = {n}
  identifier         = "${{var.name}}-${{count.index}}"
  cluster_identifier = aws_rds_cluster.this.id
  instance_class     = var.instance_class
  engine             = aws_rds_cluster.this.engine
  engine_version     = aws_rds_cluster.this.engine_version
}}

{sg(r, "cluster")}'''
    variables = header(r, "Aurora inputs") + f'''variable "name" {{
  type = string
}}

variable "reader_count" {{
  type    = number
  default = {r.choice([0, 1, 2])}
}}

variable "instance_class" {{
  type    = string
  default = "db.r6g.large"
}}

variable "backup_retention" {{
  type    = number
  default = {r.choice([1, 7, 35])}
}}

variable "vpc_id" {{
  type = string
}}

variable "allowed_cidrs" {{
  type    = list(string)
  default = ["10.0.0.0/8"]
}}
'''
    outputs = header(r, "Aurora outputs") + '''output "cluster_arn" {
  value = aws_rds_cluster.this.arn
}

output "writer_endpoint" {
  value = aws_rds_cluster.this.endpoint
}

output "reader_endpoint" {
  value = aws_rds_cluster.this.reader_endpoint
}
'''
    args = {"reader_count": r.choice(["0", "1", "local.is_prod ? 2 : 0"]), "vpc_id": "var.vpc_id"}
    return (main, variables, outputs), args, None


def mod_cache(r):
    main = header(r, "Redis cache") + f'''resource "aws_elasticache_replication_group" "this" {{
  replication_group_id       = var.name
  description                = "Cache for ${{var.name}}"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.node_type
  num_cache_clusters         = var.nodes
  automatic_failover_enabled = var.nodes > 1
  multi_az_enabled           = var.nodes > 1
  snapshot_retention_limit   = var.snapshot_retention
  snapshot_window            = "01:00-02:00"
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  port                       = 6379
  security_group_ids         = [aws_security_group.cache.id]
  {tags_block(r).strip()}
}}

{sg(r, "cache")}'''
    variables = header(r, "Cache inputs") + f'''variable "name" {{
  type = string
}}

variable "node_type" {{
  type    = string
  default = "cache.{r.choice(["t4g.small", "r7g.large", "m7g.large"])}"
}}

variable "nodes" {{
  type    = number
  default = {r.choice([1, 2, 3])}
}}

variable "snapshot_retention" {{
  type    = number
  default = {r.choice([0, 1, 7])}
}}

variable "vpc_id" {{
  type = string
}}

variable "allowed_cidrs" {{
  type    = list(string)
  default = ["10.0.0.0/8"]
}}
'''
    outputs = header(r, "Cache outputs") + '''output "primary_endpoint" {
  value = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "arn" {
  value = aws_elasticache_replication_group.this.arn
}
'''
    args = {"nodes": r.choice(["1", "2", "local.is_prod ? 3 : 1"]), "vpc_id": "var.vpc_id"}
    return (main, variables, outputs), args, None


def mod_files(r):
    one_zone = r.random() < 0.4
    az = '\n  availability_zone_name = "eu-west-1a"' if one_zone else ""
    policy = r.random() < 0.6
    main = header(r, "Shared file system") + f'''resource "aws_efs_file_system" "this" {{
  creation_token   = var.name
  encrypted        = true
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"{az}

  lifecycle_policy {{
    transition_to_ia = "AFTER_30_DAYS"
  }}

  {tags_block(r, backup=r.choice(["daily", None])).strip()}
}}
''' + (f'''
resource "aws_efs_backup_policy" "this" {{
  file_system_id = aws_efs_file_system.this.id

  backup_policy {{
    status = "ENABLED"
  }}
}}
''' if policy else "") + f'''
resource "aws_efs_mount_target" "this" {{
  for_each        = toset(var.subnet_ids)
  file_system_id  = aws_efs_file_system.this.id
  subnet_id       = each.value
  security_groups = [aws_security_group.efs.id]
}}

{sg(r, "efs")}'''
    variables = header(r, "File system inputs") + '''variable "name" {
  type = string
}

variable "subnet_ids" {
  type    = list(string)
  default = []
}

variable "vpc_id" {
  type = string
}

variable "allowed_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

variable "throughput_alarm_threshold" {
  type        = number
  default     = 80
  description = "Percent of permitted throughput"
}
'''
    outputs = header(r, "File system outputs") + '''output "id" {
  value = aws_efs_file_system.this.id
}

output "arn" {
  value = aws_efs_file_system.this.arn
}

output "dns_name" {
  value = aws_efs_file_system.this.dns_name
}
'''
    return (main, variables, outputs), {"vpc_id": "var.vpc_id", "subnet_ids": "var.subnet_ids"}, "arn"


def mod_cert(r):
    main = header(r, "Public TLS certificates") + '''resource "aws_acm_certificate" "this" {
  domain_name               = var.domain_name
  subject_alternative_names = ["www.${var.domain_name}"]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "validation" {
  for_each = {
    for dvo in aws_acm_certificate.this.domain_validation_options : dvo.domain_name => dvo
  }
  zone_id = var.zone_id
  name    = each.value.resource_record_name
  type    = each.value.resource_record_type
  records = [each.value.resource_record_value]
  ttl     = 60
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}
''' + ('''
# An internal certificate nobody watches.
resource "aws_acm_certificate" "internal" {
  domain_name       = "internal.${var.domain_name}"
  validation_method = "DNS"
}
''' if r.random() < 0.3 else "")
    variables = header(r, "Certificate inputs") + '''variable "domain_name" {
  type = string
}

variable "zone_id" {
  type    = string
  default = "Z0000000000000"
}
'''
    outputs = header(r, "Certificate outputs") + '''output "certificate_arn" {
  value = aws_acm_certificate.this.arn
}

output "domain_name" {
  value = aws_acm_certificate.this.domain_name
}
'''
    return (main, variables, outputs), {"domain_name": f'"svc{r.randint(1, 9999)}.example.com"'}, None


MODULES = {"db": mod_db, "aurora": mod_aurora, "cache": mod_cache, "files": mod_files, "cert": mod_cert}

# ---- standalone root files ----


def f_dynamodb(r, ctx):
    out = header(r, "DynamoDB tables")
    for i in range(r.randint(1, 2)):
        pitr = r.choice(["true", "false", "local.is_prod"])
        out += f'''resource "aws_dynamodb_table" "t{i}" {{
  name         = "${{var.environment}}-table-{r.randint(1, 9999)}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {{
    name = "pk"
    type = "S"
  }}

  attribute {{
    name = "sk"
    type = "S"
  }}

  point_in_time_recovery {{
    enabled = {pitr}
  }}

  server_side_encryption {{
    enabled = true
  }}

  {tags_block(r, backup=r.choice(["daily", None])).strip()}
}}

'''
        ctx["backup_refs"].append(f"aws_dynamodb_table.t{i}.arn")
    return out


def f_compute(r, ctx):
    out = header(r, "Application servers") + f'''resource "aws_launch_template" "app" {{
  name_prefix   = "app-"
  image_id      = var.ami_id
  instance_type = "{r.choice(["t3.medium", "m6i.large", "c6i.xlarge"])}"
}}

resource "aws_autoscaling_group" "app" {{
  name                = "${{var.environment}}-app"
  min_size            = 2
  max_size            = 6
  vpc_zone_identifier = {r.choice(["var.subnet_ids", "[var.subnet_ids[0]]"])}

  launch_template {{
    id      = aws_launch_template.app.id
    version = "$Latest"
  }}
}}

resource "aws_instance" "bastion" {{
  ami           = var.ami_id
  instance_type = "t3.micro"
  subnet_id     = var.subnet_ids[0]

  ebs_block_device {{
    device_name = "/dev/sdf"
    volume_size = 20
  }}

  {tags_block(r, backup=r.choice(["daily", None])).strip()}
}}

resource "aws_ebs_volume" "logs" {{
  availability_zone = "eu-west-1b"
  size              = {r.choice([50, 100, 500])}
  type              = "gp3"
  {tags_block(r, backup=r.choice(["weekly", None])).strip()}
}}
'''
    ctx["backup_refs"].append("aws_ebs_volume.logs.arn")
    return out


def f_messaging(r, ctx):
    mode = r.choice(["SINGLE_INSTANCE", "ACTIVE_STANDBY_MULTI_AZ"])
    zone = r.choice(["true", "false"])
    return header(r, "Messaging and search") + f'''resource "aws_mq_broker" "events" {{
  broker_name        = "${{var.environment}}-events"
  engine_type        = "RabbitMQ"
  engine_version     = "3.11.20"
  host_instance_type = "mq.m5.large"
  deployment_mode    = "{mode}"
  subnet_ids         = var.subnet_ids

  user {{
    username = "app"
    password = var.mq_password
  }}
}}

resource "aws_opensearch_domain" "search" {{
  domain_name    = "${{var.environment}}-search"
  engine_version = "OpenSearch_2.11"

  cluster_config {{
    instance_type          = "r6g.large.search"
    instance_count         = {r.choice([1, 2, 3])}
    zone_awareness_enabled = {zone}
  }}

  ebs_options {{
    ebs_enabled = true
    volume_size = 100
  }}
}}
'''


def f_fsx(r, ctx):
    dt = r.choice(["SINGLE_AZ_2", "MULTI_AZ_1"])
    ctx["backup_refs"].append("aws_fsx_windows_file_system.share.arn")
    return header(r, "Windows file share") + f'''resource "aws_fsx_windows_file_system" "share" {{
  storage_capacity    = 300
  subnet_ids          = {"[var.subnet_ids[0]]" if dt.startswith("SINGLE") else "slice(var.subnet_ids, 0, 2)"}
  throughput_capacity = 32
  deployment_type     = "{dt}"
  preferred_subnet_id = var.subnet_ids[0]
  active_directory_id = var.directory_id

  automatic_backup_retention_days = {r.choice([0, 7, 30])}
  copy_tags_to_backups            = true
  {tags_block(r).strip()}
}}

resource "aws_iam_role" "fsx_ops" {{
  name = "${{var.environment}}-fsx-ops"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "ec2.amazonaws.com" }}
    }}]
  }})
}}
'''


def f_azure(r, ctx):
    return header(r, "Azure resources") + f'''resource "azurerm_resource_group" "main" {{
  name     = "${{var.environment}}-rg-{r.randint(1, 999)}"
  location = "westeurope"
}}

resource "azurerm_storage_account" "data" {{
  name                     = "st{r.randint(100000, 999999)}"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_tier             = "Standard"
  account_replication_type = "{r.choice(["LRS", "ZRS", "GRS", "RAGZRS"])}"
  min_tls_version          = "TLS1_2"
}}

resource "azurerm_postgresql_flexible_server" "db" {{
  name                         = "${{var.environment}}-pg-{r.randint(1, 999)}"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  version                      = "15"
  sku_name                     = "GP_Standard_D2s_v3"
  storage_mb                   = 65536
  backup_retention_days        = 14
  geo_redundant_backup_enabled = {r.choice(["true", "false"])}
''' + ('''
  high_availability {
    mode = "ZoneRedundant"
  }
''' if r.random() < 0.5 else "") + f'''}}

resource "azurerm_redis_cache" "cache" {{
  name                = "${{var.environment}}-redis-{r.randint(1, 999)}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  capacity            = 1
  family              = "P"
  sku_name            = "Premium"
  zones               = {r.choice(['["1"]', '["1", "2", "3"]'])}
}}
'''


def f_aks(r, ctx):
    return header(r, "Azure Kubernetes") + f'''resource "azurerm_kubernetes_cluster" "aks" {{
  name                = "${{var.environment}}-aks"
  location            = "westeurope"
  resource_group_name = "${{var.environment}}-rg"
  dns_prefix          = "${{var.environment}}aks"

  default_node_pool {{
    name       = "system"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
    zones      = {r.choice(['["1", "2", "3"]', '["1"]', "null"])}
  }}

  identity {{
    type = "SystemAssigned"
  }}
}}

resource "azurerm_mysql_flexible_server" "mysql" {{
  name                   = "${{var.environment}}-mysql"
  resource_group_name    = "${{var.environment}}-rg"
  location               = "westeurope"
  administrator_login    = "app"
  administrator_password = var.mysql_password
  sku_name               = "GP_Standard_D2ds_v4"
  backup_retention_days  = 7
}}
'''


def f_gcp(r, ctx):
    return header(r, "Google Cloud resources") + f'''resource "google_sql_database_instance" "main" {{
  name             = "${{var.environment}}-sql-{r.randint(1, 999)}"
  database_version = "POSTGRES_15"
  region           = "europe-west1"

  settings {{
    tier              = "db-custom-2-7680"
    availability_type = "{r.choice(["ZONAL", "REGIONAL"])}"

    backup_configuration {{
      enabled                        = {r.choice(["true", "false"])}
      point_in_time_recovery_enabled = true
      start_time                     = "02:00"
    }}

    ip_configuration {{
      ipv4_enabled    = false
      private_network = var.network_id
    }}
  }}
}}

resource "google_redis_instance" "cache" {{
  name           = "${{var.environment}}-redis"
  tier           = "{r.choice(["BASIC", "STANDARD_HA"])}"
  memory_size_gb = 4
  region         = "europe-west1"
}}
'''


def f_gke(r, ctx):
    loc = r.choice(['"europe-west1"', '"europe-west1-b"'])
    return header(r, "Google Kubernetes and instance groups") + f'''resource "google_container_cluster" "gke" {{
  name                     = "${{var.environment}}-gke"
  location                 = {loc}
  remove_default_node_pool = true
  initial_node_count       = 1
  network                  = var.network_id
}}

resource "google_compute_instance_template" "web" {{
  name_prefix  = "web-"
  machine_type = "e2-standard-2"

  disk {{
    source_image = "debian-cloud/debian-12"
  }}

  network_interface {{
    network = var.network_id
  }}
}}

resource "google_compute_instance_group_manager" "web" {{
  name               = "${{var.environment}}-web"
  base_instance_name = "web"
  zone               = "europe-west1-b"
  target_size        = 2

  version {{
    instance_template = google_compute_instance_template.web.id
  }}
}}
'''


def f_s3(r, ctx):
    return header(r, "Buckets") + f'''resource "aws_s3_bucket" "assets" {{
  bucket = "${{var.environment}}-assets-{r.randint(1, 99999)}"
  {tags_block(r).strip()}
}}

resource "aws_s3_bucket_versioning" "assets" {{
  bucket = aws_s3_bucket.assets.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_public_access_block" "assets" {{
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {{
  bucket = aws_s3_bucket.assets.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}
'''


STANDALONE = {
    "dynamodb.tf": f_dynamodb,
    "compute.tf": f_compute,
    "messaging.tf": f_messaging,
    "fsx.tf": f_fsx,
    "azure.tf": f_azure,
    "aks.tf": f_aks,
    "gcp.tf": f_gcp,
    "gke.tf": f_gke,
    "s3.tf": f_s3,
}


def root_variables(r):
    return header(r, "Root inputs") + f'''variable "environment" {{
  type    = string
  default = "{r.choice(["dev", "staging", "prod"])}"
}}

variable "vpc_id" {{
  type    = string
  default = "vpc-{r.randint(10**7, 10**8 - 1)}"
}}

variable "subnet_ids" {{
  type    = list(string)
  default = ["subnet-a", "subnet-b", "subnet-c"]
}}

variable "ami_id" {{
  type    = string
  default = "ami-0123456789abcdef0"
}}

variable "network_id" {{
  type    = string
  default = "projects/p/global/networks/main"
}}

variable "directory_id" {{
  type    = string
  default = "d-1234567890"
}}

variable "mq_password" {{
  type      = string
  sensitive = true
  default   = "change-me-please"
}}

variable "mysql_password" {{
  type      = string
  sensitive = true
  default   = "change-me-please"
}}
'''


def root_main(r, calls):
    out = header(r, "Root module") + f'''terraform {{
  required_version = ">= 1.5"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
  default_tags {{
    tags = {{ ManagedBy = "terraform" }}
  }}
}}

locals {{
  is_prod  = var.environment == "prod"
  services = toset({r.choice(['["orders", "billing"]', '["api"]', '["orders", "billing", "ledger"]'])})
  common_tags = {{
    Environment = var.environment
    Backup      = local.is_prod ? "daily" : "none"
  }}
}}
'''
    for kind, name, args, multi in calls:
        out += f'\nmodule "{name}" {{\n  source = "./modules/{kind}"\n'
        if multi == "for_each":
            out += "  for_each = local.services\n\n  name = \"${each.key}-" + kind + '"\n'
        elif multi == "count":
            out += "  count = local.is_prod ? 1 : 0\n\n  name = \"" + name + '"\n'
        elif kind != "cert":
            out += f'\n  name = "{name}"\n'
        else:
            out += "\n"
        for k, v in args.items():
            out += f"  {k} = {v}\n"
        out += "}\n"
    return out


def f_backup(r, ctx):
    refs = ", ".join(ctx["backup_refs"][:4])
    return header(r, "AWS Backup") + f'''resource "aws_backup_vault" "main" {{
  name = "${{var.environment}}-vault"
}}

resource "aws_backup_plan" "daily" {{
  name = "${{var.environment}}-daily"

  rule {{
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.main.name
    schedule          = "cron(0 3 * * ? *)"

    lifecycle {{
      delete_after = 35
    }}
  }}
}}

resource "aws_backup_selection" "tagged" {{
  name         = "tagged"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"

  selection_tag {{
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "daily"
  }}
}}

resource "aws_backup_selection" "explicit" {{
  name         = "explicit"
  plan_id      = aws_backup_plan.daily.id
  iam_role_arn = "arn:aws:iam::123456789012:role/backup"
  resources    = [{refs}]
}}
'''


def f_monitoring(r, ctx):
    out = header(r, "Certificate expiry alarms")
    for i, ref in enumerate(ctx["cert_refs"]):
        out += f'''resource "aws_cloudwatch_metric_alarm" "cert_expiry_{i}" {{
  alarm_name          = "certificate-expiry-{i}"
  namespace           = "AWS/CertificateManager"
  metric_name         = "DaysToExpiry"
  statistic           = "Minimum"
  period              = 86400
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = 30
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  dimensions = {{
    CertificateArn = {ref}
  }}
}}

'''
    out += f'''resource "aws_sns_topic" "alerts" {{
  name = "${{var.environment}}-alerts"
}}

resource "aws_cloudwatch_metric_alarm" "errors" {{
  alarm_name          = "${{var.environment}}-5xx"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = {r.choice([3, 5, 10])}
  comparison_operator = "GreaterThanThreshold"
  threshold           = {r.choice([10, 50, 100])}
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
}}
'''
    return out


def project(r, budget):
    """Return {relative path: text} with exactly `budget` (>= 1) files."""
    if budget == 1:
        ctx = {"backup_refs": [], "cert_refs": []}
        return {"main.tf": root_variables(r) + "\n" + f_dynamodb(r, ctx)}
    files = {}
    ctx = {"backup_refs": [], "cert_refs": []}
    remaining = budget - 2  # variables.tf + main.tf
    calls = []
    kinds = list(MODULES)
    r.shuffle(kinds)
    target_mods = r.randint(2, 5)
    for kind in kinds[:target_mods]:
        if remaining < 3 + 2:  # keep room for backup.tf / monitoring.tf
            break
        (main, variables, outputs), args, backup_out = MODULES[kind](r)
        name = kind
        multi = r.choice([None, None, "for_each", "count"]) if kind != "cert" else None
        files[f"modules/{kind}/main.tf"] = main
        files[f"modules/{kind}/variables.tf"] = variables
        files[f"modules/{kind}/outputs.tf"] = outputs
        calls.append((kind, name, args, multi))
        remaining -= 3
        if backup_out and multi is None:
            ctx["backup_refs"].append(f"module.{name}.{backup_out}")
        elif backup_out and multi == "for_each":
            ctx["backup_refs"].append(f'module.{name}["orders"].{backup_out}')
        if kind == "cert" and r.random() < 0.8:
            ctx["cert_refs"].append(f"module.{name}.certificate_arn")
    extra_slots = 2 if remaining >= 2 else remaining  # backup.tf, monitoring.tf
    names = list(STANDALONE)
    r.shuffle(names)
    for fname in names[: max(0, remaining - extra_slots)]:
        files[fname] = STANDALONE[fname](r, ctx)
    remaining -= min(len(names), max(0, remaining - extra_slots))
    # Pad with more standalone files if the budget is still not met.
    i = 0
    while remaining > extra_slots:
        fname = names[i % len(names)]
        # Rename resources to keep addresses unique within the module.
        files[f"extra{i}_{fname}"] = _suffix_names(STANDALONE[fname](r, ctx), f"x{i}")
        remaining -= 1
        i += 1
    if remaining >= 1:
        files["backup.tf"] = f_backup(r, ctx) if ctx["backup_refs"] else f_s3(r, ctx)
        remaining -= 1
    if remaining >= 1:
        files["monitoring.tf"] = f_monitoring(r, ctx)
        remaining -= 1
    files["variables.tf"] = root_variables(r)
    files["main.tf"] = root_main(r, calls)
    assert len(files) == budget, (len(files), budget)
    return {k: _describe(v) for k, v in files.items()}


def _describe(text):
    """Give every variable and output a description, as linters and registries ask."""
    import re

    def add(m):
        kind, name, body = m.group(1), m.group(2), m.group(3)
        if "description" in body:
            return m.group(0)
        what = "Input" if kind == "variable" else "Exported"
        words = name.replace("_", " ")
        return f'{kind} "{name}" {{\n  description = "{what}: {words} (see the module README)"{body}}}'

    return re.sub(r'^(variable|output) "([^"]+)" \{(\n.*?^)\}', add, text, flags=re.M | re.S)


def _suffix_names(text, suffix):
    import re

    return re.sub(r'^(resource "[^"]+" ")([^"]+)"', lambda m: f'{m.group(1)}{m.group(2)}_{suffix}"', text, flags=re.M)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of .tf files to write")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=20261124)
    a = ap.parse_args()
    if a.n < 1:
        sys.exit("N must be >= 1")
    if os.path.exists(a.outdir) and os.listdir(a.outdir):
        sys.exit(f"{a.outdir} exists and is not empty")
    r = random.Random(a.seed)
    written = 0
    p = 0
    lines = 0
    while written < a.n:
        size = min(a.n - written, r.randint(12, 24))
        for rel, text in project(r, size).items():
            path = os.path.join(a.outdir, f"project{p:05d}", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            lines += text.count("\n")
        written += size
        p += 1
    print(f"{written} files, {lines} lines, {p} projects in {a.outdir}")


if __name__ == "__main__":
    main()
