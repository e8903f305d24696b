//! Pure generation of Prometheus rule groups from resource models (no I/O).
