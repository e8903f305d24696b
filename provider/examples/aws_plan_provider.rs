//! A stand-in for `hashicorp/aws`, for relcheck's plan tests and benchmark only.
//!
//! No cloud provider can be installed on our machines, yet relcheck's `--plan` must be
//! tested on plans the real Terraform CLI writes. This plugin serves the schemas of the
//! AWS resource types the tests use (a subset of their attributes, with the real names,
//! optional/computed flags and defaults) and echoes its input: a plan fills what the real
//! provider computes (`id`, `arn`, unset optional+computed attributes) with "known after
//! apply" or the documented default, and an apply makes those values up. One data source,
//! `aws_ssm_parameter`, answers from the JSON object in `AWS_PLAN_PROVIDER_PARAMETERS`
//! (`{"name": "value"}`), so that a plan can hold a value only a data source knows.
//!
//! Built with `cargo build -p terraform-provider-reliability --example aws_plan_provider`
//! and installed by the tests through a filesystem mirror as `registry.terraform.io/
//! hashicorp/aws`. Served by the same [`serve_plugin`](reliability_provider::nodelay::serve_plugin)
//! as our provider.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{ValueAny, ValueEmpty};
use tf_provider::{
    AttributePath, DataSource, Diagnostics, DynamicDataSource, DynamicResource, Provider, Resource,
};

#[path = "aws_plan/backup.rs"]
mod backup;

use AttributeConstraint::{Computed as C, Optional as O, OptionalComputed as OC, Required as R};

/// An attribute: name, type, constraint, and the default the provider plans when unset
/// (only for optional+computed ones, which protocol 6 lets a provider fill).
type Attr = (&'static str, Ty, AttributeConstraint, Option<Default>);

#[derive(Clone, Copy)]
enum Ty {
    S,
    N,
    B,
    SetS,
    MapS,
}

#[derive(Clone, Copy)]
enum Default {
    S(&'static str),
    B(bool),
}

/// A resource type: its attributes and nested blocks.
struct Spec {
    name: &'static str,
    attrs: &'static [Attr],
    blocks: &'static [Blk],
}

/// A nested block: its name, nesting (`set` or list, as the provider declares it), its
/// attributes and its own nested blocks.
struct Blk {
    name: &'static str,
    set: bool,
    attrs: &'static [Attr],
    blocks: &'static [Blk],
}

/// A list block of attributes only.
const fn list(name: &'static str, attrs: &'static [Attr]) -> Blk {
    Blk {
        name,
        set: false,
        attrs,
        blocks: &[],
    }
}

const TAGS: Attr = ("tags", Ty::MapS, O, None);
const TAGS_ALL: Attr = ("tags_all", Ty::MapS, C, None);
const ID: Attr = ("id", Ty::S, C, None);
const ARN: Attr = ("arn", Ty::S, C, None);
/// The `key`/`value` pair of AWS Backup's tag conditions.
const KEY_VALUE: &[Attr] = &[("key", Ty::S, R, None), ("value", Ty::S, R, None)];

static SPECS: &[Spec] = &[
    Spec {
        name: "aws_db_instance",
        attrs: &[
            ID,
            ARN,
            ("identifier", Ty::S, OC, None),
            ("engine", Ty::S, OC, None),
            ("instance_class", Ty::S, R, None),
            ("allocated_storage", Ty::N, OC, None),
            ("multi_az", Ty::B, OC, None),
            ("backup_retention_period", Ty::N, OC, None),
            ("replicate_source_db", Ty::S, O, None),
            ("skip_final_snapshot", Ty::B, OC, Some(Default::B(false))),
            ("final_snapshot_identifier", Ty::S, O, None),
            ("deletion_protection", Ty::B, O, None),
            (
                "delete_automated_backups",
                Ty::B,
                OC,
                Some(Default::B(true)),
            ),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_s3_bucket",
        attrs: &[ID, ARN, ("bucket", Ty::S, OC, None), TAGS, TAGS_ALL],
        blocks: &[],
    },
    Spec {
        name: "aws_s3_bucket_versioning",
        attrs: &[ID, ("bucket", Ty::S, R, None)],
        blocks: &[list(
            "versioning_configuration",
            &[("status", Ty::S, R, None), ("mfa_delete", Ty::S, OC, None)],
        )],
    },
    Spec {
        name: "aws_acm_certificate",
        attrs: &[
            ID,
            ARN,
            ("domain_name", Ty::S, OC, None),
            ("validation_method", Ty::S, OC, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_cloudwatch_metric_alarm",
        attrs: &[
            ID,
            ARN,
            ("alarm_name", Ty::S, R, None),
            ("comparison_operator", Ty::S, R, None),
            ("evaluation_periods", Ty::N, R, None),
            ("namespace", Ty::S, O, None),
            ("metric_name", Ty::S, O, None),
            ("statistic", Ty::S, O, None),
            ("period", Ty::N, O, None),
            ("threshold", Ty::N, O, None),
            ("dimensions", Ty::MapS, O, None),
            ("treat_missing_data", Ty::S, OC, Some(Default::S("missing"))),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_backup_selection",
        attrs: &[
            ID,
            ("name", Ty::S, R, None),
            ("iam_role_arn", Ty::S, R, None),
            ("plan_id", Ty::S, R, None),
            ("resources", Ty::SetS, OC, None),
            ("not_resources", Ty::SetS, OC, None),
        ],
        blocks: &[
            list(
                "selection_tag",
                &[
                    ("type", Ty::S, R, None),
                    ("key", Ty::S, R, None),
                    ("value", Ty::S, R, None),
                ],
            ),
            Blk {
                name: "condition",
                set: true,
                attrs: &[],
                blocks: &[
                    list("string_equals", KEY_VALUE),
                    list("string_like", KEY_VALUE),
                    list("string_not_equals", KEY_VALUE),
                    list("string_not_like", KEY_VALUE),
                ],
            },
        ],
    },
    Spec {
        name: "aws_ebs_volume",
        attrs: &[
            ID,
            ARN,
            ("availability_zone", Ty::S, R, None),
            ("size", Ty::N, OC, None),
            ("type", Ty::S, OC, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_subnet",
        attrs: &[
            ID,
            ARN,
            ("vpc_id", Ty::S, R, None),
            ("cidr_block", Ty::S, O, None),
            ("availability_zone", Ty::S, OC, None),
            ("availability_zone_id", Ty::S, OC, None),
            TAGS,
            TAGS_ALL,
        ],
        blocks: &[],
    },
    Spec {
        name: "aws_autoscaling_group",
        attrs: &[
            ID,
            ARN,
            ("name", Ty::S, OC, None),
            ("min_size", Ty::N, R, None),
            ("max_size", Ty::N, R, None),
            ("vpc_zone_identifier", Ty::SetS, OC, None),
            ("availability_zones", Ty::SetS, OC, None),
        ],
        blocks: &[],
    },
];

const SSM_PARAMETER: &[Attr] = &[
    ID,
    ARN,
    ("name", Ty::S, R, None),
    ("insecure_value", Ty::S, C, None),
    ("type", Ty::S, C, None),
];

fn attr_type(t: Ty) -> AttributeType {
    match t {
        Ty::S => AttributeType::String,
        Ty::N => AttributeType::Number,
        Ty::B => AttributeType::Bool,
        Ty::SetS => AttributeType::Set(Box::new(AttributeType::String)),
        Ty::MapS => AttributeType::Map(Box::new(AttributeType::String)),
    }
}

fn block_of(attrs: &[Attr], blocks: &[Blk]) -> Block {
    Block {
        description: Description::plain("Test stand-in: echoes its input."),
        attributes: attrs
            .iter()
            .map(|(name, ty, c, _)| {
                (
                    name.to_string(),
                    Attribute {
                        attr_type: attr_type(*ty),
                        description: Description::plain(*name),
                        constraint: c.clone(),
                        ..Attribute::default()
                    },
                )
            })
            .collect(),
        blocks: blocks
            .iter()
            .map(|b| {
                let inner = block_of(b.attrs, b.blocks);
                let nested = if b.set {
                    NestedBlock::Set(inner)
                } else {
                    NestedBlock::List(inner)
                };
                (b.name.to_string(), nested)
            })
            .collect(),
        ..Block::default()
    }
}

fn schema_of(attrs: &[Attr], blocks: &[Blk]) -> Schema {
    Schema {
        version: 0,
        block: block_of(attrs, blocks),
    }
}

/// At plan time: what the real provider computes is unknown, or its documented default.
fn plan_fill(state: &mut ValueAny, attrs: &[Attr]) {
    let ValueAny::Map(m) = state else { return };
    for (name, _, c, default) in attrs {
        let v = m.entry(name.to_string()).or_insert(ValueAny::Null);
        if matches!(c, C | OC) && matches!(v, ValueAny::Null) {
            *v = match default {
                Some(Default::S(s)) => ValueAny::String(s.to_string()),
                Some(Default::B(b)) => ValueAny::Bool(*b),
                None => ValueAny::Unknown,
            };
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// At apply time: made-up values for what was unknown.
fn apply_fill(state: &mut ValueAny, attrs: &[Attr], rtype: &str) {
    let ValueAny::Map(m) = state else { return };
    let id = format!("{rtype}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    for (name, ty, _, _) in attrs {
        let v = m.entry(name.to_string()).or_insert(ValueAny::Null);
        if matches!(v, ValueAny::Unknown) {
            *v = match (name, ty) {
                (&"id", _) => ValueAny::String(id.clone()),
                (&"arn", _) => ValueAny::String(format!("arn:aws:test:::{id}")),
                (_, Ty::S) => ValueAny::String(String::new()),
                (_, Ty::N) => ValueAny::Number(0),
                (_, Ty::B) => ValueAny::Bool(false),
                (_, Ty::SetS) => ValueAny::List(Vec::new()),
                (_, Ty::MapS) => ValueAny::Map(BTreeMap::new()),
            };
        }
    }
}

struct Echo(&'static Spec);

#[async_trait]
impl Resource for Echo {
    type State<'a> = ValueAny;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of(self.0.attrs, self.0.blocks))
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        Some((state, private))
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        mut proposed: ValueAny,
        _config: ValueAny,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        plan_fill(&mut proposed, self.0.attrs);
        Some((proposed, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: ValueAny,
        mut proposed: ValueAny,
        _config: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty, Vec<AttributePath>)> {
        plan_fill(&mut proposed, self.0.attrs);
        Some((proposed, private, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<ValueEmpty> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        _diags: &mut Diagnostics,
        mut planned: ValueAny,
        _config: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        apply_fill(&mut planned, self.0.attrs, self.0.name);
        Some((planned, private))
    }

    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: ValueAny,
        mut planned: ValueAny,
        _config: ValueAny,
        private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<(ValueAny, ValueEmpty)> {
        apply_fill(&mut planned, self.0.attrs, self.0.name);
        Some((planned, private))
    }

    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: ValueAny,
        _private: ValueEmpty,
        _meta: ValueEmpty,
    ) -> Option<()> {
        Some(())
    }
}

/// `aws_ssm_parameter`: the value of a parameter from `AWS_PLAN_PROVIDER_PARAMETERS`.
struct SsmParameter;

#[async_trait]
impl DataSource for SsmParameter {
    type State<'a> = ValueAny;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of(SSM_PARAMETER, &[]))
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        mut config: ValueAny,
        _meta: ValueEmpty,
    ) -> Option<ValueAny> {
        let ValueAny::Map(m) = &mut config else {
            return Some(config);
        };
        let name = match m.get("name") {
            Some(ValueAny::String(n)) => n.clone(),
            _ => String::new(),
        };
        let store: HashMap<String, String> = std::env::var("AWS_PLAN_PROVIDER_PARAMETERS")
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let Some(value) = store.get(&name) else {
            diags.root_error_short(format!("parameter {name:?} not found"));
            return None;
        };
        m.insert("id".into(), ValueAny::String(name.clone()));
        m.insert(
            "arn".into(),
            ValueAny::String(format!("arn:aws:ssm:::parameter/{name}")),
        );
        m.insert("insecure_value".into(), ValueAny::String(value.clone()));
        m.insert("type".into(), ValueAny::String("String".into()));
        Some(config)
    }
}

struct AwsPlanProvider;

#[async_trait]
impl Provider for AwsPlanProvider {
    type Config<'a> = ValueAny;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema_of(
            &[
                ("region", Ty::S, O, None),
                ("allowed_account_ids", Ty::SetS, O, None),
            ],
            &[
                list("default_tags", &[("tags", Ty::MapS, O, None)]),
                list("assume_role", &[("role_arn", Ty::S, O, None)]),
            ],
        ))
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(
            SPECS
                .iter()
                .chain(backup::SPECS)
                .map(|s| {
                    // tf-provider prefixes the names with the provider's (`aws_`).
                    (
                        s.name.trim_start_matches("aws_").to_string(),
                        Box::new(Echo(s)) as Box<dyn DynamicResource>,
                    )
                })
                .collect(),
        )
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        Some(HashMap::from([
            (
                "ssm_parameter".to_string(),
                Box::new(SsmParameter) as Box<dyn DynamicDataSource>,
            ),
            (
                "caller_identity".to_string(),
                Box::new(backup::CallerIdentity) as Box<dyn DynamicDataSource>,
            ),
        ]))
    }
}

fn main() -> anyhow::Result<()> {
    reliability_provider::nodelay::serve_plugin("aws", AwsPlanProvider)
}
