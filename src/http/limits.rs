//! The shape limits of a GraphQL request, checked before async-graphql sees the document: its
//! size, its tokens and bracket nesting (before parsing, so a hostile document costs a linear
//! scan), then, on the parsed document, depth, fields, aliases and repeated fields with fragments
//! expanded (memoized, so a "fragment bomb" costs its text, not its expansion) and fragment
//! cycles. Validation and the cost (complexity) check come after, in async-graphql.
use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::parser::{Positioned, parse_query};

use crate::config::LimitsConfig;

/// A request refused for its shape: a stable code and a message that states the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: String) -> Self {
        Self { code, message }
    }
}

pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub const QUERY_TOO_DEEP: &str = "QUERY_TOO_DEEP";
pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
pub const BATCH_TOO_LARGE: &str = "BATCH_TOO_LARGE";

/// Brackets of any kind may nest this much deeper than fields (inline fragments, list values).
fn max_nesting(l: &LimitsConfig) -> usize {
    2 * l.max_depth + 8
}

/// The recursion depth async-graphql allows itself (fragments and inline fragments count).
pub fn recursive_depth(l: &LimitsConfig) -> usize {
    max_nesting(l).max(32)
}

/// Size, token count and nesting of the document text, without parsing it.
pub fn check_text(query: &str, l: &LimitsConfig) -> Result<(), Refusal> {
    if query.len() > l.max_document_bytes {
        return Err(Refusal::new(
            PAYLOAD_TOO_LARGE,
            format!(
                "The GraphQL document is {} bytes; at most {} are accepted.",
                query.len(),
                l.max_document_bytes
            ),
        ));
    }
    let (tokens, nesting) = scan(query);
    if nesting > max_nesting(l) {
        return Err(too_deep(nesting / 2, l));
    }
    if tokens > l.max_tokens {
        return Err(Refusal::new(
            QUERY_TOO_COMPLEX,
            format!(
                "The GraphQL document holds {tokens} tokens; at most {} are accepted.",
                l.max_tokens
            ),
        ));
    }
    Ok(())
}

fn too_deep(depth: usize, l: &LimitsConfig) -> Refusal {
    Refusal::new(
        QUERY_TOO_DEEP,
        format!(
            "The operation nests {depth} levels of fields; at most {} are accepted.",
            l.max_depth
        ),
    )
}

/// Counts the lexical tokens (GraphQL commas and comments are not tokens) and the deepest
/// bracket nesting.
fn scan(q: &str) -> (usize, usize) {
    let (mut tokens, mut depth, mut max) = (0usize, 0usize, 0usize);
    lex(q, |t| {
        tokens += 1;
        match t {
            "{" | "(" | "[" => {
                depth += 1;
                max = max.max(depth);
            }
            "}" | ")" | "]" => depth = depth.saturating_sub(1),
            _ => {}
        }
    });
    (tokens, max)
}

/// The document with its tokens separated by one space: the same document whatever its
/// whitespace, commas and comments (a response cache key).
pub fn normalize(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    lex(q, |t| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(t);
    });
    out
}

/// Calls `each` with every lexical token of a GraphQL document, in a linear scan that never
/// fails (what does not lex is the parser's to report). Strings and block strings are one token.
fn lex(q: &str, mut each: impl FnMut(&str)) {
    let b = q.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            b'.' if b[i..].starts_with(b"...") => i += 3,
            _ => i += q[i..].chars().next().map_or(1, char::len_utf8),
        }
        i = i.min(b.len());
        // Every end above falls on an ASCII byte, a char boundary or the end of the text.
        if let Some(t) = q.get(start..i) {
            each(t);
        }
    }
}

/// Parses a document whose text passed [`check_text`] and checks its shape.
pub fn parse_and_check(query: &str, l: &LimitsConfig) -> Result<ExecutableDocument, ParseOutcome> {
    check_text(query, l).map_err(ParseOutcome::Refused)?;
    // A parse error is async-graphql's to report (it has the positions); the caller hands the
    // text over unparsed.
    let doc = parse_query(query).map_err(|_| ParseOutcome::Unparsable)?;
    check_document(&doc, l).map_err(ParseOutcome::Refused)?;
    Ok(doc)
}

#[derive(Debug)]
pub enum ParseOutcome {
    Refused(Refusal),
    Unparsable,
}

/// What one selection set (fragments expanded) amounts to.
#[derive(Debug, Clone, Copy, Default)]
struct Shape {
    fields: usize,
    depth: usize,
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    limits: &'a LimitsConfig,
    aliases: usize,
    fragments: HashMap<&'a str, Shape>,
    /// Fragments being expanded: a spread of one of these is a cycle.
    open: Vec<&'a str>,
}

/// Depth, expanded field count, aliases and repeated response keys of every operation.
pub fn check_document(doc: &ExecutableDocument, l: &LimitsConfig) -> Result<(), Refusal> {
    let mut w = Walker {
        doc,
        limits: l,
        aliases: 0,
        fragments: HashMap::new(),
        open: Vec::new(),
    };
    for (_, op) in doc.operations.iter() {
        let shape = w.selection_set(&op.node.selection_set)?;
        w.check_shape(shape)?;
    }
    // Fragments never spread are a validation error async-graphql reports; walk them anyway so
    // their aliases count.
    for (name, f) in &doc.fragments {
        if !w.fragments.contains_key(name.as_str()) {
            w.open.push(name.as_str());
            let shape = w.selection_set(&f.node.selection_set)?;
            w.open.pop();
            w.check_shape(shape)?;
        }
    }
    Ok(())
}

impl<'a> Walker<'a> {
    fn check_shape(&self, s: Shape) -> Result<(), Refusal> {
        if s.depth > self.limits.max_depth {
            return Err(too_deep(s.depth, self.limits));
        }
        if s.fields > self.limits.max_fields {
            return Err(Refusal::new(
                QUERY_TOO_COMPLEX,
                format!(
                    "The operation selects {} fields once its fragments are expanded; at most {} are accepted.",
                    s.fields, self.limits.max_fields
                ),
            ));
        }
        Ok(())
    }

    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>) -> Result<Shape, Refusal> {
        let mut shape = Shape::default();
        let mut keys: HashMap<&str, usize> = HashMap::new();
        for sel in &set.node.items {
            let inner = match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    if f.alias.is_some() {
                        self.aliases += 1;
                        if self.aliases > self.limits.max_aliases {
                            return Err(Refusal::new(
                                QUERY_TOO_COMPLEX,
                                format!(
                                    "The document uses more than {} aliases, the limit.",
                                    self.limits.max_aliases
                                ),
                            ));
                        }
                    }
                    let key = f.response_key().node.as_str();
                    let n = keys.entry(key).or_insert(0);
                    *n += 1;
                    if *n > self.limits.max_repeated_fields {
                        return Err(Refusal::new(
                            QUERY_TOO_COMPLEX,
                            format!(
                                "`{key}` is selected more than {} times in one selection set, the limit.",
                                self.limits.max_repeated_fields
                            ),
                        ));
                    }
                    let child = self.selection_set(&f.selection_set)?;
                    Shape {
                        fields: child.fields.saturating_add(1),
                        depth: child.depth + 1,
                    }
                }
                Selection::InlineFragment(f) => self.selection_set(&f.node.selection_set)?,
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    self.fragment(name)?
                }
            };
            shape.fields = shape.fields.saturating_add(inner.fields);
            shape.depth = shape.depth.max(inner.depth);
            self.check_shape(shape)?;
        }
        Ok(shape)
    }

    fn fragment(&mut self, name: &'a str) -> Result<Shape, Refusal> {
        if let Some(s) = self.fragments.get(name) {
            return Ok(*s);
        }
        if self.open.contains(&name) {
            return Err(Refusal::new(
                "GRAPHQL_VALIDATION_FAILED",
                format!(
                    "Fragment `{name}` spreads itself (a fragment cycle), which GraphQL forbids."
                ),
            ));
        }
        // An unknown fragment is a validation error async-graphql reports.
        let Some((key, f)) = self.doc.fragments.get_key_value(name) else {
            return Ok(Shape::default());
        };
        self.open.push(key.as_str());
        let shape = self.selection_set(&f.node.selection_set)?;
        self.open.pop();
        self.fragments.insert(key.as_str(), shape);
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LimitsConfig {
        LimitsConfig::default()
    }

    fn refusal(q: &str) -> Option<&'static str> {
        match parse_and_check(q, &limits()) {
            Ok(_) => None,
            Err(ParseOutcome::Refused(r)) => Some(r.code),
            Err(ParseOutcome::Unparsable) => Some("UNPARSABLE"),
        }
    }

    #[test]
    fn tokens_are_counted_without_commas_comments_or_string_contents() {
        assert_eq!(scan("{ a, b # c d e\n }").0, 4);
        assert_eq!(scan(r#"{ a(x: "one two \" three") }"#).0, 8);
        assert_eq!(scan("{ a(x: \"\"\"many\nwords\"\"\") ...F }").0, 10);
        assert_eq!(scan("{ a { b { c } } }").1, 3);
    }

    #[test]
    fn normalizing_drops_whitespace_commas_and_comments_only() {
        assert_eq!(
            normalize("query Q($a: Int) {\n  x(a: $a, b: \"s  t\") # note\n  ...F }"),
            "query Q ( $ a : Int ) { x ( a : $ a b : \"s  t\" ) ... F }"
        );
        assert_eq!(normalize("{ é }"), "{ é }");
        assert_eq!(normalize("{ \"unterminated"), "{ \"unterminated");
    }

    #[test]
    fn ordinary_queries_pass() {
        assert_eq!(refusal("{ dataset { title } }"), None);
        assert_eq!(
            refusal(
                "query Q { a: region(code: \"VN\") { ...R } b: region(code: \"X\") { ...R } } fragment R on Region { code name parent { code } }"
            ),
            None
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{}{}", "{ a ".repeat(5_000), "}".repeat(5_000));
        assert_eq!(refusal(&deep), Some(QUERY_TOO_DEEP));
        let sixteen = format!("{}x{}", "{ a ".repeat(16), "}".repeat(16));
        assert_eq!(refusal(&sixteen), Some(QUERY_TOO_DEEP));
    }

    #[test]
    fn depth_counts_fields_inside_fragments() {
        let mut q = String::from("{ ...F0 }");
        for i in 0..16 {
            q.push_str(&format!(" fragment F{i} on Q {{ a {{ ...F{} }} }}", i + 1));
        }
        q.push_str(" fragment F16 on Q { b }");
        assert_eq!(refusal(&q), Some(QUERY_TOO_DEEP));
    }

    #[test]
    fn a_fragment_bomb_is_refused_for_its_expanded_size() {
        let mut q = String::from("{ ...F0 }");
        for i in 0..30 {
            q.push_str(&format!(
                " fragment F{i} on Q {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        q.push_str(" fragment F30 on Q { a }");
        assert_eq!(refusal(&q), Some(QUERY_TOO_COMPLEX));
    }

    #[test]
    fn aliases_repeats_cycles_and_size_are_refused() {
        let aliases: String = (0..51).map(|i| format!("a{i}: x ")).collect();
        assert_eq!(
            refusal(&format!("{{ {aliases} }}")),
            Some(QUERY_TOO_COMPLEX)
        );
        assert_eq!(refusal("{ x x x x x x }"), Some(QUERY_TOO_COMPLEX));
        assert_eq!(refusal("{ x x x x x }"), None);
        assert_eq!(
            refusal("{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }"),
            Some("GRAPHQL_VALIDATION_FAILED")
        );
        let big = format!("{{ x # {} \n }}", "y".repeat(40_000));
        assert_eq!(refusal(&big), Some(PAYLOAD_TOO_LARGE));
        let many = format!("{{ {} }}", "x(a: 1) ".repeat(1_000));
        assert_eq!(refusal(&many), Some(QUERY_TOO_COMPLEX));
        assert_eq!(refusal("{ x"), Some("UNPARSABLE"));
    }
}
