//! Renderers: each turns a [`crate::report::Report`] into one output format.

pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod rdjson;
pub mod sarif;
pub mod text;
