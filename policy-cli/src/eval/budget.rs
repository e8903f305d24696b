//! The work one root module may take: evaluation steps, and the size values may grow
//! to. Past a limit the rest is unknown and the root reports that it was cut short.

use super::Ctx;
use crate::parse::LoadError;
use crate::value::Value;

/// Deepest expression nesting evaluated; deeper expressions are unknown.
pub(super) const MAX_DEPTH: usize = 128;
/// Deepest module call nesting followed (root = 0); deeper calls are reported, not evaluated.
pub(super) const MAX_MODULE_DEPTH: usize = 24;
/// Deepest block nesting evaluated in one resource (`a { b { c { ... } } }`); deeper
/// blocks are left out.
pub(super) const MAX_BLOCK_DEPTH: usize = 32;
/// Deepest type expression followed when converting a variable's value to its type.
pub(super) const MAX_TYPE_DEPTH: usize = 16;
/// Evaluation steps per root module before the rest is cut short (unknown).
pub const MAX_STEPS: u64 = 4_000_000;
/// Largest list/map (in elements, nested) a value may grow to.
pub(super) const MAX_VALUE_SIZE: usize = 100_000;
/// Longest string (in bytes) a value may grow to.
pub(super) const MAX_STRING_LEN: usize = 1 << 20;
/// Most instances expanded from one `count`/`for_each` (or `dynamic` block).
pub(super) const MAX_INSTANCES: usize = 1000;

impl Ctx<'_, '_> {
    /// Takes `n` steps from the budget; `false` once it is exhausted.
    pub(super) fn step(&self, n: u64) -> bool {
        if self.env.exhausted.get() {
            return false;
        }
        let steps = self.env.steps.get() + n;
        self.env.steps.set(steps);
        if steps > MAX_STEPS {
            self.cut_short(format!("more than {MAX_STEPS} evaluation steps"));
            return false;
        }
        true
    }

    /// Reports (once per root) that evaluation stopped; everything after is unknown.
    pub(super) fn cut_short(&self, why: String) {
        if self.env.exhausted.replace(true) {
            return;
        }
        let (file, line, column) = match self.env.current_file.get() {
            Some(id) => (self.env.files[id].display.clone(), 0, 0),
            None => (self.module.dir.display().to_string(), 0, 0),
        };
        self.env.out.borrow_mut().errors.push(LoadError {
            file,
            line,
            column,
            message: format!("evaluation cut short: {why}; the remaining values are unknown"),
        });
    }
}

/// Number of nodes in a value, counting at most to `cap + 1`.
pub(super) fn weight(v: &Value, cap: usize) -> usize {
    fn go(v: &Value, n: &mut usize, cap: usize) {
        *n += 1;
        if *n > cap {
            return;
        }
        match v {
            Value::List(l) => l.iter().for_each(|x| go(x, n, cap)),
            Value::Map(m) => m.values().for_each(|x| go(x, n, cap)),
            _ => {}
        }
    }
    let mut n = 0;
    go(v, &mut n, cap);
    n
}
