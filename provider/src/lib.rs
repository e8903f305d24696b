//! The `reliability` Terraform provider: SLOs, alerts and backup plans as code,
//! materialised as Prometheus rule files.
//!
//! Layout:
//! - [`provider`]: `configure` and the registry of resources and data sources;
//!   [`provider_config`] the provider block's schema and validation (`rules_dir`,
//!   `prometheus_url`, `render_only`, `ruler { … }` from [`ruler_block`], `alertmanager`);
//!   [`context`] what resources and data sources share once it is configured.
//! - [`settings`]: validation of the provider configuration (pure).
//! - [`rules`]: pure generation of Prometheus rule groups from resource models.
//! - [`backend`]: where rules go, behind one `Backend` trait chosen in `configure` (a local
//!   directory plus an optional reload, or nowhere with `render_only`); the only module
//!   that touches the file system or a server.
//! - [`resources`]: one Terraform resource per file over a shared rule-document layer.
//! - [`nodelay`]: the TCP_NODELAY fix for the plugin server, and how plugin binaries serve.

pub mod backend;
pub mod context;
pub mod data_sources;
pub mod docs;
pub mod nodelay;
pub mod provider;
pub mod provider_config;
pub mod resources;
pub mod ruler_block;
pub mod rules;
pub mod settings;
