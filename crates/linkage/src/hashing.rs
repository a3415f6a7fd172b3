//! The hash for the engine's in-memory maps (interned names, value counts, links). The
//! standard library's SipHash is built to resist keys chosen to collide and is slow on the
//! short keys these maps hold; this one mixes eight bytes at a time with a multiplication and
//! finishes with a full avalanche. Each map is keyed from the standard library's random source,
//! so which keys collide is not fixed in the code; it is not a cryptographic defence. Nothing
//! the engine outputs depends on a map's order.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use crate::names::avalanche;

/// A `HashMap` with the engine's hash.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, Seeded>;

/// Builds [`FastHasher`]s from one random key per map.
#[derive(Clone, Debug)]
pub(crate) struct Seeded(u64);

impl Default for Seeded {
    fn default() -> Self {
        Self(RandomState::new().hash_one(0x5eed_u64))
    }
}

impl BuildHasher for Seeded {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(self.0)
    }
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

pub(crate) struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(<[u8; 8]>::try_from(c).map_or(0, u64::from_le_bytes));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            if let Some(b) = buf.get_mut(..rest.len()) {
                b.copy_from_slice(rest);
            }
            self.mix(u64::from_le_bytes(buf));
        }
        self.mix(bytes.len() as u64);
    }

    #[inline]
    fn write_u8(&mut self, x: u8) {
        self.mix(u64::from(x));
    }

    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.mix(u64::from(x));
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.mix(x);
    }

    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.mix(x as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        avalanche(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_work_and_hashes_spread() {
        let mut m: FastMap<Box<str>, u32> = FastMap::default();
        let words = [
            "",
            "a",
            "ab",
            "abcdefgh",
            "abcdefghi",
            "smith",
            "smith\0",
            "smyth",
        ];
        for (i, w) in words.iter().enumerate() {
            m.insert((*w).into(), i as u32);
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(m.get(*w), Some(&(i as u32)));
        }
        let seeded = Seeded::default();
        let hashes: std::collections::HashSet<u64> =
            words.iter().map(|w| seeded.hash_one(w)).collect();
        assert_eq!(hashes.len(), words.len());
        let mut pairs: FastMap<(u32, u32), f64> = FastMap::default();
        for a in 0..300u32 {
            pairs.insert((a, a + 1), f64::from(a));
        }
        assert_eq!(pairs.get(&(7, 8)), Some(&7.0));
        assert_eq!(pairs.get(&(8, 7)), None);
    }
}
