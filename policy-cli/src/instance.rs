//! What rules consume: resource instances after evaluation, with their evaluated
//! attributes and blocks (values, spans, source text, where a variable was set).

use std::ops::Range;

use crate::parse::FileId;
use crate::value::Value;

/// An evaluated attribute: its value and where it was written.
#[derive(Debug, Clone)]
pub struct EvalAttr {
    pub name: String,
    pub value: Value,
    pub span: Range<usize>,
    /// The expression's source text when it is not a plain literal (`var.multi_az`).
    pub source: Option<String>,
    /// For a plain `var.NAME`: where the variable's value was set.
    pub origin: Option<String>,
}

/// An evaluated block body.
#[derive(Debug, Clone, Default)]
pub struct EvalBody {
    pub attrs: Vec<EvalAttr>,
    pub blocks: Vec<EvalBlock>,
}

#[derive(Debug, Clone)]
pub struct EvalBlock {
    pub kind: String,
    pub span: Range<usize>,
    pub body: EvalBody,
}

impl EvalBody {
    pub fn attr(&self, name: &str) -> Option<&EvalAttr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The attribute's value; a missing attribute or `null` is `None` (provider default).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.attr(name).map(|a| &a.value).filter(|v| !v.is_null())
    }

    pub fn blocks<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s EvalBlock> + 's {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }

    pub fn block(&self, kind: &str) -> Option<&EvalBlock> {
        self.blocks.iter().find(|b| b.kind == kind)
    }
}

/// One instance of a resource or data source after expansion.
#[derive(Debug, Clone)]
pub struct Instance {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    /// Address without instance key: `module.db.aws_db_instance.this`.
    pub base: String,
    /// Full address: `module.db.aws_db_instance.this[0]`.
    pub address: String,
    pub file: FileId,
    pub span: Range<usize>,
    pub body: EvalBody,
    /// `false` when `count`/`for_each` could not be evaluated (maybe zero, maybe many).
    pub count_known: bool,
    /// The provider configuration the instance uses, as a key of
    /// [`crate::eval::RootResult::provider_tags`] (`aws`, `aws.dr`, or
    /// `module.x.aws` for one a module declares itself); `None` when not known (plan input).
    pub provider: Option<String>,
}
