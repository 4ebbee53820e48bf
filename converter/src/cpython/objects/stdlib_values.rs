//! Values of C objects of the standard library and NumPy that need more than offsets:
//! `decimal.Decimal` as text, `ndarray` geometry and first elements.

use super::ObjReader;
use crate::cpython::layout::{ndarray_layout, DecimalLayout};
use crate::limits;
use crate::model::NdArrayInfo;
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

    /// Geometry, dtype and the first elements of a NumPy array.
    pub fn ndarray(&self, addr: RemoteAddr) -> Result<NdArrayInfo, ReadError> {
        let l = ndarray_layout(self.r.ptr_size()).ok_or_else(|| ReadError::invalid(addr))?;
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
        let descr = r.ptr_at(addr, l.descr)?;
        let kind = r.u8_at(descr, l.descr_kind)? as char;
        let order = match r.u8_at(descr, l.descr_byteorder)? {
            b'=' => '<',
            b => b as char,
        };
        let elsize = u64::try_from(r.i32_at(descr, l.descr_elsize)?)
            .map_err(|_| ReadError::invalid(descr))?;
        let size = shape
            .iter()
            .try_fold(1u64, |a, &s| a.checked_mul(u64::try_from(s).unwrap_or(0)))
            .ok_or_else(|| ReadError::invalid(addr))?;
        let data = r.ptr_at(addr, l.data)?;
        // The first elements in C order, for 1-D arrays of plain numbers.
        let mut head = Vec::new();
        if nd == 1 && order == '<' {
            for i in 0..size.min(limits::MAX_NDARRAY_HEAD) {
                let at = RemoteAddr(
                    data.0
                        .wrapping_add((i as i64).wrapping_mul(stride[0]) as u64),
                );
                let v = match (kind, elsize) {
                    ('f', 8) => r.f64(at).ok(),
                    ('f', 4) => r.u32(at).ok().map(|b| f64::from(f32::from_bits(b))),
                    ('i', 8) => r.u64(at).ok().map(|b| b as i64 as f64),
                    ('i', 4) => r.i32(at).ok().map(f64::from),
                    ('u', 8) => r.u64(at).ok().map(|b| b as f64),
                    ('u', 4) => r.u32(at).ok().map(f64::from),
                    ('u' | 'b', 1) => r.u8(at).ok().map(f64::from),
                    _ => None,
                };
                match v {
                    Some(v) => head.push(v),
                    None => break,
                }
            }
        }
        Ok(NdArrayInfo {
            dtype: format!("{order}{kind}{elsize}"),
            shape,
            strides: stride,
            head,
            size,
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
