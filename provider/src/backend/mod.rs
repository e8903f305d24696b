//! Where rule files go: a local directory that Prometheus loads, plus an optional reload.
