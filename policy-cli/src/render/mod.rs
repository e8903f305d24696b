//! Renderers: each turns a [`crate::Report`] into one output format.

pub mod json;
pub mod text;
