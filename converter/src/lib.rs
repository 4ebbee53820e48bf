//! hd: Python stacks, locals and objects from core dumps and live processes, without debug
//! symbols.
//!
//! The flow, one module tree per layer:
//! [`source`] (a core file or a live process as an address space) →
//! [`symbols`] (where `_PyRuntime` is) →
//! [`cpython`] (versions, layouts, threads, frames, objects) →
//! [`model`] (the snapshot) →
//! [`format`] (the portable dump file) →
//! [`views`] (text, JSON, `repr`).

pub mod analyze;
pub mod capi;
pub mod convert;
pub mod cpython;
pub mod diag;
pub mod error;
pub mod format;
pub mod limits;
pub mod model;
pub mod source;
mod source_text;
pub mod symbols;
pub mod views;

pub use analyze::{
    exercise_core_bytes, exercise_dump_bytes, exercise_object_bytes, histogram_core, snapshot_core,
    snapshot_live, FileOptions,
};
pub use cpython::{PyVersion, ReadOptions};
pub use diag::Diagnostic;
pub use error::Error;
pub use model::Snapshot;

/// `hdconvert` and its version, as recorded in outputs.
pub const PRODUCER: &str = concat!("hdconvert ", env!("CARGO_PKG_VERSION"));
