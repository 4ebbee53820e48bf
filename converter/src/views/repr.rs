//! `repr()` of objects in the graph, exactly as Python prints it, or visibly cut.

use std::collections::HashSet;
use std::fmt::Write;

use unicode_general_category::{get_general_category, GeneralCategory};

use crate::limits::ReprLimits;
use crate::model::{Entries, IntValue, Items, ObjId, ObjectGraph, ObjectKind, PyText};

/// How faithful a rendered repr is, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Exactly what Python's `repr()` prints.
    Exact,
    /// Cut by a limit, with the cut marked.
    Truncated,
    /// Contains objects of types hd doesn't decode, shown as `<T object at 0x…>`.
    Opaque,
    /// Contains objects whose memory was not readable.
    Unreadable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Exact => "exact",
            Status::Truncated => "truncated",
            Status::Opaque => "opaque",
            Status::Unreadable => "unreadable",
        }
    }
}

/// A rendered value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub status: Status,
    /// Full length (characters, bytes or items) of the top object when it was cut.
    pub length: Option<u64>,
}

/// Renders `id` from `graph` within `limits`.
pub fn render(graph: &ObjectGraph, id: ObjId, limits: ReprLimits) -> Rendered {
    let mut r = Renderer {
        graph,
        limits,
        out: String::new(),
        status: Status::Exact,
        active: HashSet::new(),
        top_length: None,
    };
    r.value(id, 0, true);
    Rendered {
        text: r.out,
        status: r.status,
        length: r.top_length,
    }
}

struct Renderer<'g> {
    graph: &'g ObjectGraph,
    limits: ReprLimits,
    out: String,
    status: Status,
    /// Containers being rendered, for `[...]` like Python's `Py_ReprEnter`.
    active: HashSet<ObjId>,
    top_length: Option<u64>,
}

impl Renderer<'_> {
    fn mark(&mut self, s: Status) {
        if s > self.status {
            self.status = s;
        }
    }

    fn cut(&mut self, top: bool, length: u64) {
        self.mark(Status::Truncated);
        if top {
            self.top_length = Some(length);
        }
    }

    fn value(&mut self, id: ObjId, depth: usize, top: bool) {
        let Some(obj) = self.graph.get(id) else {
            self.mark(Status::Unreadable);
            let _ = write!(self.out, "<unreadable object at {id:#x}>");
            return;
        };
        match &obj.kind {
            ObjectKind::None => self.out.push_str("None"),
            ObjectKind::Ellipsis => self.out.push_str("Ellipsis"),
            ObjectKind::NotImplemented => self.out.push_str("NotImplemented"),
            ObjectKind::Bool(b) => self.out.push_str(if *b { "True" } else { "False" }),
            ObjectKind::Int(IntValue::Decimal(d)) => self.out.push_str(d),
            ObjectKind::Int(IntValue::Huge { negative, bits }) => {
                self.mark(Status::Truncated);
                let _ = write!(
                    self.out,
                    "<{}int of {bits} bits>",
                    if *negative { "negative " } else { "" }
                );
            }
            ObjectKind::Float(f) => self.out.push_str(&float_repr(*f)),
            ObjectKind::Str { text, length } => {
                let shown = (text.char_count() as u64).min(self.limits.max_string as u64);
                let cps: Vec<u32> = text
                    .code_points()
                    .into_iter()
                    .take(shown as usize)
                    .collect();
                self.out.push_str(&str_repr(&cps));
                if shown < *length {
                    let _ = write!(self.out, "...(+{} chars)", length - shown);
                    self.cut(top, *length);
                }
            }
            ObjectKind::Bytes { data, length } => {
                let shown = (data.len() as u64).min(self.limits.max_string as u64);
                self.out.push_str(&bytes_repr(&data[..shown as usize]));
                if shown < *length {
                    let _ = write!(self.out, "...(+{} bytes)", length - shown);
                    self.cut(top, *length);
                }
            }
            ObjectKind::List(items) => self.seq(id, "[", "]", items, depth, top, false),
            ObjectKind::Tuple(items) => self.seq(id, "(", ")", items, depth, top, true),
            ObjectKind::Set(items) | ObjectKind::FrozenSet(items) => {
                let frozen = matches!(obj.kind, ObjectKind::FrozenSet(_));
                let exact_set = !frozen && obj.type_name == "set";
                let name = obj.type_qualname.clone();
                if items.length == 0 {
                    let _ = write!(self.out, "{name}()");
                } else if exact_set {
                    self.seq(id, "{", "}", items, depth, top, false);
                } else {
                    let _ = write!(self.out, "{name}(");
                    self.seq(id, "{", "}", items, depth, top, false);
                    self.out.push(')');
                }
            }
            ObjectKind::Dict(entries) => self.dict(id, entries, depth, top),
            ObjectKind::Opaque => {
                self.mark(Status::Opaque);
                let _ = write!(self.out, "<{} object at {id:#x}>", obj.type_name);
            }
            ObjectKind::Unreadable { .. } => {
                self.mark(Status::Unreadable);
                let _ = write!(self.out, "<unreadable object at {id:#x}>");
            }
        }
    }

    /// Whether the output is already past the total limit.
    fn full(&self) -> bool {
        self.out.len() >= self.limits.max_total
    }

    #[allow(clippy::too_many_arguments)]
    fn seq(
        &mut self,
        id: ObjId,
        open: &str,
        close: &str,
        items: &Items,
        depth: usize,
        top: bool,
        tuple: bool,
    ) {
        if !self.active.insert(id) {
            let _ = write!(self.out, "{open}...{close}");
            return;
        }
        self.out.push_str(open);
        let mut shown = 0u64;
        if depth < self.limits.max_depth {
            for (i, &item) in items.items.iter().enumerate() {
                if i >= self.limits.max_items || self.full() {
                    break;
                }
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.value(item, depth + 1, false);
                shown += 1;
            }
        }
        if shown < items.length {
            if shown > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "...(+{} items)", items.length - shown);
            self.cut(top, items.length);
        } else if tuple && items.length == 1 {
            self.out.push(',');
        }
        self.out.push_str(close);
        self.active.remove(&id);
    }

    fn dict(&mut self, id: ObjId, entries: &Entries, depth: usize, top: bool) {
        if !self.active.insert(id) {
            self.out.push_str("{...}");
            return;
        }
        self.out.push('{');
        let mut shown = 0u64;
        if depth < self.limits.max_depth {
            for (i, &(k, v)) in entries.items.iter().enumerate() {
                if i >= self.limits.max_items || self.full() {
                    break;
                }
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.value(k, depth + 1, false);
                self.out.push_str(": ");
                self.value(v, depth + 1, false);
                shown += 1;
            }
        }
        if shown < entries.length {
            if shown > 0 {
                self.out.push_str(", ");
            }
            let _ = write!(self.out, "...(+{} items)", entries.length - shown);
            self.cut(top, entries.length);
        }
        self.out.push('}');
        self.active.remove(&id);
    }
}

/// Python's `str.isprintable()` for one character: everything but the categories Cc, Cf, Cs,
/// Co, Cn, Zl, Zp and Zs, except the space.
fn is_printable(c: u32) -> bool {
    if c == 0x20 {
        return true;
    }
    let Some(ch) = char::from_u32(c) else {
        return false; // lone surrogates
    };
    !matches!(
        get_general_category(ch),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::Surrogate
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::SpaceSeparator
    )
}

/// `repr()` of a str given by code points (`unicode_repr` in `Objects/unicodeobject.c`).
pub fn str_repr(cps: &[u32]) -> String {
    let has_single = cps.contains(&u32::from('\''));
    let has_double = cps.contains(&u32::from('"'));
    let quote = if has_single && !has_double { '"' } else { '\'' };
    let mut s = String::with_capacity(cps.len() + 2);
    s.push(quote);
    for &c in cps {
        match c {
            _ if c == u32::from(quote) || c == u32::from('\\') => {
                s.push('\\');
                s.push(char::from_u32(c).unwrap_or('?'));
            }
            0x09 => s.push_str("\\t"),
            0x0a => s.push_str("\\n"),
            0x0d => s.push_str("\\r"),
            _ if c < 0x20 || c == 0x7f => {
                let _ = write!(s, "\\x{c:02x}");
            }
            _ if c < 0x7f => s.push(char::from_u32(c).unwrap_or('?')),
            _ if is_printable(c) => s.push(char::from_u32(c).unwrap_or('?')),
            _ if c <= 0xff => {
                let _ = write!(s, "\\x{c:02x}");
            }
            _ if c <= 0xffff => {
                let _ = write!(s, "\\u{c:04x}");
            }
            _ => {
                let _ = write!(s, "\\U{c:08x}");
            }
        }
    }
    s.push(quote);
    s
}

/// `repr()` of bytes (`PyBytes_Repr`).
pub fn bytes_repr(b: &[u8]) -> String {
    let has_single = b.contains(&b'\'');
    let has_double = b.contains(&b'"');
    let quote = if has_single && !has_double {
        b'"'
    } else {
        b'\''
    };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(char::from(quote));
    for &c in b {
        match c {
            _ if c == quote || c == b'\\' => {
                s.push('\\');
                s.push(char::from(c));
            }
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            _ if !(0x20..0x7f).contains(&c) => {
                let _ = write!(s, "\\x{c:02x}");
            }
            _ => s.push(char::from(c)),
        }
    }
    s.push(char::from(quote));
    s
}

/// `repr()` of a float: the shortest string that round-trips, in Python's format (`'r'` mode
/// of `PyOS_double_to_string`: exponent form when the decimal point is before -4 or after 16).
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "-1.2345e-5".
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.chars().all(|c| c == '0') {
        "0".to_string()
    } else {
        digits
    };
    let decpt = exp + 1;
    let mut s = String::new();
    if x.is_sign_negative() {
        s.push('-');
    }
    let nd = digits.len() as i32;
    if x == 0.0 {
        s.push_str("0.0");
    } else if decpt <= -4 || decpt > 16 {
        s.push_str(&digits[..1]);
        if nd > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let _ = write!(s, "e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    } else if decpt <= 0 {
        s.push_str("0.");
        s.push_str(&"0".repeat((-decpt) as usize));
        s.push_str(&digits);
    } else if decpt >= nd {
        s.push_str(&digits);
        s.push_str(&"0".repeat((decpt - nd) as usize));
        s.push_str(".0");
    } else {
        s.push_str(&digits[..decpt as usize]);
        s.push('.');
        s.push_str(&digits[decpt as usize..]);
    }
    s
}

/// The repr of a str given as [`PyText`], uncut.
pub fn text_repr(t: &PyText) -> String {
    str_repr(&t.code_points())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_python() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-7, "1.5e-07"),
            (123456789.123, "123456789.123"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.5, "2.5"),
            (-1234.5, "-1234.5"),
            (1e22, "1e+22"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(*x), *want, "{x:?}");
        }
    }

    #[test]
    fn strings_like_python() {
        let r = |s: &str| str_repr(&s.chars().map(u32::from).collect::<Vec<_>>());
        assert_eq!(r("hello"), "'hello'");
        assert_eq!(r("it's"), "\"it's\"");
        assert_eq!(r("a\"b"), "'a\"b'");
        assert_eq!(r("both '\""), "'both \\'\"'");
        assert_eq!(r("\0\x7f\t\n\r\\"), "'\\x00\\x7f\\t\\n\\r\\\\'");
        assert_eq!(r("café"), "'café'");
        assert_eq!(r("\u{200b}"), "'\\u200b'");
        assert_eq!(r("\u{a0}"), "'\\xa0'");
        assert_eq!(r("😀x"), "'😀x'");
        assert_eq!(r("\u{e000}"), "'\\ue000'");
        assert_eq!(str_repr(&[0xd800]), "'\\ud800'");
        assert_eq!(r("\u{10ffff}"), "'\\U0010ffff'");
    }

    #[test]
    fn bytes_like_python() {
        assert_eq!(bytes_repr(b"\x00ab\xff'\""), "b'\\x00ab\\xff\\'\"'");
        assert_eq!(bytes_repr(b"'"), "b\"'\"");
        assert_eq!(bytes_repr(b"\\"), "b'\\\\'");
        assert_eq!(bytes_repr(b""), "b''");
    }
}
