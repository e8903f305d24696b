//! The protocol floor for benchmarks: a provider that does nothing.
//!
//! `bench/provider.py` runs the same N resources four ways: Terraform's built-in
//! `terraform_data` (no plugin at all); this provider's `floor_null` (a plugin process served
//! by the same [`serve_plugin`](reliability_provider::nodelay::serve_plugin) as ours —
//! tf-provider, tonic, TCP_NODELAY — whose resource only echoes its input);
//! `floor_alert_shape` / `floor_slo_shape` (echo resources with exactly our resources'
//! schemas); and our resources. `terraform_data` → `floor_null` is what Terraform spends on
//! any external provider (gRPC, msgpack), `floor_null` → shape is what it spends on our
//! schemas' size, and shape → ours is the reliability provider's own work.
//!
//! Built with `cargo build --release --example floor_provider`; served under the source
//! address `reliability-as-code/floor`.

use std::collections::HashMap;
use std::marker::PhantomData;

use async_trait::async_trait;
use reliability_provider::resources::alert::{self, AlertState};
use reliability_provider::resources::slo::{self, SloState};
use serde::{Deserialize, Serialize};
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{ValueEmpty, ValueMap, ValueString};
use tf_provider::{AttributePath, Diagnostics, DynamicResource, Provider, Resource};

#[derive(Clone, Serialize, Deserialize)]
struct NullState<'a> {
    #[serde(borrow = "'a")]
    id: ValueString<'a>,
    #[serde(borrow = "'a")]
    input: ValueString<'a>,
}

/// What an echo resource looks like: its schema and state type.
trait Shape: Send + Sync + 'static {
    type State<'a>: Serialize + Deserialize<'a> + Send + Clone;
    fn schema() -> Schema;
    /// Fills computed attributes at plan time.
    fn plan(state: &mut Self::State<'_>);
}

/// Two attributes, like `terraform_data`.
struct Null;

impl Shape for Null {
    type State<'a> = NullState<'a>;
    fn schema() -> Schema {
        let attr = |constraint, text: &str| Attribute {
            attr_type: AttributeType::String,
            description: Description::plain(text),
            constraint,
            ..Default::default()
        };
        Schema {
            version: 0,
            block: Block {
                description: Description::plain("Echoes `input`; does no work."),
                attributes: [
                    (
                        "id".to_string(),
                        attr(AttributeConstraint::Computed, "Copy of input."),
                    ),
                    (
                        "input".to_string(),
                        attr(AttributeConstraint::Required, "Any string."),
                    ),
                ]
                .into_iter()
                .collect(),
                ..Default::default()
            },
        }
    }
    fn plan(state: &mut NullState<'_>) {
        state.id = state.input.clone();
    }
}

/// `reliability_alert`'s schema and state, with none of its work: isolates what Terraform
/// spends on the schema's size from what the provider spends on files.
struct AlertShape;

impl Shape for AlertShape {
    type State<'a> = AlertState<'a>;
    fn schema() -> Schema {
        alert::schema()
    }
    fn plan(state: &mut AlertState<'_>) {
        if state.id.is_unknown() {
            state.id = state.name.clone();
        }
    }
}

/// `reliability_alert`'s attributes without its `certificate_expiry` block.
struct AlertNoBlockShape;

#[derive(Clone, Serialize, Deserialize)]
struct AlertNoBlock<'a> {
    #[serde(borrow = "'a")]
    id: ValueString<'a>,
    #[serde(borrow = "'a")]
    name: ValueString<'a>,
    #[serde(borrow = "'a")]
    expr: ValueString<'a>,
    #[serde(borrow = "'a", rename = "for")]
    for_: ValueString<'a>,
    #[serde(borrow = "'a")]
    severity: ValueString<'a>,
    #[serde(borrow = "'a")]
    summary: ValueString<'a>,
    #[serde(borrow = "'a")]
    description: ValueString<'a>,
    #[serde(borrow = "'a")]
    runbook_url: ValueString<'a>,
    #[serde(borrow = "'a")]
    labels: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    annotations: ValueMap<'a, ValueString<'a>>,
    #[serde(borrow = "'a")]
    rule_file: ValueString<'a>,
    #[serde(borrow = "'a")]
    content_sha256: ValueString<'a>,
}

impl Shape for AlertNoBlockShape {
    type State<'a> = AlertNoBlock<'a>;
    fn schema() -> Schema {
        let mut schema = alert::schema();
        schema.block.blocks.clear();
        schema
    }
    fn plan(state: &mut AlertNoBlock<'_>) {
        if state.id.is_unknown() {
            state.id = state.name.clone();
        }
    }
}

/// `reliability_slo`'s schema and state, with none of its work.
struct SloShape;

impl Shape for SloShape {
    type State<'a> = SloState<'a>;
    fn schema() -> Schema {
        slo::schema()
    }
    fn plan(state: &mut SloState<'_>) {
        if state.id.is_unknown() {
            state.id = state.name.clone();
        }
    }
}

struct Echo<S>(PhantomData<fn() -> S>);

#[async_trait]
impl<S: Shape> Resource for Echo<S> {
    type State<'a> = S::State<'a>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(S::schema())
    }

    async fn validate<'a>(&self, _diags: &mut Diagnostics, _config: Self::State<'a>) -> Option<()> {
        Some(())
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((state, private))
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        mut proposed: Self::State<'a>,
        _config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        S::plan(&mut proposed);
        Some((proposed, ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        mut proposed: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        S::plan(&mut proposed);
        Some((proposed, private, vec![]))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(private)
    }

    async fn create<'a>(
        &self,
        _diags: &mut Diagnostics,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned, private))
    }

    async fn update<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        planned: Self::State<'a>,
        _config: Self::State<'a>,
        private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        Some((planned, private))
    }

    async fn destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State<'a>,
        _private: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        Some(())
    }
}

struct FloorProvider;

#[async_trait]
impl Provider for FloorProvider {
    type Config<'a> = ValueEmpty;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(Schema {
            version: 0,
            block: Block::default(),
        })
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(HashMap::from([
            (
                "null".to_string(),
                Box::new(Echo::<Null>(PhantomData)) as Box<dyn DynamicResource>,
            ),
            (
                "alert_no_block".to_string(),
                Box::new(Echo::<AlertNoBlockShape>(PhantomData)) as Box<dyn DynamicResource>,
            ),
            (
                "slo_shape".to_string(),
                Box::new(Echo::<SloShape>(PhantomData)) as Box<dyn DynamicResource>,
            ),
            (
                "alert_shape".to_string(),
                Box::new(Echo::<AlertShape>(PhantomData)) as Box<dyn DynamicResource>,
            ),
        ]))
    }
}

fn main() -> anyhow::Result<()> {
    reliability_provider::nodelay::serve_plugin("floor", FloorProvider)
}
