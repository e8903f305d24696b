//! Where rule files go: a local directory that Prometheus loads ([`dir`]), plus an optional
//! reload of a running Prometheus ([`reload`]).

pub mod dir;
pub mod reload;
