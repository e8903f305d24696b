//! Reading files and parsing HCL with byte spans (hcl-edit).

use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::structure::Body;

use crate::hcl_compat::ParseFailure;

/// Index of a file in [`crate::report::Report::files`] (and a workspace's files).
pub type FileId = usize;

/// One source file, its text and (when it parsed) its body.
pub struct SourceFile {
    /// Absolute (canonical) path.
    pub path: PathBuf,
    /// Path shown to users: relative to the path given on the command line.
    pub display: String,
    pub text: String,
    /// The syntax tree, while the file's modules are evaluated. [`crate::check`] drops it
    /// once they are (a tree takes ~20 bytes per byte of source); what is needed after
    /// the check is in [`SourceFile::outline`].
    pub body: Option<Body>,
    /// Blocks and attributes with their spans (for [`crate::locate`]), kept after the
    /// tree is dropped.
    pub outline: Outline,
    line_starts: Vec<usize>,
}

/// The blocks and attributes of a file, nested, with their byte spans and names: what
/// [`crate::locate`] needs once the syntax tree is gone. Structures without a span
/// (`.tf.json`) are left out, with everything in them.
#[derive(Default, Debug)]
pub struct Outline {
    /// Pre-order: a node's children follow it, up to its `next`.
    nodes: Vec<OutlineNode>,
    /// The nodes' names, concatenated.
    names: String,
}

#[derive(Clone, Copy, Debug)]
struct OutlineNode {
    start: u32,
    end: u32,
    name_start: u32,
    name_end: u32,
    block: bool,
    /// Index of the next node that is not inside this one.
    next: u32,
}

/// One block or attribute of an [`Outline`].
#[derive(Clone, Copy)]
pub struct Item<'o> {
    outline: &'o Outline,
    index: usize,
}

impl<'o> Item<'o> {
    fn node(&self) -> &'o OutlineNode {
        &self.outline.nodes[self.index]
    }
    /// Byte span in the file.
    pub fn span(&self) -> Range<usize> {
        let n = self.node();
        n.start as usize..n.end as usize
    }
    /// A block (else an attribute).
    pub fn is_block(&self) -> bool {
        self.node().block
    }
    /// The block's identifier or the attribute's key.
    pub fn name(&self) -> &'o str {
        let n = self.node();
        &self.outline.names[n.name_start as usize..n.name_end as usize]
    }
    /// The blocks and attributes directly inside a block, in order.
    pub fn children(&self) -> Items<'o> {
        Items {
            outline: self.outline,
            next: self.index + 1,
            end: self.node().next as usize,
        }
    }
}

/// Iterator over sibling [`Item`]s.
pub struct Items<'o> {
    outline: &'o Outline,
    next: usize,
    end: usize,
}

impl<'o> Iterator for Items<'o> {
    type Item = Item<'o>;
    fn next(&mut self) -> Option<Item<'o>> {
        if self.next >= self.end {
            return None;
        }
        let item = Item {
            outline: self.outline,
            index: self.next,
        };
        self.next = item.node().next as usize;
        Some(item)
    }
}

impl Outline {
    /// The outline of a parsed body.
    pub fn of(body: &Body) -> Outline {
        let mut o = Outline::default();
        o.add(body);
        o.nodes.shrink_to_fit();
        o.names.shrink_to_fit();
        o
    }

    fn add(&mut self, body: &Body) {
        use hcl_edit::structure::Structure;
        use hcl_edit::Span;
        for s in body.iter() {
            let Some(r) = s.span() else { continue };
            let name = match s {
                Structure::Attribute(a) => a.key.as_str(),
                Structure::Block(b) => b.ident.as_str(),
            };
            let name_start = self.names.len() as u32;
            self.names.push_str(name);
            let index = self.nodes.len();
            self.nodes.push(OutlineNode {
                start: r.start as u32,
                end: r.end as u32,
                name_start,
                name_end: self.names.len() as u32,
                block: matches!(s, Structure::Block(_)),
                next: 0,
            });
            if let Structure::Block(b) = s {
                self.add(&b.body);
            }
            self.nodes[index].next = self.nodes.len() as u32;
        }
    }

    /// The top-level blocks and attributes, in order.
    pub fn items(&self) -> Items<'_> {
        Items {
            outline: self,
            next: 0,
            end: self.nodes.len(),
        }
    }
}

/// A problem reading or parsing a file (exit status 2).
#[derive(Debug, Clone)]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Deepest bracket nesting we accept before even trying to parse.
const MAX_NESTING: usize = 256;
/// Deepest expression tree accepted after parsing (operator chains count too).
pub const MAX_EXPR_DEPTH: usize = 100;
/// Largest file read: bigger ones are reported, not parsed.
pub const MAX_FILE_SIZE: u64 = 16 << 20;

/// What reading a file gave: its text, and the problem if the text is not usable as it is.
pub struct ReadText {
    pub text: String,
    pub problem: Option<ReadProblem>,
}

/// Why a file's text is not usable: where (1-based; 0 when not in the text) and what.
pub struct ReadProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ReadText {
    fn failed(message: String) -> ReadText {
        ReadText {
            text: String::new(),
            problem: Some(ReadProblem {
                line: 0,
                column: 0,
                message,
            }),
        }
    }
}

/// Texts that stand in for files on disk, by canonical path: the unsaved documents of an
/// editor (`relcheck lsp`). A check reads a file's text from here when it is present and
/// from the disk otherwise; which files exist is still decided by the disk.
#[derive(Default, Clone, Debug)]
pub struct Overlay {
    texts: std::collections::HashMap<PathBuf, String>,
}

impl Overlay {
    /// Reads `path` from the disk from now on (no text of its own).
    pub fn remove(&mut self, path: &Path) {
        self.texts.remove(path);
    }

    /// `text` stands in for the file at `path` (canonical).
    pub fn insert(&mut self, path: PathBuf, text: String) {
        self.texts.insert(path, text);
    }

    /// The overlay's text of `path`, if it has one.
    pub(crate) fn get(&self, path: &Path) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    /// The text of `path`: the overlay's, else the file's ([`read_text_checked`]), with the
    /// same size limit either way.
    pub(crate) fn read(&self, path: &Path, regular: bool) -> ReadText {
        match self.texts.get(path) {
            Some(t) if t.len() as u64 > MAX_FILE_SIZE => ReadText::failed(format!(
                "file is larger than {} MiB; not parsed",
                MAX_FILE_SIZE >> 20
            )),
            Some(t) => ReadText {
                text: t.clone(),
                problem: None,
            },
            None => read_text_checked(path, regular),
        }
    }
}

/// Reads a file for [`SourceFile::parse`]. Never panics.
pub fn read_text(path: &Path) -> ReadText {
    read_text_checked(path, false)
}

/// [`read_text`]; `regular`: the file was just listed as a regular file (not a symlink),
/// so it is opened right away and checked on the open file, without looking the path
/// up once more (the same checks and messages, one path walk less).
pub(crate) fn read_text_checked(path: &Path, regular: bool) -> ReadText {
    use std::io::Read;
    let too_big_error = || {
        std::io::Error::other(format!(
            "file is larger than {} MiB; not parsed",
            MAX_FILE_SIZE >> 20
        ))
    };
    // Read at most the size limit, even if the file grows meanwhile.
    let read_all = |f: std::fs::File, len: u64| {
        let hint = (len as usize).saturating_add(1);
        let mut buf = Vec::with_capacity(hint.min(MAX_FILE_SIZE as usize + 1));
        f.take(MAX_FILE_SIZE + 1).read_to_end(&mut buf).map(|_| buf)
    };
    let mut too_big = false;
    let read = if regular {
        std::fs::File::open(path).and_then(|f| {
            let m = f.metadata()?;
            if m.len() > MAX_FILE_SIZE {
                too_big = true;
                Err(too_big_error())
            } else if !m.is_file() {
                Err(std::io::Error::other("not a regular file"))
            } else {
                read_all(f, m.len())
            }
        })
    } else {
        // A device or FIFO behind a `.tf` name must never be opened (it may never end):
        // look before opening.
        let meta = std::fs::metadata(path);
        too_big = meta
            .as_ref()
            .map(|m| m.len() > MAX_FILE_SIZE)
            .unwrap_or(false);
        if too_big {
            Err(too_big_error())
        } else if let Ok(false) = meta.as_ref().map(|m| m.is_file()) {
            Err(std::io::Error::other("not a regular file"))
        } else {
            let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
            std::fs::File::open(path).and_then(|f| read_all(f, len))
        }
    };
    match read {
        Err(e) if too_big => ReadText::failed(e.to_string()),
        Err(e) => ReadText::failed(format!("cannot read file: {e}")),
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => ReadText {
                text,
                problem: None,
            },
            Err(e) => {
                let off = e.utf8_error().valid_up_to();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let (line, column) = line_col_of(&text, off);
                ReadText {
                    text,
                    problem: Some(ReadProblem {
                        line,
                        column,
                        message: "file is not valid UTF-8".into(),
                    }),
                }
            }
        },
    }
}

impl SourceFile {
    /// Reads and parses a file. Never panics: problems become a [`LoadError`].
    pub fn load(path: PathBuf, display: String) -> (SourceFile, Option<LoadError>) {
        let read = read_text(&path);
        SourceFile::parse(path, display, read)
    }

    /// Parses a file's text (from [`read_text`]). Never panics: problems become a
    /// [`LoadError`].
    pub fn parse(
        path: PathBuf,
        display: String,
        read: ReadText,
    ) -> (SourceFile, Option<LoadError>) {
        let err = |line, column, message: String| LoadError {
            file: display.clone(),
            line,
            column,
            message,
        };
        let ReadText { text, problem } = read;
        let error = problem.map(|p| err(p.line, p.column, p.message));
        let mut file = SourceFile {
            line_starts: line_starts(&text),
            path,
            display: display.clone(),
            text,
            body: None,
            outline: Outline::default(),
        };
        if error.is_some() {
            return (file, error);
        }
        let is_json = file.display.ends_with(".json");
        // A `.tf.json` template that does not parse is reported; the rest of the file is read.
        let mut template_error = None;
        let result = if is_json {
            crate::tfjson::parse(&file.text)
                .map(|(body, bad)| {
                    template_error = bad.map(|(off, msg)| {
                        let (l, c) = file.line_col(off);
                        err(l, c, msg)
                    });
                    body
                })
                .map_err(|(off, msg)| {
                    let (l, c) = file.line_col(off);
                    err(l, c, msg)
                })
        } else if let Some(off) = too_deep(&file.text) {
            let (l, c) = file.line_col(off);
            Err(err(
                l,
                c,
                format!("nesting deeper than {MAX_NESTING} levels"),
            ))
        } else {
            // hcl-edit, with workarounds for the valid HCL it rejects; a panic in it (not
            // our code) becomes an error for this file.
            match crate::hcl_compat::parse_body(&file.text) {
                Ok(body) => Ok(body),
                Err(ParseFailure::Syntax(e)) => {
                    let loc = e.location();
                    let msg = e
                        .message()
                        .lines()
                        .next()
                        .unwrap_or("syntax error")
                        .to_string();
                    Err(err(
                        loc.line(),
                        loc.column(),
                        format!("cannot parse: {msg}"),
                    ))
                }
                Err(ParseFailure::Panic) => {
                    Err(err(1, 1, "cannot parse: internal parser error".into()))
                }
            }
        };
        match result {
            Ok(body) => match body_too_deep(&body) {
                Some(span) => {
                    let (l, c) = file.line_col(span.start);
                    let e = err(
                        l,
                        c,
                        format!("expression nested deeper than {MAX_EXPR_DEPTH} levels; file not checked"),
                    );
                    (file, Some(e))
                }
                None => {
                    file.outline = Outline::of(&body);
                    file.body = Some(body);
                    (file, template_error)
                }
            },
            Err(e) => (file, Some(e)),
        }
    }

    /// A file kept only to be pointed at, with no syntax tree (the JSON plan, for findings
    /// on resources whose `.tf` file is not there).
    pub fn unparsed(path: PathBuf, display: String, text: String) -> SourceFile {
        SourceFile {
            line_starts: line_starts(&text),
            path,
            display,
            text,
            body: None,
            outline: Outline::default(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// Text of a 1-based line, without the newline.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// The span of a block's header: from its start up to the opening brace.
    pub fn header_span(&self, block: Range<usize>) -> Range<usize> {
        let text = self.text.get(block.clone()).unwrap_or("");
        let end = text
            .find('{')
            .map(|i| block.start + i + 1)
            .unwrap_or(block.end);
        block.start..end
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// 1-based line and column (in bytes) of a byte offset in `text`.
pub(crate) fn line_col_of(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(0)
        + 1;
    (line, col)
}

/// Offset where bracket nesting exceeds [`MAX_NESTING`], ignoring strings roughly.
fn too_deep(text: &str) -> Option<usize> {
    // The depth never exceeds the number of opening brackets: counting them is one
    // vectorised pass, and almost every file has fewer than the limit.
    let openers: usize = text
        .bytes()
        .map(|b| usize::from(b == b'(' || b == b'[' || b == b'{'))
        .sum();
    if openers <= MAX_NESTING {
        return None;
    }
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `path` relative to `base` (both absolute), with `..` where needed.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let mut p = path.components();
    let mut b = base.components();
    // Skip the common prefix.
    loop {
        let (mut p2, mut b2) = (p.clone(), b.clone());
        match (p2.next(), b2.next()) {
            (Some(x), Some(y)) if x == y => (p, b) = (p2, b2),
            _ => break,
        }
    }
    let mut out = PathBuf::with_capacity(path.as_os_str().len());
    for _ in b {
        out.push("..");
    }
    for c in p {
        out.push(c);
    }
    let s = out.to_string_lossy().into_owned();
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// The span of the first attribute whose expression is nested deeper than
/// [`MAX_EXPR_DEPTH`] (the evaluator and renderers recurse on expressions).
pub fn body_too_deep(body: &Body) -> Option<Range<usize>> {
    use hcl_edit::Span;
    for a in body.attributes() {
        if crate::syntax::expr_depth(&a.value, 0, MAX_EXPR_DEPTH) > MAX_EXPR_DEPTH {
            return Some(a.span().unwrap_or(0..0));
        }
    }
    for b in body.blocks() {
        if let Some(s) = body_too_deep(&b.body) {
            return Some(s);
        }
    }
    None
}
