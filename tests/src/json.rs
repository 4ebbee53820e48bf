//! What the converter's JSON output and the samples' truth files share: a traceback entry and
//! the deserializers for ordered objects and for nullable fields that may be absent.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// One entry of a traceback, as `show --object --json` and the truth both give it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TracebackEntry {
    pub function: String,
    pub qualname: String,
    pub file: String,
    pub line: Option<i64>,
}

/// A JSON object as (name, value) pairs in the file's order.
pub(crate) fn ordered_values<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    de: D,
) -> Result<Option<Vec<(String, T)>>, D::Error> {
    let map: Option<serde_json::Map<String, serde_json::Value>> = Option::deserialize(de)?;
    map.map(|m| {
        m.into_iter()
            .map(|(k, v)| {
                serde_json::from_value(v)
                    .map_err(|e| serde::de::Error::custom(format!("{k:?}: {e}")))
                    .map(|v| (k, v))
            })
            .collect()
    })
    .transpose()
}

/// For `Option<Option<T>>` fields: absent → `None` (with `#[serde(default)]`), null →
/// `Some(None)`.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    de: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(de).map(Some)
}
