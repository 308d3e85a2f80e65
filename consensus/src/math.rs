//! Math helpers of reference 4.1.

/// `integer_squareroot(n)`: the largest `x` with `x * x <= n` (Newton's method, in u128 so that
/// `n + 1` cannot overflow at `n = 2^64 - 1`).
pub fn integer_squareroot(n: u64) -> u64 {
    let n = u128::from(n);
    let mut x = n;
    let mut y = x.div_ceil(2);
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x as u64
}

/// `xor(a, b)` of two 32-byte strings.
pub fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..32 {
        out[i] = a[i] ^ b[i];
    }
    out
}

/// `bytes_to_int` of the first 8 bytes, little-endian.
pub fn bytes_to_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_edges() {
        assert_eq!(integer_squareroot(0), 0);
        assert_eq!(integer_squareroot(1), 1);
        assert_eq!(integer_squareroot(15), 3);
        assert_eq!(integer_squareroot(16), 4);
        assert_eq!(integer_squareroot(u64::MAX), 4_294_967_295);
        for n in [2u64, 99, 1_000_000_007, 32_000_000_000 * 16_384] {
            let r = integer_squareroot(n);
            assert!(u128::from(r) * u128::from(r) <= u128::from(n));
            assert!(u128::from(r + 1) * u128::from(r + 1) > u128::from(n));
        }
    }
}
