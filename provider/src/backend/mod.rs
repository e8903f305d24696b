//! Where rule files go: a local directory that Prometheus loads ([`dir`]), plus an optional
//! reload of a running Prometheus ([`reload`]), or a Mimir/Cortex ruler's HTTP API ([`ruler`]).

pub mod dir;
pub mod reload;
pub mod ruler;
