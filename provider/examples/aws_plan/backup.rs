//! AWS Backup and RDS cluster types of the `hashicorp/aws` stand-in, and its
//! `aws_caller_identity` data source: attribute names, nesting and optional/computed flags
//! as the provider's documentation (website/docs/r/backup_*.html.markdown,
//! rds_cluster.html.markdown) and schema give them, with the defaults it plans. Only the
//! attributes relcheck's rules or the tests read, plus the required ones.

use async_trait::async_trait;
use tf_provider::schema::Schema;
use tf_provider::value::{ValueAny, ValueEmpty};
use tf_provider::{DataSource, Diagnostics};

use super::{list, schema_of, Attr, Blk, Default, Spec, Ty, ARN, ID, KEY_VALUE, TAGS, TAGS_ALL};
use super::{C, O, OC, R};

/// A plan rule's and a copy action's `lifecycle` (at most one).
const LIFECYCLE: &[Attr] = &[
    ("cold_storage_after", Ty::N, O, None),
    ("delete_after", Ty::N, O, None),
    ("opt_in_to_archive_for_supported_resources", Ty::B, O, None),
];

pub static SPECS: &[Spec] = &[
    Spec {
        name: "aws_backup_vault",
        attrs: &[
            ID,
            ARN,
            ("name", Ty::S, R, None),
            ("kms_key_arn", Ty::S, OC, None),
            ("force_destroy", Ty::B, OC, Some(Default::B(false))),
            ("recovery_points", Ty::N, C, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_backup_vault_lock_configuration",
        attrs: &[
            ID,
            ("backup_vault_name", Ty::S, R, None),
            ("backup_vault_arn", Ty::S, C, None),
            ("changeable_for_days", Ty::N, O, None),
            ("max_retention_days", Ty::N, O, None),
            ("min_retention_days", Ty::N, O, None),
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_backup_plan",
        attrs: &[
            ID,
            ARN,
            ("name", Ty::S, R, None),
            ("version", Ty::S, C, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[Blk {
            name: "rule",
            set: true,
            attrs: &[
                ("rule_name", Ty::S, R, None),
                ("target_vault_name", Ty::S, R, None),
                ("schedule", Ty::S, O, None),
                ("enable_continuous_backup", Ty::B, O, None),
                ("start_window", Ty::N, O, None),
                ("completion_window", Ty::N, O, None),
                ("recovery_point_tags", Ty::MapS, O, None),
            ],
            blocks: &[
                list("lifecycle", LIFECYCLE),
                Blk {
                    name: "copy_action",
                    set: true,
                    attrs: &[("destination_vault_arn", Ty::S, R, None)],
                    blocks: &[list("lifecycle", LIFECYCLE)],
                },
            ],
        }],
    },
    Spec {
        name: "aws_backup_restore_testing_plan",
        attrs: &[
            ARN,
            ("name", Ty::S, R, None),
            ("schedule_expression", Ty::S, R, None),
            ("schedule_expression_timezone", Ty::S, OC, None),
            ("start_window_hours", Ty::N, OC, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[list(
            "recovery_point_selection",
            &[
                ("algorithm", Ty::S, R, None),
                ("include_vaults", Ty::SetS, R, None),
                ("recovery_point_types", Ty::SetS, R, None),
                ("exclude_vaults", Ty::SetS, OC, None),
                ("selection_window_days", Ty::N, OC, None),
            ],
        )],
    },
    Spec {
        name: "aws_backup_restore_testing_selection",
        attrs: &[
            ("name", Ty::S, R, None),
            ("restore_testing_plan_name", Ty::S, R, None),
            ("protected_resource_type", Ty::S, R, None),
            ("iam_role_arn", Ty::S, R, None),
            ("protected_resource_arns", Ty::SetS, OC, None),
            ("restore_metadata_overrides", Ty::MapS, OC, None),
            ("validation_window_hours", Ty::N, OC, None),
        ],
        blocks: &[Blk {
            name: "protected_resource_conditions",
            set: false,
            attrs: &[],
            blocks: &[
                list("string_equals", KEY_VALUE),
                list("string_not_equals", KEY_VALUE),
            ],
        }],
    },
    Spec {
        name: "aws_rds_cluster",
        attrs: &[
            ID,
            ARN,
            ("cluster_identifier", Ty::S, OC, None),
            ("engine", Ty::S, R, None),
            ("engine_mode", Ty::S, OC, Some(Default::S("provisioned"))),
            ("engine_version", Ty::S, OC, None),
            ("master_username", Ty::S, OC, None),
            ("backup_retention_period", Ty::N, OC, None),
            ("skip_final_snapshot", Ty::B, OC, Some(Default::B(false))),
            ("final_snapshot_identifier", Ty::S, O, None),
            ("deletion_protection", Ty::B, O, None),
            (
                "delete_automated_backups",
                Ty::B,
                OC,
                Some(Default::B(true)),
            ),
            ("replication_source_identifier", Ty::S, O, None),
            ("global_cluster_identifier", Ty::S, O, None),
            ("availability_zones", Ty::SetS, OC, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
];

const CALLER_IDENTITY: &[Attr] = &[
    ID,
    ARN,
    ("account_id", Ty::S, C, None),
    ("user_id", Ty::S, C, None),
];

/// `aws_caller_identity`: the account in `AWS_PLAN_PROVIDER_ACCOUNT_ID` (default
/// `123456789012`), read at plan time as the real data source is.
pub struct CallerIdentity;

#[async_trait]
impl DataSource for CallerIdentity {
    type State<'a> = ValueAny;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of(CALLER_IDENTITY, &[]))
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        mut config: ValueAny,
        _meta: ValueEmpty,
    ) -> Option<ValueAny> {
        let account = std::env::var("AWS_PLAN_PROVIDER_ACCOUNT_ID")
            .unwrap_or_else(|_| "123456789012".to_string());
        if let ValueAny::Map(m) = &mut config {
            let arn = format!("arn:aws:iam::{account}:user/test");
            m.insert("id".into(), ValueAny::String(account.clone()));
            m.insert("arn".into(), ValueAny::String(arn));
            m.insert("user_id".into(), ValueAny::String("AIDATEST".into()));
            m.insert("account_id".into(), ValueAny::String(account));
        }
        Some(config)
    }
}
