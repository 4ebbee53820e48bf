//! Views of a [`crate::model::Snapshot`]: the text traceback, the JSON document, and `repr()`
//! of objects, shared by the CLI and (later) the debugger plugins.

pub mod json;
pub mod repr;
pub mod text;
