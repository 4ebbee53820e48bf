//! `int` digits (base 2**15 or 2**30, least significant first) to decimal text.

use crate::model::IntValue;

/// Converts a magnitude in `bits`-bit digits to decimal, with a leading `-` when `negative`.
/// Quadratic in the number of digits; callers bound the count (`limits::MAX_INT_DIGITS`).
pub fn to_decimal(digits: &[u32], bits: u8, negative: bool) -> IntValue {
    let mask = (1u64 << bits) - 1;
    // Base 10**9 limbs, least significant first.
    let mut limbs: Vec<u32> = Vec::new();
    for &d in digits.iter().rev() {
        let mut carry = u64::from(d) & mask;
        for limb in limbs.iter_mut() {
            let v = (u64::from(*limb) << bits) | carry;
            *limb = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    let mut s = String::new();
    match limbs.split_last() {
        None => s.push('0'),
        Some((top, rest)) => {
            if negative {
                s.push('-');
            }
            s.push_str(&top.to_string());
            for limb in rest.iter().rev() {
                s.push_str(&format!("{limb:09}"));
            }
        }
    }
    IntValue::Decimal(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits30(mut v: u128) -> Vec<u32> {
        let mut d = Vec::new();
        while v > 0 {
            d.push((v & ((1 << 30) - 1)) as u32);
            v >>= 30;
        }
        d
    }

    #[test]
    fn small_and_big() {
        assert_eq!(to_decimal(&[], 30, false), IntValue::Decimal("0".into()));
        assert_eq!(to_decimal(&[42], 30, true), IntValue::Decimal("-42".into()));
        let v: u128 = (1u128 << 100) + 12345;
        assert_eq!(
            to_decimal(&digits30(v), 30, false),
            IntValue::Decimal(v.to_string())
        );
        let v: u128 = 10u128.pow(27);
        assert_eq!(
            to_decimal(&digits30(v), 30, false),
            IntValue::Decimal(v.to_string())
        );
        // 15-bit digits
        assert_eq!(
            to_decimal(&[0x7fff, 1], 15, false),
            IntValue::Decimal((0x7fff + (1 << 15)).to_string())
        );
    }
}
