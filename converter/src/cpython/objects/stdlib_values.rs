//! Values of C objects of the standard library and NumPy that need more than offsets:
//! `decimal.Decimal` as text, `ndarray` geometry and first elements (and NumPy's version).

use super::ObjReader;
use crate::cpython::layout::{ndarray_layout, DecimalLayout};
use crate::limits;
use crate::model::{NdArrayInfo, NdScalar};
use crate::source::{ReadError, RemoteAddr};

/// `mpd_t.flags` bits (libmpdec).
const MPD_NEG: u8 = 1;
const MPD_INF: u8 = 2;
const MPD_NAN: u8 = 4;
const MPD_SNAN: u8 = 8;

impl ObjReader<'_> {
    /// `str()` of a `decimal.Decimal` (scientific notation as `Decimal.__str__` writes it).
    pub fn decimal_text(&self, addr: RemoteAddr, d: DecimalLayout) -> Result<String, ReadError> {
        let r = &self.r;
        let dec = r.at(addr, d.dec)?;
        let flags = r.u8_at(dec, d.flags)?;
        let exp = r.ssize_at(dec, d.exp)?;
        let len = u64::try_from(r.ssize_at(dec, d.len)?).map_err(|_| ReadError::invalid(dec))?;
        if len > limits::MAX_DECIMAL_LIMBS {
            return Err(ReadError::invalid(dec));
        }
        let data = r.ptr_at(dec, d.data)?;
        let mut coeff = String::new();
        for i in (0..len).rev() {
            let limb = r.u64(r.at(data, 8 * i)?)?;
            if coeff.is_empty() {
                if limb != 0 || i == 0 {
                    coeff.push_str(&limb.to_string());
                }
            } else {
                coeff.push_str(&format!("{limb:019}"));
            }
        }
        if coeff.is_empty() {
            coeff.push('0');
        }
        Ok(decimal_to_sci(flags & MPD_NEG != 0, flags, &coeff, exp))
    }

    /// Learns NumPy's major version from `numpy.__version__`, through `sys.modules` (once):
    /// NumPy 1 and 2 lay out the dtype differently.
    pub fn learn_numpy_version(&self, modules: RemoteAddr) {
        if self.numpy_major.get().is_some() {
            return;
        }
        let found = || -> Option<u64> {
            let dict = self.module_namespace(modules, "numpy")?;
            let version = self.dict_get_str(dict, "__version__").ok()??;
            let text = self.str_if_str(version)?;
            let major: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
            major.parse().ok()
        };
        if let Some(major) = found() {
            let _ = self.numpy_major.set(major);
        }
    }

    /// Geometry, dtype and the first elements (in C order) of a NumPy array.
    pub fn ndarray(&self, addr: RemoteAddr) -> Result<NdArrayInfo, ReadError> {
        let l = ndarray_layout(self.r.ptr_size(), self.numpy_major.get().copied())
            .ok_or_else(|| ReadError::invalid(addr))?;
        let r = &self.r;
        let nd = u64::try_from(r.i32_at(addr, l.nd)?).map_err(|_| ReadError::invalid(addr))?;
        if nd > 64 {
            return Err(ReadError::invalid(addr));
        }
        let (dims, strides) = (r.ptr_at(addr, l.dimensions)?, r.ptr_at(addr, l.strides)?);
        let (mut shape, mut stride) = (Vec::new(), Vec::new());
        let p = u64::from(r.ptr_size()); // npy_intp
        for i in 0..nd {
            shape.push(r.ssize(r.at(dims, p * i)?)?);
            stride.push(r.ssize(r.at(strides, p * i)?)?);
        }
        if shape.iter().any(|&s| s < 0) {
            return Err(ReadError::invalid(addr));
        }
        let descr = r.ptr_at(addr, l.descr)?;
        let kind = r.u8_at(descr, l.descr_kind)? as char;
        // `=` is the machine's order; dumps of big-endian machines aren't read.
        let order = match r.u8_at(descr, l.descr_byteorder)? {
            b'=' => '<',
            b => b as char,
        };
        let elsize = u64::try_from(r.i32_at(descr, l.descr_elsize)?)
            .map_err(|_| ReadError::invalid(descr))?;
        let size = shape
            .iter()
            .try_fold(1u64, |a, &s| a.checked_mul(s as u64))
            .ok_or_else(|| ReadError::invalid(addr))?;
        let data = r.ptr_at(addr, l.data)?;
        let mut head = Vec::new();
        if matches!(order, '<' | '|') {
            for i in 0..size.min(limits::MAX_NDARRAY_HEAD) {
                // Element `i` in C order: its index along each axis, times the strides.
                let (mut rest, mut offset) = (i, 0i64);
                for (&dim, &st) in shape.iter().zip(&stride).rev() {
                    let dim = dim as u64; // > 0: `i` < size
                    offset = offset.wrapping_add(((rest % dim) as i64).wrapping_mul(st));
                    rest /= dim;
                }
                match self.nd_scalar(RemoteAddr(data.0.wrapping_add(offset as u64)), kind, elsize) {
                    Some(v) => head.push(v),
                    None => break,
                }
            }
        }
        // `dtype.str`: a unicode dtype counts characters of 4 bytes.
        let count = if kind == 'U' { elsize / 4 } else { elsize };
        Ok(NdArrayInfo {
            dtype: format!("{order}{kind}{count}"),
            shape,
            strides: stride,
            head,
            size,
        })
    }

    /// One element of a numeric or boolean array, as `.item()` would give it.
    fn nd_scalar(&self, at: RemoteAddr, kind: char, elsize: u64) -> Option<NdScalar> {
        let r = &self.r;
        Some(match (kind, elsize) {
            ('b', 1) => NdScalar::Bool(r.u8(at).ok()? != 0),
            ('i', 1) => NdScalar::Int(i64::from(r.u8(at).ok()? as i8)),
            ('i', 2) => NdScalar::Int(i64::from(r.u16(at).ok()? as i16)),
            ('i', 4) => NdScalar::Int(i64::from(r.i32(at).ok()?)),
            ('i', 8) => NdScalar::Int(r.u64(at).ok()? as i64),
            ('u', 1) => NdScalar::UInt(u64::from(r.u8(at).ok()?)),
            ('u', 2) => NdScalar::UInt(u64::from(r.u16(at).ok()?)),
            ('u', 4) => NdScalar::UInt(u64::from(r.u32(at).ok()?)),
            ('u', 8) => NdScalar::UInt(r.u64(at).ok()?),
            ('f', 4) => NdScalar::Float(f64::from(f32::from_bits(r.u32(at).ok()?))),
            ('f', 8) => NdScalar::Float(r.f64(at).ok()?),
            // In the target's byte order, as every other element.
            ('c', 8) => NdScalar::Complex(
                f64::from(f32::from_bits(r.u32(at).ok()?)),
                f64::from(f32::from_bits(
                    r.u32(RemoteAddr(at.0.wrapping_add(4))).ok()?,
                )),
            ),
            ('c', 16) => NdScalar::Complex(
                r.f64(at).ok()?,
                r.f64(RemoteAddr(at.0.wrapping_add(8))).ok()?,
            ),
            _ => return None,
        })
    }
}

/// `Decimal.__str__`: the coefficient `coeff` (decimal digits) times 10**`exp`.
pub fn decimal_to_sci(negative: bool, flags: u8, coeff: &str, exp: i64) -> String {
    let sign = if negative { "-" } else { "" };
    if flags & MPD_INF != 0 {
        return format!("{sign}Infinity");
    }
    if flags & (MPD_NAN | MPD_SNAN) != 0 {
        let payload = if coeff.trim_start_matches('0').is_empty() {
            ""
        } else {
            coeff
        };
        let tag = if flags & MPD_SNAN != 0 { "sNaN" } else { "NaN" };
        return format!("{sign}{tag}{payload}");
    }
    let n = coeff.len() as i64;
    // Saturating: `exp` comes from the dump (libmpdec keeps it far inside i64).
    let leftdigits = exp.saturating_add(n);
    let body = if exp <= 0 && leftdigits > -6 {
        if exp == 0 {
            coeff.to_string()
        } else if leftdigits > 0 {
            format!(
                "{}.{}",
                &coeff[..leftdigits as usize],
                &coeff[leftdigits as usize..]
            )
        } else {
            format!("0.{}{}", "0".repeat((-leftdigits) as usize), coeff)
        }
    } else {
        let e = leftdigits.saturating_sub(1);
        let mantissa = if n > 1 {
            format!("{}.{}", &coeff[..1], &coeff[1..])
        } else {
            coeff.to_string()
        };
        format!("{mantissa}E{}{e}", if e >= 0 { "+" } else { "" })
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_like_python() {
        assert_eq!(decimal_to_sci(false, 0, "123456", -3), "123.456");
        assert_eq!(decimal_to_sci(true, MPD_NEG, "123456", 4), "-1.23456E+9");
        assert_eq!(decimal_to_sci(false, 0, "1", -7), "1E-7");
        assert_eq!(decimal_to_sci(false, 0, "1", -6), "0.000001");
        assert_eq!(decimal_to_sci(false, 0, "0", 0), "0");
        assert_eq!(decimal_to_sci(false, 0, "0", -2), "0.00");
        assert_eq!(decimal_to_sci(false, 0, "5", 2), "5E+2");
        assert_eq!(decimal_to_sci(true, MPD_NEG | MPD_INF, "0", 0), "-Infinity");
        assert_eq!(decimal_to_sci(false, MPD_NAN, "0", 0), "NaN");
        assert_eq!(decimal_to_sci(false, MPD_SNAN, "12", 0), "sNaN12");
    }
}
