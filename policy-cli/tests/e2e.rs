//! End-to-end: runs the `relcheck` binary on fixture trees and compares its JSON output
//! (and exit status) with `fixtures/e2e/expected/<case>.json`.
//! Set `RELCHECK_BLESS=1` to rewrite the expected files after reviewing a change.

mod support;

use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    support::fixture("e2e")
}

struct Run {
    stdout: String,
    json: serde_json::Value,
    code: i32,
    stderr: String,
}

fn run(args: &[&str], path: &Path) -> Run {
    let path = path.to_str().expect("UTF-8 path");
    let all: Vec<&str> = ["check", "--format", "json"]
        .into_iter()
        .chain(args.iter().copied())
        .chain([path])
        .collect();
    let out = support::relcheck(None, &all);
    Run {
        json: out.json(),
        stdout: out.stdout,
        code: out.code,
        stderr: out.stderr,
    }
}

fn compare(case: &str, run: &Run) {
    let expected_path = fixtures().join("expected").join(format!("{case}.json"));
    // The raw output: field order is part of the contract.
    let actual = run.stdout.clone();
    if std::env::var_os("RELCHECK_BLESS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
    assert_eq!(actual, expected, "JSON output of case `{case}` changed");
}

fn resources(run: &Run, rule: &str) -> Vec<String> {
    run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["resource"].as_str().unwrap().to_string())
        .collect()
}

/// Modules (for_each, count = 0), tfvars and auto.tfvars, conditionals, lookup, and
/// cross-resource coverage through module outputs and tags.
#[test]
fn project_with_modules_tfvars_and_coverage() {
    let r = run(&[], &fixtures().join("project"));
    compare("project", &r);
    assert_eq!(r.code, 1);
    // prod (terraform.tfvars) makes orders multi-AZ; billing stays single-AZ
    assert_eq!(
        resources(&r, "RC101"),
        ["module.db[\"billing\"].aws_db_instance.this"]
    );
    // lookup() gives billing retention 0
    assert_eq!(
        resources(&r, "RC201"),
        ["module.db[\"billing\"].aws_db_instance.this"]
    );
    // module "cache" has count = 0 (prod.auto.tfvars): nothing reported inside it
    assert!(resources(&r, "RC103").is_empty());
    // the alarm refers to module.acm's certificate through an output; the wildcard is unwatched
    assert_eq!(
        resources(&r, "RC301"),
        ["module.acm.aws_acm_certificate.wildcard"]
    );
    // tagged volume (Backup = daily in prod) and module.db["orders"]'s volume are covered
    assert_eq!(
        resources(&r, "RC206"),
        [
            "aws_ebs_volume.forgotten",
            "module.db[\"billing\"].aws_ebs_volume.data"
        ]
    );
}

/// AWS rules through local modules: subnets whose zones come from module arguments and
/// tfvars, a bucket module whose versioning resource is switched by `count`, DocumentDB
/// instances counted from tfvars, and a DynamoDB gap reported once.
#[test]
fn aws_project_through_modules() {
    let r = run(&[], &fixtures().join("aws"));
    compare("aws", &r);
    assert_eq!(r.code, 1);
    // module.cramped's subnets are all in eu-west-1a (terraform.tfvars); module.spread's
    // are in two zones
    assert_eq!(resources(&r, "RC107"), ["aws_autoscaling_group.batch"]);
    assert_eq!(resources(&r, "RC121"), ["aws_eks_node_group.workers"]);
    assert!(resources(&r, "RC123").is_empty());
    assert_eq!(
        resources(&r, "RC207"),
        ["module.exports.aws_s3_bucket.this"]
    );
    assert_eq!(resources(&r, "RC117"), ["aws_docdb_cluster.docs"]);
    assert_eq!(resources(&r, "RC118"), ["aws_elasticache_cluster.sessions"]);
    assert_eq!(resources(&r, "RC120"), ["aws_memorydb_cluster.cart"]);
    assert_eq!(resources(&r, "RC208"), ["aws_backup_plan.daily"]);
    assert_eq!(resources(&r, "RC209"), ["aws_redshift_cluster.warehouse"]);
    assert_eq!(resources(&r, "RC206"), ["aws_dynamodb_table.orders"]);
    assert!(resources(&r, "RC202").is_empty());
}

/// Azure and GCP rules through modules, tfvars and conditionals, with coverage and
/// certificate watches followed through module outputs.
#[test]
fn azure_and_gcp_project() {
    let r = run(&[], &fixtures().join("azure_gcp"));
    compare("azure_gcp", &r);
    assert_eq!(r.code, 1);
    // module.vm["api"]'s VM is protected through the module output; "batch" is not
    assert_eq!(
        resources(&r, "RC211"),
        ["module.vm[\"batch\"].azurerm_linux_virtual_machine.this"]
    );
    assert_eq!(
        resources(&r, "RC212"),
        [
            "module.vm[\"api\"].google_compute_disk.data",
            "module.vm[\"batch\"].google_compute_disk.data"
        ]
    );
    // three zones from terraform.tfvars for "general"; "batch" is pinned to one
    assert_eq!(
        resources(&r, "RC128"),
        ["module.gke.google_container_node_pool.batch"]
    );
    // prod (terraform.tfvars): three zones, versioning on, a Premium plan without balancing
    assert!(resources(&r, "RC125").is_empty());
    assert!(resources(&r, "RC210").is_empty());
    assert_eq!(resources(&r, "RC126"), ["azurerm_service_plan.web"]);
    assert_eq!(resources(&r, "RC131"), ["google_redis_cluster.cache"]);
    // the ingress certificate is watched from the root through the module's output
    assert_eq!(
        resources(&r, "RC301"),
        ["google_compute_ssl_certificate.web"]
    );
    // no zonal cluster: RC114 says nothing, and RC128 does not report for it
    assert!(resources(&r, "RC114").is_empty());
}

/// A broken and a non-UTF-8 file are reported with positions; the others are still checked.
#[test]
fn broken_file_next_to_good_ones() {
    let r = run(&[], &fixtures().join("broken"));
    compare("broken", &r);
    assert_eq!(r.code, 2);
    let errors = r.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["file"], "broken.tf");
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(resources(&r, "RC105"), ["aws_mq_broker.events"]);
}

/// Registry modules installed by `terraform init` are evaluated; others are skipped once.
#[test]
fn installed_registry_module() {
    // The root is a subdirectory: paths stay relative to the path given.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("live");
    std::fs::create_dir_all(&root).unwrap();
    copy_dir(&fixtures().join("installed"), &root);
    std::fs::rename(root.join("dot-terraform"), root.join(".terraform")).unwrap();
    let r = run(&[], tmp.path());
    compare("installed", &r);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("module.not_downloaded"),
        "stderr: {}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("module.not_downloaded").count(), 1);
    // The installed module is checked through its call only, not also as a root module
    // with its own defaults (retention 0 there, 7 from the call).
    assert!(resources(&r, "RC201").is_empty(), "{}", r.stdout);
    assert_eq!(
        resources(&r, "RC101"),
        ["module.db.aws_db_instance.this[0]"]
    );
}

/// Without values, variables without defaults are unknown: no finding, exit 0.
#[test]
fn unknown_variables_give_no_false_alarm() {
    let r = run(&[], &fixtures().join("vars"));
    assert_eq!(r.code, 0);
    assert!(r.json["findings"].as_array().unwrap().is_empty());
}

/// `--var` and `--var-file` set root variables (a string `false` becomes a bool).
#[test]
fn var_and_var_file() {
    let var_file = fixtures().join("vars.tfvars");
    let r = run(
        &[
            "--var",
            "multi_az=false",
            "--var-file",
            var_file.to_str().unwrap(),
        ],
        &fixtures().join("vars"),
    );
    compare("vars", &r);
    assert_eq!(r.code, 1);
    assert_eq!(resources(&r, "RC101"), ["aws_db_instance.main"]);
    assert_eq!(resources(&r, "RC115"), ["google_redis_instance.cache"]);
    // --fail-on error: warnings do not fail
    let r = run(
        &["--var", "multi_az=false", "--fail-on", "error"],
        &fixtures().join("vars"),
    );
    assert_eq!(r.code, 0);
}

/// `.tf.json` files are read too.
#[test]
fn tf_json() {
    let r = run(&[], &fixtures().join("tfjson"));
    compare("tfjson", &r);
    assert_eq!(resources(&r, "RC112"), ["azurerm_storage_account.data"]);
    assert!(resources(&r, "RC202").is_empty(), "PITR enabled in JSON");
}

/// A path that does not exist: exit 2 with an error entry.
#[test]
fn missing_path() {
    let r = run(&[], &fixtures().join("does-not-exist"));
    assert_eq!(r.code, 2);
    assert_eq!(r.json["errors"].as_array().unwrap().len(), 1);
}

/// `rules` lists every rule; `explain` prints the documentation.
#[test]
fn rules_and_explain() {
    let text = support::relcheck(None, &["rules"]).stdout;
    for r in relcheck::rules::RULES {
        assert!(text.contains(r.meta().id) && text.contains(r.meta().name));
    }
    let out = support::relcheck(None, &["explain", "RC101"]);
    assert_eq!(out.code, 0);
    let text = out.stdout;
    assert!(text.contains("db-instance-single-az"));
    assert!(text.contains("## Why is this bad?"));
    assert!(text.contains("multi_az = true"));
    assert_eq!(support::relcheck(None, &["explain", "RC999"]).code, 2);
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A file on the command line (pre-commit style): its module (directory) is evaluated as a
/// whole, so coverage from sibling files counts, but only findings in that file are shown.
#[test]
fn file_argument_uses_its_whole_module() {
    let r = run(&[], &fixtures().join("project").join("main.tf"));
    assert_eq!(r.code, 1);
    // the tagged volume is covered by the selection in monitoring.tf
    assert_eq!(resources(&r, "RC206"), ["aws_ebs_volume.forgotten"]);
    let files: Vec<&str> = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.iter().all(|f| *f == "main.tf"), "{files:?}");
}

/// Evaluated like Terraform (issue 24): one instance's backup policy does not cover its
/// sibling, an alarm reaches module.acm's certificate through the validation's
/// `certificate_arn`, try() falls through failing `tobool`, and a flattened selection keeps
/// every element's reference.
#[test]
fn instances_paths_function_errors_and_collections() {
    let r = run(&[], &fixtures().join("instances"));
    compare("instances", &r);
    assert_eq!(r.code, 1);
    assert_eq!(
        resources(&r, "RC206"),
        ["aws_efs_file_system.shared[\"b\"]"]
    );
    assert!(resources(&r, "RC301").is_empty());
    assert_eq!(
        resources(&r, "RC207"),
        ["module.assets.aws_s3_bucket.this[0]"]
    );
}

/// Default tags come from the provider configuration a resource uses, also through a
/// module call's `providers` map (issue 24).
#[test]
fn default_tags_per_provider_configuration() {
    let r = run(&[], &fixtures().join("providers"));
    compare("providers", &r);
    assert_eq!(r.code, 1);
    assert_eq!(
        resources(&r, "RC206"),
        ["module.replica.aws_ebs_volume.this"]
    );
}

/// `.tf.json` templates with quoted strings inside `${ }` parse as Terraform parses them,
/// and one unreadable template is reported at its position without dropping the file
/// (issue 24).
#[test]
fn tf_json_templates_and_one_bad_expression() {
    let r = run(&[], &fixtures().join("tfjson_templates"));
    compare("tfjson_templates", &r);
    assert_eq!(r.code, 2);
    assert_eq!(resources(&r, "RC101"), ["aws_db_instance.main"]);
    assert_eq!(
        resources(&r, "RC103"),
        ["aws_elasticache_replication_group.sessions"]
    );
    let errors = r.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(17), Some(17))
    );
}

/// AWS Backup selections as AWS selects (issue 24): ARN wildcards ORed with tags, the
/// condition's keys ANDed, `not_resources` excluded; through a module written like
/// cloudposse/terraform-aws-backup.
#[test]
fn backup_selections_select_like_aws() {
    let r = run(&[], &fixtures().join("selections"));
    compare("selections", &r);
    assert_eq!(r.code, 1);
    assert_eq!(
        resources(&r, "RC206"),
        ["aws_ebs_volume.staging", "aws_ebs_volume.tmp"]
    );
}

/// One node group per zone is fine, a single-zone group without a sibling is not; a scale
/// set in a region without availability zones is reported with a help line that says so
/// (issue 24).
#[test]
fn node_group_siblings_and_regions_without_zones() {
    let r = run(&[], &fixtures().join("cloud_zones"));
    compare("cloud_zones", &r);
    assert_eq!(r.code, 1);
    assert_eq!(resources(&r, "RC121"), ["aws_eks_node_group.gpu"]);
    let west = r.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "RC124")
        .expect("RC124 finding");
    assert!(west["help"]
        .as_str()
        .unwrap()
        .starts_with("region \"West US\" has no availability zones"));
}

/// RC503 routes pages as Alertmanager would (issue 24): an SLO's page-tier labels reach the
/// team's pager, a page with no route falls to tickets, a page routed to a receiver without
/// integrations is dropped, and labels an alert's series may carry stay unknown.
#[test]
fn pages_routed_as_alertmanager_would() {
    let r = run(&[], &fixtures().join("routing"));
    compare("routing", &r);
    assert_eq!(r.code, 1);
    assert_eq!(
        resources(&r, "RC503"),
        ["reliability_slo.search", "reliability_alert.watchdog"]
    );
}

/// Backups that survive the bad day (issue 25): a destroy that takes the backups along
/// (protections set through modules and terraform.tfvars count, count = 0 and unknowns stay
/// silent), an erasable vault and an untested plan next to a locked, restore-tested one
/// (restore.tf), through modules written like terraform-aws-modules/terraform-aws-rds and
/// cloudposse/terraform-aws-backup.
#[test]
fn backups_after_the_bad_day() {
    let r = run(&[], &fixtures().join("backups_after"));
    compare("backups_after", &r);
    assert_eq!(r.code, 1);
    assert_eq!(
        resources(&r, "RC213"),
        [
            "google_sql_database_instance.reported",
            "module.dev.aws_db_instance.this[0]"
        ]
    );
    assert_eq!(
        resources(&r, "RC214"),
        ["module.backup.aws_backup_vault.default"]
    );
    assert_eq!(
        resources(&r, "RC215"),
        ["module.backup.aws_backup_plan.default"]
    );
}
