//! Schema builders (attributes and blocks with markdown descriptions) and readers of known
//! values in a state (Terraform plans with unknown values).

use std::collections::{BTreeMap, HashMap};

use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock,
};
use tf_provider::value::{Value, ValueList, ValueMap, ValueString};
use tf_provider::AttributePath;

use super::num::Num;

/// A value that is not known yet (Terraform plans with unknown values); validation and
/// generation wait for apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown;

/// An attribute with a markdown description.
pub fn attr(t: AttributeType, c: AttributeConstraint, doc: &str) -> Attribute {
    Attribute {
        attr_type: t,
        description: Description::markdown(doc),
        constraint: c,
        ..Default::default()
    }
}

/// A map from `(name, value)` pairs.
pub fn named<T>(items: Vec<(&str, T)>) -> HashMap<String, T> {
    items.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A block with a markdown description, attributes and nested blocks.
pub fn block(doc: &str, attrs: Vec<(&str, Attribute)>, blocks: Vec<(&str, NestedBlock)>) -> Block {
    Block {
        description: Description::markdown(doc),
        attributes: named(attrs),
        blocks: named(blocks),
        ..Default::default()
    }
}

/// `map(string)`.
pub fn string_map() -> AttributeType {
    AttributeType::Map(Box::new(AttributeType::String))
}

/// What a change of `name` replaces: the resource (its id and file names follow the name).
pub fn replaced_when_renamed(
    prior: &ValueString<'_>,
    proposed: &ValueString<'_>,
) -> Vec<AttributePath> {
    if proposed != prior {
        vec![AttributePath::new("name")]
    } else {
        vec![]
    }
}

/// A known string attribute (`Err` while unknown).
pub fn known_str<'b>(v: &'b ValueString<'_>) -> Result<Option<&'b str>, Unknown> {
    match v {
        Value::Value(s) => Ok(Some(s.as_ref())),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}

/// A known list or list block (null is empty).
pub fn known_list<T>(v: &ValueList<T>) -> Result<&[T], Unknown> {
    match v {
        Value::Value(items) => Ok(items),
        Value::Null => Ok(&[]),
        Value::Unknown => Err(Unknown),
    }
}

/// A known string attribute, owned.
pub fn known_string(v: &ValueString<'_>) -> Result<Option<String>, Unknown> {
    known_str(v).map(|o| o.map(str::to_string))
}

/// A known `map(string)` (null is empty; a null value is an empty string).
pub fn known_map(v: &ValueMap<'_, ValueString<'_>>) -> Result<BTreeMap<String, String>, Unknown> {
    match v {
        Value::Value(m) => m
            .iter()
            .map(|(k, v)| known_string(v).map(|v| (k.to_string(), v.unwrap_or_default())))
            .collect(),
        Value::Null => Ok(BTreeMap::new()),
        Value::Unknown => Err(Unknown),
    }
}

/// The first element of a known list (blocks of at most one element).
pub fn known_first<T>(v: &ValueList<T>) -> Result<Option<&T>, Unknown> {
    match v {
        Value::Value(items) => Ok(items.first()),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}

/// A known number as f64.
pub fn known_num(v: &Value<Num>) -> Result<Option<f64>, Unknown> {
    match v {
        Value::Value(n) => Ok(Some(n.f64())),
        Value::Null => Ok(None),
        Value::Unknown => Err(Unknown),
    }
}
