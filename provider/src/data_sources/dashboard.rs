//! `reliability_dashboard`: one Grafana overview dashboard of several SLOs — a table with a
//! row per SLO (objective, SLI and error budget left over its period, burn rate now, and
//! whether a page or a ticket fires), sortable by any column. Pure: it reads nothing; its
//! queries run in Grafana against the SLOs' recorded series.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeConstraint, AttributeType, Block, Description, Schema};
use tf_provider::value::{Value, ValueEmpty, ValueList, ValueString};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::resources::schema::{attr, named};
use crate::rules::dashboard::{overview, overview_uid, to_text, OverviewSlo};

/// The default title.
pub const DEFAULT_TITLE: &str = "SLO overview";

/// The data source's state.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardState<'a> {
    #[serde(borrow = "'a")]
    pub slo_ids: ValueList<ValueString<'a>>,
    #[serde(borrow = "'a")]
    pub title: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub uid: ValueString<'a>,
    #[serde(borrow = "'a")]
    pub dashboard_json: ValueString<'a>,
}

/// The data source.
pub struct DashboardDataSource;

/// The data source's schema.
pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, Required};
    use AttributeType::{List, String};
    let attributes = named(vec![
        ("slo_ids", attr(List(Box::new(String)), Required, "Ids of the SLOs to show (`reliability_slo.x.id`), at least one.")),
        ("title", attr(String, Optional, &format!("Dashboard title; default `{DEFAULT_TITLE}`. The uid follows from it."))),
        ("uid", attr(String, Computed, "The dashboard's uid: `slo-overview-` and a hash of the title.")),
        ("dashboard_json", attr(String, Computed, "The Grafana dashboard model (JSON), for `grafana_dashboard { config_json = … }` or a file in a provisioned directory.")),
    ]);
    Schema {
        version: 1,
        block: Block {
            description: Description::markdown(
                "A Grafana overview dashboard of several SLOs: one table row per SLO with its \
                 objective, its SLI and the error budget left over its own period, the burn \
                 rate over the last 5 minutes and its status (`page firing`, `ticket firing` \
                 or `OK`), sortable by any column. It reads the SLOs' recorded series through \
                 a `datasource` variable of type Prometheus.",
            ),
            attributes,
            ..Default::default()
        },
    }
}

/// The ids listed, or why not.
fn ids(state: &DashboardState<'_>) -> Result<Option<Vec<String>>, &'static str> {
    let list = match &state.slo_ids {
        Value::Value(l) => l,
        Value::Null => return Err("slo_ids is required"),
        Value::Unknown => return Ok(None),
    };
    let mut ids = Vec::new();
    for id in list {
        match id {
            Value::Value(s) if !s.trim().is_empty() => ids.push(s.to_string()),
            Value::Unknown => return Ok(None),
            _ => return Err("slo_ids holds an empty or null id: list reliability_slo ids"),
        }
    }
    if ids.is_empty() {
        return Err("slo_ids is empty: list the ids of the SLOs to show, e.g. [reliability_slo.checkout.id]");
    }
    Ok(Some(ids))
}

#[async_trait]
impl DataSource for DashboardDataSource {
    type State<'a> = DashboardState<'a>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Err(e) = ids(&config) {
            diags.error("Invalid slo_ids", e, AttributePath::new("slo_ids"));
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let ids = match ids(&config) {
            Ok(Some(ids)) => ids,
            Ok(None) => {
                diags.error_short("slo_ids must be known", AttributePath::new("slo_ids"));
                return None;
            }
            Err(e) => {
                diags.error("Invalid slo_ids", e, AttributePath::new("slo_ids"));
                return None;
            }
        };
        let title = config
            .title
            .as_ref_option()
            .map_or(DEFAULT_TITLE.to_string(), |t| t.to_string());
        let slos: Vec<OverviewSlo> = ids.into_iter().map(|id| OverviewSlo { id }).collect();
        let json = match overview(&title, &slos) {
            Ok(d) => to_text(&d),
            Err(e) => {
                diags.error("Invalid slo_ids", e, AttributePath::new("slo_ids"));
                return None;
            }
        };
        let mut s = config;
        s.uid = Value::Value(overview_uid(&title).into());
        s.dashboard_json = Value::Value(json.into());
        Some(s)
    }
}
