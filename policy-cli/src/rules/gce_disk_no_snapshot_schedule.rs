use super::{Rule, RuleCtx};
use crate::eval::Instance;
use crate::graph::Graph;

declare_rule! {
    /// ## What it does
    /// Checks that every `google_compute_disk` and `google_compute_region_disk` is backed
    /// up. A disk counts as backed up when
    ///
    /// - its `resource_policies` list a snapshot schedule;
    /// - a `google_compute_disk_resource_policy_attachment` (or
    ///   `google_compute_region_disk_resource_policy_attachment`) has `disk` referring to it,
    ///   by reference or by its literal name;
    /// - a `google_backup_dr_backup_plan_association` has `resource` referring to it, or to
    ///   a `google_compute_instance` the disk is attached to (in the instance's
    ///   `attached_disk`/`boot_disk`, or by a `google_compute_attached_disk`);
    /// - or a `reliability_backup_plan` lists it in `targets`.
    ///
    /// Google Cloud takes no snapshots of a disk unless a schedule asks for them. When an
    /// attachment's disk or a plan's resource cannot be known, nothing is reported.
    /// Coverage is per instance: a policy attachment or VM that names one instance of a disk
    /// with `count`/`for_each` (`google_compute_disk.data["a"]`) covers that instance only.
    ///
    /// ## Why is this bad?
    /// A persistent disk is replicated, not backed up: a deleted disk, a bad migration,
    /// corruption or ransomware leaves no point in time to restore. Snapshot schedules
    /// are easy to forget when the policy is written apart from the disk.
    ///
    /// ## Example
    /// ```hcl
    /// resource "google_compute_disk" "data" {
    ///   name = "data"
    ///   zone = "europe-west1-b"
    ///   size = 100
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "google_compute_resource_policy" "daily" {
    ///   name   = "daily"
    ///   region = "europe-west1"
    ///   snapshot_schedule_policy {
    ///     schedule {
    ///       daily_schedule {
    ///         days_in_cycle = 1
    ///         start_time    = "04:00"
    ///       }
    ///     }
    ///     retention_policy {
    ///       max_retention_days = 14
    ///     }
    ///   }
    /// }
    ///
    /// resource "google_compute_disk_resource_policy_attachment" "data" {
    ///   name = google_compute_resource_policy.daily.name
    ///   disk = google_compute_disk.data.name
    ///   zone = "europe-west1-b"
    /// }
    /// ```
    ///
    /// ## References
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_disk#resource_policies
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_disk_resource_policy_attachment
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/compute_resource_policy
    /// - https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/backup_dr_backup_plan_association
    /// - https://cloud.google.com/compute/docs/disks/scheduled-snapshots
    pub struct GceDiskNoSnapshotSchedule {
        id: "RC212",
        name: "gce-disk-no-snapshot-schedule",
        category: Backup,
        severity: Warning,
        types: ["google_compute_disk", "google_compute_region_disk"],
    }
}

const ATTACHMENTS: [&str; 2] = [
    "google_compute_disk_resource_policy_attachment",
    "google_compute_region_disk_resource_policy_attachment",
];
const ASSOCIATION: &str = "google_backup_dr_backup_plan_association";

/// Attachments, associations or plans whose target could be any disk.
fn any_opaque(g: &Graph) -> bool {
    let opaque = |rtype: &str, attr: &str| {
        g.of_type(rtype).iter().any(|i| {
            !i.count_known
                || i.body
                    .value(attr)
                    .is_some_and(|v| v.contains_opaque_unknown())
        })
    };
    ATTACHMENTS.iter().any(|t| opaque(t, "disk"))
        || opaque(ASSOCIATION, "resource")
        || opaque("reliability_backup_plan", "targets")
}

enum Cover {
    Yes,
    No,
    Unknown,
}

fn covered(inst: &Instance, cx: &mut RuleCtx) -> Cover {
    match inst.body.value("resource_policies") {
        Some(v) if v.as_list().is_some_and(|l| !l.is_empty()) => return Cover::Yes,
        Some(v) if v.contains_unknown() => return Cover::Unknown,
        _ => {}
    }
    let g = cx.graph;
    let refers = |rtype: &str, attr: &str, target: &Instance| {
        g.referrers_of(target, rtype).iter().any(|i| {
            i.body
                .value(attr)
                .is_some_and(|v| v.refers_to_instance(&target.base, &target.address))
        })
    };
    if ATTACHMENTS.iter().any(|t| refers(t, "disk", inst))
        || refers(ASSOCIATION, "resource", inst)
        || refers("reliability_backup_plan", "targets", inst)
    {
        return Cover::Yes;
    }
    // Backed up with the instance it is attached to (in the instance, or through a
    // `google_compute_attached_disk`).
    for vm in g.referrers_of(inst, "google_compute_instance") {
        if refers(ASSOCIATION, "resource", vm) {
            return Cover::Yes;
        }
    }
    for att in g.referrers_of(inst, "google_compute_attached_disk") {
        let mut vms = Vec::new();
        if let Some(v) = att.body.value("instance") {
            v.collect_refs(&mut vms);
        }
        let vms = vms.into_iter().flat_map(|r| g.resolve(r));
        if vms.into_iter().any(|vm| refers(ASSOCIATION, "resource", vm)) {
            return Cover::Yes;
        }
    }
    if cx.fact("gce-disk-no-snapshot-schedule/opaque", any_opaque) {
        return Cover::Unknown;
    }
    // An attachment naming the disk literally.
    let name = inst.body.value("name").and_then(|v| v.as_str());
    for t in ATTACHMENTS {
        for a in g.of_type(t) {
            match (a.body.value("disk").and_then(|v| v.as_str()), name) {
                (Some(d), Some(n)) if d == n || d.ends_with(&format!("/disks/{n}")) => {
                    return Cover::Yes
                }
                (Some(_), None) => return Cover::Unknown,
                _ => {}
            }
        }
    }
    Cover::No
}

impl Rule for GceDiskNoSnapshotSchedule {
    fn meta(&self) -> &'static super::RuleMeta {
        &Self::META
    }

    fn check(&self, inst: &Instance, cx: &mut RuleCtx) {
        if let Cover::No = covered(inst, cx) {
            let attachment = if inst.rtype == "google_compute_region_disk" {
                "google_compute_region_disk_resource_policy_attachment"
            } else {
                "google_compute_disk_resource_policy_attachment"
            };
            let message = match inst.body.attr("resource_policies") {
                Some(a) => format!(
                    "resource_policies is {} and no snapshot schedule is attached: `{}` has no backup",
                    super::quote(a),
                    inst.address
                ),
                None => format!(
                    "`{}` has no snapshot schedule: no resource_policies, {attachment}, backup plan association or reliability_backup_plan refers to it",
                    inst.address
                ),
            };
            cx.report(
                self,
                inst,
                inst.body.attr("resource_policies"),
                message,
                format!("attach a `google_compute_resource_policy` with a `snapshot_schedule_policy`: `resource_policies = [<policy>.id]` on the disk or a `{attachment}` with `disk = <this disk>.name`, or a `google_backup_dr_backup_plan_association`"),
            );
        }
    }
}
