//! The process's environment as Python saw it: `os.environ`'s `_data`, a dict of bytes to
//! bytes on POSIX (str to str elsewhere), read through `sys.modules`.

use crate::source::RemoteAddr;

use super::objects::ObjReader;

/// Variables read at most, and bytes per name or value.
const MAX_VARIABLES: usize = 4096;
const MAX_VALUE: usize = 1 << 16;

/// `os.environ` as (name, value) pairs in its order, or `None` when `os` isn't imported or
/// can't be read.
pub fn read_environ(o: &ObjReader<'_>, modules: RemoteAddr) -> Option<Vec<(String, String)>> {
    let os = o.dict_get_str(modules, "os").ok()??;
    let dict = o.module_dict(os).ok().filter(|d| !d.is_null())?;
    let environ = o.dict_get_str(dict, "environ").ok()??;
    let attrs = o.instance_attrs(environ, 64).ok()?;
    let data = attrs
        .iter()
        .find(|(k, _)| o.str_equals(*k, "_data"))
        .map(|(_, v)| *v)?;
    let (items, _) = o.dict_items(data, MAX_VARIABLES).ok()?;
    let text = |a: RemoteAddr| -> Option<String> {
        match o.bytes_value(a, MAX_VALUE) {
            Ok((b, _)) if o.str_if_str(a).is_none() => {
                Some(String::from_utf8_lossy(&b).into_owned())
            }
            _ => o.str_if_str(a),
        }
    };
    Some(
        items
            .into_iter()
            .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
            .collect(),
    )
}
