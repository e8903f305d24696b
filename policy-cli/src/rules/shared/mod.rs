//! Helpers shared by several rules (a rule does not import another rule), by topic:
//! zones (subnets, zone lists, Google Cloud locations), cluster membership, backup
//! coverage, AWS Backup vaults (names, accounts) and SLO tiers, labels and durations. Each topic file holds what several rules
//! ask alike, and the reports several rules make alike.

mod backup;
mod cluster;
mod selection;
mod slo;
mod vault;
mod zones;

pub use backup::{backup_cover, pitr_enabled, report_missing_plan_block, selection_covers, Cover};
pub use cluster::{autoscaled_min, cluster_members, members_message, report_few_members};
pub use selection::Tri;
pub use slo::{duration_secs, is_page, label, slo_alert_name, tier, tier_disabled};
pub use vault::{derived_from_managed, destination_in_vault_account, names_instance, names_vault};
pub use zones::{
    is_zone, report_few_zones, report_single_zone_list, report_subnets_in_one_zone,
    subnets_in_one_zone, zoneless_region_help, OneZone,
};

use crate::eval::EvalBody;

/// Whether a replica's source attribute (`replicate_source_db`,
/// `replication_source_identifier`, `master_instance_name`) makes the resource a replica: set, and neither null nor
/// the empty string (modules default it to `""` for "not a replica"). Unknown counts as a
/// replica: the resource may be one.
pub fn is_replica_of(body: &EvalBody, source_attr: &str) -> bool {
    body.attr(source_attr)
        .is_some_and(|a| !a.value.is_null() && a.value.as_str() != Some(""))
}
