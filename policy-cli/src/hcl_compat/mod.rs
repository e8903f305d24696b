//! Parsing HCL with hcl-edit, around the places where hcl-edit 0.10 (the newest release)
//! rejects valid HCL. Each workaround rewrites the text without changing its length (every
//! byte keeps its offset), so the spans of the parsed tree point into the original text,
//! which is what relcheck keeps, locates findings in and shows:
//!
//! - [`newlines`]: line breaks inside a `for` expression in braces (and anywhere else the
//!   HCL syntax ignores them) become spaces;
//! - [`duplicate_keys`]: an object constructor that repeats a key (`{ a = 1, a = 2 }`,
//!   valid HCL: the last value wins) loses the earlier items with that key.
//!
//! A file that parses as it is is never rewritten; when the rewritten text does not parse
//! either, the error is the one for the original text.

mod duplicate_keys;
pub mod newlines;

use hcl_edit::parser::Error;
use hcl_edit::structure::Body;

/// Why a text is not a body.
pub enum ParseFailure {
    /// A syntax error in the original text.
    Syntax(Error),
    /// hcl-edit panicked (its bug; the file is reported, not checked).
    Panic,
}

/// hcl-edit's parser; a panic in it (not our code) becomes [`ParseFailure::Panic`].
fn parse_once(text: &str) -> Result<Body, ParseFailure> {
    match std::panic::catch_unwind(|| hcl_edit::parser::parse_body(text)) {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(e)) => Err(ParseFailure::Syntax(e)),
        Err(_) => Err(ParseFailure::Panic),
    }
}

/// Whether a syntax error is hcl-edit's rejection of a repeated object key.
fn is_duplicate_key(e: &Error) -> bool {
    e.message().contains("redefined object key")
}

/// Parses a body: as it is, else with the workarounds applied.
pub fn parse_body(text: &str) -> Result<Body, ParseFailure> {
    let first = match parse_once(text) {
        Ok(body) => return Ok(body),
        Err(ParseFailure::Panic) => return Err(ParseFailure::Panic),
        Err(ParseFailure::Syntax(e)) => e,
    };
    let spaced = newlines::insignificant_newlines_to_spaces(text);
    let work = spaced.as_deref().unwrap_or(text);
    let result = match parse_once(work) {
        Ok(body) => Some(body),
        Err(ParseFailure::Syntax(e)) if is_duplicate_key(&e) => {
            duplicate_keys::last_wins(work).and_then(|fixed| parse_once(&fixed).ok())
        }
        Err(_) => None,
    };
    result.ok_or(ParseFailure::Syntax(first))
}
