use std::fmt;

/// An address in the dumped process. Never a host pointer: the dump may come from another
/// architecture, and nothing here is dereferenced directly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RemoteAddr(pub u64);

impl RemoteAddr {
    pub const NULL: RemoteAddr = RemoteAddr(0);

    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// `self + off`, or `None` on overflow.
    pub fn offset(self, off: u64) -> Option<RemoteAddr> {
        self.0.checked_add(off).map(RemoteAddr)
    }

    /// `self - off`, or `None` on underflow.
    pub fn back(self, off: u64) -> Option<RemoteAddr> {
        self.0.checked_sub(off).map(RemoteAddr)
    }
}

impl fmt::Display for RemoteAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::LowerHex for RemoteAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}
