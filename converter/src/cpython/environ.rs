//! The process's environment as Python saw it: `os.environ`'s `_data`, a dict of bytes to
//! bytes on POSIX (str to str elsewhere), read through `sys.modules`.

use crate::limits::{MAX_ENVIRON_VALUE, MAX_ENVIRON_VARIABLES};
use crate::source::RemoteAddr;

use super::objects::{Builtin, ObjReader};

/// `os.environ` as (name, value) pairs in its order, or `None` when `os` isn't imported or
/// can't be read.
pub fn read_environ(o: &ObjReader<'_>, modules: RemoteAddr) -> Option<Vec<(String, String)>> {
    let dict = o.module_namespace(modules, "os")?;
    let environ = o.dict_get_str(dict, "environ").ok()??;
    let data = o.instance_attr(environ, "_data").ok()??;
    let (items, _) = o.dict_items(data, MAX_ENVIRON_VARIABLES).ok()?;
    let text = |a: RemoteAddr| -> Option<String> {
        match o.type_of(a).ok()?.repr_as? {
            Builtin::Bytes => {
                let (b, _) = o.bytes_value(a, MAX_ENVIRON_VALUE).ok()?;
                Some(String::from_utf8_lossy(&b).into_owned())
            }
            Builtin::Str => o.str_plain(a).ok(),
            _ => None,
        }
    };
    Some(
        items
            .into_iter()
            .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
            .collect(),
    )
}
