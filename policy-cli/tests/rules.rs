//! One fixture pair per rule: `fixtures/rules/<rule_file>/{bad,good}/`. The bad fixture's
//! rendered text output (only this rule's findings) is an insta snapshot; the good fixture
//! must give no finding of the rule.

use std::collections::HashSet;
use std::path::PathBuf;

use relcheck::rules::{self, RULES};
use relcheck::{check, render, Inputs};

fn fixture(rule_file: &str, case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(rule_file)
        .join(case)
}

fn rule_test(rule_file: &str, id: &str) {
    let rule = rules::find(id).expect("rule exists");
    assert_eq!(
        rule.meta().name.replace('-', "_"),
        rule_file,
        "file name is the rule name"
    );

    let mut bad = check(&[fixture(rule_file, "bad")], &Inputs::default());
    assert!(bad.errors.is_empty(), "bad fixture loads: {:?}", bad.errors);
    bad.findings.retain(|f| f.rule.id == id);
    assert!(!bad.findings.is_empty(), "{id} reports on its bad fixture");
    let text = render::text::render(&bad, false);
    insta::assert_snapshot!(format!("{rule_file}"), text);

    let good = check(&[fixture(rule_file, "good")], &Inputs::default());
    assert!(
        good.errors.is_empty(),
        "good fixture loads: {:?}",
        good.errors
    );
    let hits: Vec<String> = good
        .findings
        .iter()
        .filter(|f| f.rule.id == id)
        .map(|f| format!("{}: {}", f.resource, f.message))
        .collect();
    assert!(
        hits.is_empty(),
        "{id} must not report on its good fixture: {hits:#?}"
    );
}

macro_rules! rule_tests {
    ($($file:ident => $id:literal,)*) => {
        $(
            #[test]
            fn $file() {
                rule_test(stringify!($file), $id);
            }
        )*

        #[test]
        fn every_rule_has_a_test() {
            let tested: HashSet<&str> = [$($id),*].into_iter().collect();
            for r in RULES {
                assert!(tested.contains(r.meta().id), "{} has no fixture test", r.meta().id);
            }
            assert_eq!(tested.len(), RULES.len());
        }
    };
}

rule_tests! {
    db_instance_single_az => "RC101",
    rds_cluster_single_instance => "RC102",
    elasticache_no_failover => "RC103",
    efs_one_zone => "RC104",
    mq_broker_single_instance => "RC105",
    opensearch_no_zone_awareness => "RC106",
    autoscaling_group_single_az => "RC107",
    fsx_single_az => "RC108",
    aks_default_pool_zones => "RC109",
    azure_db_no_high_availability => "RC110",
    azure_redis_single_zone => "RC111",
    azure_storage_lrs => "RC112",
    cloudsql_zonal_availability => "RC113",
    gke_zonal_cluster => "RC114",
    google_redis_basic_tier => "RC115",
    zonal_instance_group_manager => "RC116",
    azure_vmss_no_zones => "RC124",
    aks_node_pool_zones => "RC125",
    azure_service_plan_no_zone_balancing => "RC126",
    gke_node_pool_single_zone => "RC128",
    filestore_zonal_tier => "RC129",
    alloydb_zonal_instance => "RC130",
    google_redis_cluster_no_replicas => "RC131",
    db_backup_retention_zero => "RC201",
    dynamodb_pitr_disabled => "RC202",
    elasticache_no_snapshots => "RC203",
    cloudsql_backups_disabled => "RC204",
    azure_db_no_geo_backup => "RC205",
    backup_coverage => "RC206",
    gcs_bucket_no_versioning => "RC210",
    azure_vm_backup_coverage => "RC211",
    gce_disk_no_snapshot_schedule => "RC212",
    certificate_expiry_unmonitored => "RC301",
    slo_objective_unrealistic => "RC401",
    slo_alerting_disabled => "RC402",
    alert_page_no_runbook => "RC501",
    alert_page_no_for => "RC502",
    backup_plan_no_restore_test => "RC601",
    backup_plan_no_offsite_copy => "RC602",
    backup_plan_rto_too_long => "RC603",
}

#[test]
fn metadata_is_consistent() {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for r in RULES {
        let m = r.meta();
        assert!(ids.insert(m.id), "duplicate id {}", m.id);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        assert!(m.id.len() == 5 && m.id.starts_with("RC"), "id {}", m.id);
        assert!(
            m.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "kebab-case name {}",
            m.name
        );
        let doc = m.documentation();
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## References",
        ] {
            assert!(doc.contains(section), "{} doc lacks `{section}`", m.id);
        }
        assert!(!m.types.is_empty());
        assert!(!m.summary().is_empty());
    }
}

/// The AWS provider's `default_tags` count for tag-based backup selections.
#[test]
fn backup_coverage_sees_provider_default_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = |default_tags: &str| {
        format!(
            r#"
provider "aws" {{
  default_tags {{
    tags = {default_tags}
  }}
}}
resource "aws_ebs_volume" "data" {{
  size = 10
}}
resource "aws_backup_selection" "daily" {{
  selection_tag {{
    type  = "STRINGEQUALS"
    key   = "Backup"
    value = "daily"
  }}
}}
"#
        )
    };
    let coverage = |text: String| {
        std::fs::write(tmp.path().join("main.tf"), text).unwrap();
        let r = check(&[tmp.path().to_path_buf()], &Inputs::default());
        r.findings.iter().filter(|f| f.rule.id == "RC206").count()
    };
    assert_eq!(coverage(cfg(r#"{ Backup = "daily" }"#)), 0);
    assert_eq!(coverage(cfg(r#"{ Backup = "never" }"#)), 1);
    assert_eq!(
        coverage(cfg("var.unknown_tags")),
        0,
        "unknown default tags: no false alarm"
    );
}

/// The README's rule table lists every rule (it is generated from `relcheck rules`).
#[test]
fn readme_lists_every_rule() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    for r in RULES {
        let m = r.meta();
        let row = format!(
            "| {} | `{}` | {} | {} |",
            m.id,
            m.name,
            m.category.as_str(),
            m.severity.as_str()
        );
        assert!(readme.contains(&row), "README lacks `{row}`");
    }
}
