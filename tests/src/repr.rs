//! Checks that a `repr` printed by hdconvert is consistent with the `repr` Python printed,
//! when hdconvert cut it (`...(+N chars)`, `...(+N items)`) or left parts of it opaque
//! (`<module.Class object at 0x…>`), as docs/json.md describes.
//!
//! Both texts are parsed into a small tree (string literals decoded, brackets nested, items
//! split at top-level commas), then compared node by node: a cut string must be a prefix of
//! Python's with the right count of what's left, a cut container must show Python's first
//! items (each consistent in turn) and count the rest, an opaque object stands for any item.

use std::fmt::Write as _;

/// One piece of a repr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A `str` or `bytes` literal, decoded to code points (bytes: 0–255); `cut` is the N of a
    /// following `...(+N chars)` / `...(+N bytes)`.
    Str {
        bytes: bool,
        text: Vec<u32>,
        cut: Option<u64>,
    },
    /// `(…)`, `[…]` or `{…}`: items split at top-level `, `; `cut` is the N of a last
    /// `...(+N items)`.
    Seq {
        open: char,
        items: Vec<Item>,
        cut: Option<u64>,
    },
    /// `<…>` (brackets nested): the repr of an object, Python's default form or not.
    Angle(String),
    /// Anything else: a number, a name, `:`, `...`, `=`-joined words.
    Atom(String),
}

/// What stands between two top-level commas: `1`, `'a': [1]` (three nodes), `frozenset({1})`.
pub type Item = Vec<Node>;

/// What a comparison may accept besides equality.
#[derive(Debug, Clone, Copy)]
pub struct Allow {
    /// Strings and containers cut with a count of what's left.
    pub cut: bool,
    /// `<X object at 0x…>` standing for any item.
    pub opaque: bool,
}

/// Parses a repr. Errors on what doesn't look like one (unbalanced brackets, open strings).
pub fn parse(text: &str) -> Result<Item, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let item = parser.item(None)?;
    if parser.pos != parser.chars.len() {
        return Err(format!(
            "unexpected {:?} at {}",
            parser.chars[parser.pos], parser.pos
        ));
    }
    Ok(item)
}

/// Whether `text` is Python's default repr of an object: `<module.Class object at 0x…>`.
pub fn is_default_form(text: &str) -> bool {
    text.starts_with('<') && text.ends_with('>') && text.contains(" object at 0x")
}

/// The type and address of a default-form repr.
pub fn default_form_parts(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('<')?.strip_suffix('>')?;
    let (type_name, address) = inner.rsplit_once(" object at ")?;
    address.starts_with("0x").then_some((type_name, address))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

const CUT: &str = "...(+";

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.pos + i) == Some(&c))
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    /// `...(+N WORD)` where WORD is one of `words`; returns N.
    fn cut_marker(&mut self, words: &[&str]) -> Result<Option<u64>, String> {
        if !self.starts_with(CUT) {
            return Ok(None);
        }
        self.pos += CUT.chars().count();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        let n = digits
            .parse::<u64>()
            .map_err(|_| format!("bad count in cut marker at {start}"))?;
        for word in words {
            let tail = format!(" {word})");
            if self.starts_with(&tail) {
                self.pos += tail.chars().count();
                return Ok(Some(n));
            }
        }
        Err(format!(
            "cut marker at {start} doesn't end with one of {words:?}"
        ))
    }

    fn item(&mut self, close: Option<char>) -> Result<Item, String> {
        let mut nodes = Vec::new();
        loop {
            self.skip_spaces();
            let Some(c) = self.peek() else { break };
            if close.is_some() && c == ',' {
                break;
            }
            if Some(c) == close {
                break;
            }
            match c {
                ')' | ']' | '}' | '>' => return Err(format!("unbalanced {c:?} at {}", self.pos)),
                '\'' | '"' => nodes.push(self.string(false)?),
                'b' if matches!(self.chars.get(self.pos + 1), Some('\'' | '"')) => {
                    self.pos += 1;
                    nodes.push(self.string(true)?)
                }
                '(' | '[' | '{' => nodes.push(self.seq()?),
                '<' => nodes.push(self.angle()?),
                ':' | ',' => {
                    self.pos += 1;
                    nodes.push(Node::Atom(c.to_string()));
                }
                _ if self.starts_with(CUT) => {
                    return Err(format!("cut marker out of place at {}", self.pos))
                }
                _ => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if " ,:()[]{}<>'\"".contains(c) {
                            break;
                        }
                        self.pos += 1;
                    }
                    nodes.push(Node::Atom(self.chars[start..self.pos].iter().collect()));
                }
            }
        }
        Ok(nodes)
    }

    fn string(&mut self, bytes: bool) -> Result<Node, String> {
        let start = self.pos;
        let quote = self.chars[self.pos];
        self.pos += 1;
        let mut text = Vec::new();
        loop {
            let c = self
                .peek()
                .ok_or_else(|| format!("string at {start} not closed"))?;
            self.pos += 1;
            if c == quote {
                break;
            }
            if c != '\\' {
                text.push(c as u32);
                continue;
            }
            let e = self
                .peek()
                .ok_or_else(|| format!("escape at end of string at {start}"))?;
            self.pos += 1;
            let hex_digits = match e {
                '\\' | '\'' | '"' => {
                    text.push(e as u32);
                    continue;
                }
                'n' => {
                    text.push(10);
                    continue;
                }
                't' => {
                    text.push(9);
                    continue;
                }
                'r' => {
                    text.push(13);
                    continue;
                }
                'x' => 2,
                'u' if !bytes => 4,
                'U' if !bytes => 8,
                _ => return Err(format!("unknown escape \\{e} in string at {start}")),
            };
            let digits: String = self
                .chars
                .get(self.pos..self.pos + hex_digits)
                .ok_or("short escape")?
                .iter()
                .collect();
            self.pos += hex_digits;
            text.push(
                u32::from_str_radix(&digits, 16)
                    .map_err(|_| format!("bad escape \\{e}{digits}"))?,
            );
        }
        let cut = self.cut_marker(if bytes { &["bytes"] } else { &["chars"] })?;
        Ok(Node::Str { bytes, text, cut })
    }

    fn seq(&mut self) -> Result<Node, String> {
        let open = self.chars[self.pos];
        let close = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        let mut cut = None;
        loop {
            self.skip_spaces();
            match self.peek() {
                None => return Err(format!("{open:?} at {start} not closed")),
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            if let Some(n) = self.cut_marker(&["items"])? {
                cut = Some(n);
                self.skip_spaces();
                if self.peek() != Some(close) {
                    return Err(format!("cut marker not last in {open:?} at {start}"));
                }
                self.pos += 1;
                break;
            }
            items.push(self.item(Some(close))?);
            self.skip_spaces();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                other => {
                    return Err(format!(
                        "expected , or {close:?} in {open:?} at {start}, found {other:?}"
                    ))
                }
            }
        }
        Ok(Node::Seq { open, items, cut })
    }

    fn angle(&mut self) -> Result<Node, String> {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(Node::Angle(self.chars[start..self.pos].iter().collect()));
                    }
                }
                '\'' | '"' => {
                    // A quoted part (`<module 'os' from '…'>`): skip to its end.
                    while let Some(q) = self.peek() {
                        self.pos += 1;
                        if q == '\\' {
                            self.pos += 1;
                        } else if q == c {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        Err(format!("'<' at {start} not closed"))
    }
}

/// Compares a parsed repr of ours with Python's.
pub fn match_item(ours: &Item, truth: &Item, allow: Allow) -> Result<(), String> {
    if allow.opaque {
        if let [Node::Angle(text)] = ours.as_slice() {
            if is_default_form(text) {
                return Ok(());
            }
        }
        // A `key: value` entry: each side of the colon is matched on its own, so that an
        // opaque key or value stands for its whole side (`Pretty(7)` is two nodes).
        let colon = |item: &[Node]| {
            item.iter()
                .position(|n| matches!(n, Node::Atom(a) if a == ":"))
        };
        if let (Some(o), Some(t)) = (colon(ours), colon(truth)) {
            match_item(&ours[..o].to_vec(), &truth[..t].to_vec(), allow)?;
            return match_item(&ours[o + 1..].to_vec(), &truth[t + 1..].to_vec(), allow);
        }
    }
    if ours.len() != truth.len() {
        return Err(format!("{} vs {}", render_item(ours), render_item(truth)));
    }
    ours.iter()
        .zip(truth)
        .try_for_each(|(o, t)| match_node(o, t, allow))
}

fn match_node(ours: &Node, truth: &Node, allow: Allow) -> Result<(), String> {
    let differ = || format!("{} vs {}", render_node(ours), render_node(truth));
    match (ours, truth) {
        (Node::Angle(text), _) if allow.opaque && is_default_form(text) => Ok(()),
        (
            Node::Str {
                bytes: ob,
                text: ot,
                cut: oc,
            },
            Node::Str {
                bytes: tb,
                text: tt,
                cut: None,
            },
        ) if ob == tb => match oc {
            None if ot == tt => Ok(()),
            Some(n)
                if allow.cut && tt.starts_with(ot) && ot.len() as u64 + n == tt.len() as u64 =>
            {
                Ok(())
            }
            Some(n) if allow.cut && tt.starts_with(ot) => Err(format!(
                "{}: shows {} of {} characters but says +{n} are left",
                differ(),
                ot.len(),
                tt.len()
            )),
            _ => Err(differ()),
        },
        (
            Node::Seq {
                open: oo,
                items: oi,
                cut: oc,
            },
            Node::Seq {
                open: to,
                items: ti,
                cut: None,
            },
        ) if oo == to => {
            match oc {
                Some(n) if allow.cut => {
                    if oi.len() as u64 + n != ti.len() as u64 {
                        return Err(format!(
                            "{}: shows {} of {} items but says +{n} are left",
                            differ(),
                            oi.len(),
                            ti.len()
                        ));
                    }
                    oi.iter()
                        .zip(ti)
                        .try_for_each(|(o, t)| match_item(o, t, allow))
                }
                Some(_) => Err(differ()),
                None if allow.cut
                    && oi.len() == 1
                    && oi[0] == [Node::Atom("...".into())]
                    && !ti.is_empty() =>
                {
                    Ok(())
                } // depth cut
                None if oi.len() == ti.len() => oi
                    .iter()
                    .zip(ti)
                    .try_for_each(|(o, t)| match_item(o, t, allow)),
                None => Err(format!("{}: {} items vs {}", differ(), oi.len(), ti.len())),
            }
        }
        (Node::Angle(a), Node::Angle(b)) | (Node::Atom(a), Node::Atom(b)) if a == b => Ok(()),
        _ => Err(differ()),
    }
}

/// Whether `ours` (cut and/or partly opaque) is consistent with Python's `truth`; the error
/// says where they part.
pub fn consistent(ours: &str, truth: &str, allow: Allow) -> Result<(), String> {
    let ours_tree = parse(ours).map_err(|e| format!("cannot parse our repr ({e})"))?;
    let truth_tree = match parse(truth) {
        Ok(t) => t,
        // A class's own __repr__ may print unbalanced brackets (asyncio's handles cut their
        // callbacks' reprs with reprlib): nothing to hold ours against when ours shows such
        // an object as opaque.
        Err(_) if allow.opaque && ours.contains(" object at 0x") => return Ok(()),
        Err(e) => return Err(format!("cannot parse Python's repr ({e})")),
    };
    match_item(&ours_tree, &truth_tree, allow)
}

/// For a container too long for the truth to hold its whole repr: whether `ours` is that
/// container (same brackets as `head`) showing items that agree with the first ones Python
/// printed in `head`, and counting the rest so that shown + cut = `length`.
pub fn consistent_head(ours: &str, head: &str, length: u64) -> Result<(), String> {
    let head_tree = parse(head).map_err(|e| format!("cannot parse Python's head ({e})"))?;
    let ours_tree = parse(ours).map_err(|e| format!("cannot parse our repr ({e})"))?;
    let (
        Some(Node::Seq {
            open, items: first, ..
        }),
        1,
    ) = (head_tree.first(), head_tree.len())
    else {
        return Err(format!("Python's head {head:?} is not one container"));
    };
    let shown = match ours_tree.as_slice() {
        [Node::Seq {
            open: o,
            items,
            cut,
        }] if o == open => (items, cut),
        _ => {
            return Err(format!(
                "ours is not one {open}…{} container: {}",
                match open {
                    '[' => ']',
                    '(' => ')',
                    _ => '}',
                },
                render_item(&ours_tree)
            ))
        }
    };
    let (items, cut) = shown;
    let total = items.len() as u64 + cut.unwrap_or(0);
    if total != length {
        return Err(format!(
            "shows {} items and says +{} are left: {total}, not {length}",
            items.len(),
            cut.unwrap_or(0)
        ));
    }
    let allow = Allow {
        cut: true,
        opaque: false,
    };
    for (i, (o, t)) in items.iter().zip(first).enumerate() {
        match_item(o, t, allow).map_err(|why| format!("item #{i}: {why}"))?;
    }
    Ok(())
}

/// Counts default-form `<… object at 0x…>` parts in a parsed repr.
pub fn count_opaque(item: &Item) -> usize {
    item.iter()
        .map(|node| match node {
            Node::Angle(text) if is_default_form(text) => 1,
            Node::Seq { items, .. } => items.iter().map(count_opaque).sum(),
            _ => 0,
        })
        .sum()
}

fn render_item(item: &Item) -> String {
    item.iter().map(render_node).collect::<Vec<_>>().join(" ")
}

fn render_node(node: &Node) -> String {
    let mut out = String::new();
    match node {
        Node::Str { bytes, text, cut } => {
            let s: String = text
                .iter()
                .map(|&c| char::from_u32(c).unwrap_or('\u{fffd}'))
                .collect();
            let _ = write!(
                out,
                "{}{:?}",
                if *bytes { "b" } else { "" },
                shorten(&s, 60)
            );
            if let Some(n) = cut {
                let _ = write!(out, "...(+{n})");
            }
        }
        Node::Seq { open, items, cut } => {
            let shown: Vec<String> = items.iter().take(6).map(render_item).collect();
            let _ = write!(out, "{open}{}", shown.join(", "));
            if items.len() > 6 {
                let _ = write!(out, ", …{} more", items.len() - 6);
            }
            if let Some(n) = cut {
                let _ = write!(out, ", ...(+{n} items)");
            }
            out.push(match open {
                '(' => ')',
                '[' => ']',
                _ => '}',
            });
        }
        Node::Angle(text) | Node::Atom(text) => out.push_str(&shorten(text, 80)),
    }
    out
}

/// `text` cut in the middle to about `max` characters, for messages.
pub fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max / 2).collect();
    let tail: String = text.chars().skip(count - max / 2).collect();
    format!("{head}…({} chars)…{tail}", count - max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Allow = Allow {
        cut: true,
        opaque: true,
    };

    #[test]
    fn cut_string() {
        let truth = format!("'{}'", "x".repeat(100));
        assert!(consistent("'xxxx'...(+96 chars)", &truth, BOTH).is_ok());
        assert!(consistent("'xxxx'...(+95 chars)", &truth, BOTH).is_err());
        assert!(consistent("'xxxy'...(+96 chars)", &truth, BOTH).is_err());
        assert!(consistent(r"'\x00a'...(+1 chars)", r"'\x00ab'", BOTH).is_ok());
        assert!(consistent(r"b'\x00'...(+2 bytes)", r#"b'\x00\'"'"#, BOTH).is_ok());
        // Quotes may differ when the prefix lacks the character that made Python switch.
        assert!(consistent(r#"'it'...(+2 chars)"#, r#""it's""#, BOTH).is_ok());
    }

    #[test]
    fn cut_containers() {
        let truth = format!(
            "[{}]",
            (0..100)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(consistent("[0, 1, 2, ...(+97 items)]", &truth, BOTH).is_ok());
        assert!(consistent("[0, 1, 3, ...(+97 items)]", &truth, BOTH).is_err());
        assert!(consistent("[0, 1, 2, ...(+96 items)]", &truth, BOTH).is_err());
        assert!(consistent("{0: '0', ...(+1 items)}", "{0: '0', 1: '1'}", BOTH).is_ok());
        assert!(consistent("[['aa'...(+1 chars), ...(+1 items)]]", "[['aaa', 2]]", BOTH).is_ok());
        assert!(consistent("[[...]]", "[[[1]]]", BOTH).is_ok());
        assert!(consistent(
            "[[...]]",
            "[[[1]]]",
            Allow {
                cut: false,
                opaque: true
            }
        )
        .is_err());
        assert!(consistent(
            "frozenset({1, ...(+2 items)})",
            "frozenset({1, 2, 3})",
            BOTH
        )
        .is_ok());
    }

    #[test]
    fn cut_against_head() {
        let head = "[0, 1, 2, 3]";
        assert!(consistent_head("[0, 1, ...(+998 items)]", head, 1000).is_ok());
        assert!(consistent_head("[0, 1, 2, 3, 4, 5, ...(+994 items)]", head, 1000).is_ok());
        assert!(consistent_head("[0, 1, ...(+997 items)]", head, 1000).is_err());
        assert!(consistent_head("[0, 2, ...(+998 items)]", head, 1000).is_err());
        assert!(consistent_head("{0, 1, ...(+998 items)}", head, 1000).is_err());
        assert!(consistent_head("{0: 0, ...(+99 items)}", "{0: 0, 1: 0}", 100).is_ok());
        assert!(consistent_head("{0: 1, ...(+99 items)}", "{0: 0, 1: 0}", 100).is_err());
        assert!(consistent_head("<list object at 0x10>", head, 1000).is_err());
    }

    #[test]
    fn opaque_parts() {
        let ours = "[<__main__.Point object at 0x10>, 'a']";
        assert!(consistent(ours, "[Point(x=1, y=2), 'a']", BOTH).is_ok());
        assert!(consistent(ours, "[Point(x=1, y=2), 'b']", BOTH).is_err());
        assert!(consistent(
            "<threading.Thread object at 0x1>",
            "<Thread(t, started daemon 1)>",
            BOTH
        )
        .is_ok());
        assert_eq!(
            default_form_parts("<a.B object at 0x10>"),
            Some(("a.B", "0x10"))
        );
        assert_eq!(count_opaque(&parse(ours).unwrap()), 1);
        let ours = "{1: <__main__.Pretty object at 0x10>, <__main__.K object at 0x20>: 'v'}";
        assert!(consistent(ours, "{1: Pretty(7), K(a=1): 'v'}", BOTH).is_ok());
        assert!(consistent(ours, "{2: Pretty(7), K(a=1): 'v'}", BOTH).is_err());
        assert!(consistent(ours, "{1: Pretty(7), K(a=1): 'w'}", BOTH).is_err());
    }

    #[test]
    fn parses_python_reprs() {
        for text in [
            "{'a': 1, 2: [3], (4,): None}",
            "(1,)",
            "()",
            "set()",
            "frozenset({'x'})",
            "bytearray(b'ab\\x00\\xff')",
            "'\\x00\\x7f\\t\\n\\r\\\\'",
            "'\\u200b'",
            "<module 'os' from '/x/os.py'>",
            "<Handle <TaskStepMethWrapper object at 0x7fec28b3cfa0>()>",
            "(1.5-2j)",
            "[1, [...]]",
            "{'me': {...}}",
            "-1.5e-07",
        ] {
            let tree = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(
                match_item(
                    &tree,
                    &tree,
                    Allow {
                        cut: false,
                        opaque: false
                    }
                )
                .is_ok(),
                "{text}"
            );
        }
    }
}
