//! Canonical Huffman codes as deflate writes them (RFC 1951 §3.2.2): a
//! lookup table for codes up to [`FAST_BITS`] long, and a canonical walk
//! for the rare longer ones.

/// Code lengths decoded by one table lookup.
const FAST_BITS: u32 = 10;
const FAST_MASK: u64 = (1 << FAST_BITS) - 1;
/// The longest code deflate allows.
const MAX_LEN: usize = 15;

/// One decoding table.
#[derive(Debug, Clone)]
pub(super) struct Huffman {
    /// By the next [`FAST_BITS`] bits: `symbol << 4 | length`, or 0 when
    /// the code is longer (or unused).
    fast: Vec<u16>,
    /// How many codes have each length.
    counts: [u16; MAX_LEN + 1],
    /// Symbols in canonical order (by length, then value).
    symbols: Vec<u16>,
}

impl Huffman {
    /// The code for symbol `i` of length `lengths[i]` (0: unused). Refuses an
    /// over-subscribed set of lengths; an incomplete one is accepted, and
    /// its unused codes fail when met.
    pub(super) fn new(lengths: &[u8]) -> Result<Huffman, String> {
        let mut counts = [0u16; MAX_LEN + 1];
        for &len in lengths {
            counts[usize::from(len)] += 1;
        }
        counts[0] = 0;
        let mut left: i32 = 1;
        for &count in &counts[1..] {
            left = (left << 1) - i32::from(count);
            if left < 0 {
                return Err("over-subscribed Huffman code lengths".into());
            }
        }
        let mut offsets = [0u16; MAX_LEN + 2];
        for len in 1..=MAX_LEN {
            offsets[len + 1] = offsets[len] + counts[len];
        }
        let mut symbols = vec![0u16; usize::from(offsets[MAX_LEN + 1])];
        let mut next_code = [0u32; MAX_LEN + 2];
        let mut code = 0u32;
        for len in 1..=MAX_LEN {
            code = (code + u32::from(counts[len - 1])) << 1;
            next_code[len] = code;
        }
        let mut fast = vec![0u16; 1 << FAST_BITS];
        let mut placed = offsets;
        for (symbol, &len) in lengths.iter().enumerate() {
            if len == 0 {
                continue;
            }
            let len = usize::from(len);
            let symbol = symbol as u16;
            symbols[usize::from(placed[len])] = symbol;
            placed[len] += 1;
            let code = next_code[len];
            next_code[len] += 1;
            if len as u32 <= FAST_BITS {
                let reversed = code.reverse_bits() >> (32 - len);
                let entry = (symbol << 4) | len as u16;
                let mut at = reversed as usize;
                while at < fast.len() {
                    fast[at] = entry;
                    at += 1 << len;
                }
            }
        }
        Ok(Huffman {
            fast,
            counts,
            symbols,
        })
    }

    /// Decodes the symbol at the start of `word`, of which `avail` bits are
    /// real: `Ok(None)` when the code runs past them.
    #[inline]
    pub(super) fn decode(
        &self,
        word: u64,
        avail: usize,
    ) -> Result<Option<(u16, usize)>, &'static str> {
        let entry = self.fast[(word & FAST_MASK) as usize];
        if entry != 0 {
            let len = usize::from(entry & 15);
            return Ok((len <= avail).then_some((entry >> 4, len)));
        }
        let mut code: i32 = 0;
        let mut first: i32 = 0;
        let mut index: i32 = 0;
        for len in 1..=MAX_LEN {
            if len > avail {
                return Ok(None);
            }
            code |= ((word >> (len - 1)) & 1) as i32;
            let count = i32::from(self.counts[len]);
            if code - first < count {
                return Ok(Some((self.symbols[(index + code - first) as usize], len)));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err("invalid Huffman code")
    }
}

#[cfg(test)]
mod tests {
    use super::Huffman;

    /// Reverses the `len` low bits of `code` (deflate sends codes MSB first
    /// into an LSB-first stream).
    fn stream(code: u64, len: usize) -> u64 {
        code.reverse_bits() >> (64 - len)
    }

    #[test]
    fn canonical_codes_decode_short_and_long() {
        // RFC 1951's example: lengths (3,3,3,3,3,2,4,4) give
        // F=00 A=010 B=011 … E=110 G=1110 H=1111.
        let table = Huffman::new(&[3, 3, 3, 3, 3, 2, 4, 4]).expect("table");
        assert_eq!(table.decode(stream(0b00, 2), 64), Ok(Some((5, 2))));
        assert_eq!(table.decode(stream(0b010, 3), 64), Ok(Some((0, 3))));
        assert_eq!(table.decode(stream(0b1111, 4), 64), Ok(Some((7, 4))));
        assert_eq!(table.decode(stream(0b1111, 4), 3), Ok(None));
        // Codes longer than the fast table: 1, 01, 001, … then two of 15.
        let mut lengths: Vec<u8> = (1..=14).collect();
        lengths.extend([15, 15]);
        let table = Huffman::new(&lengths).expect("table");
        assert_eq!(table.decode(stream(0b0, 1), 64), Ok(Some((0, 1))));
        assert_eq!(table.decode(stream(0b110, 3), 64), Ok(Some((2, 3))));
        assert_eq!(table.decode(stream(0x7ffe, 15), 64), Ok(Some((14, 15))));
        assert_eq!(table.decode(stream(0x7fff, 15), 64), Ok(Some((15, 15))));
        assert_eq!(table.decode(stream(0x7fff, 15), 12), Ok(None));
    }

    #[test]
    fn over_subscribed_lengths_are_refused_and_unused_codes_fail() {
        assert!(Huffman::new(&[1, 1, 1]).is_err());
        let incomplete = Huffman::new(&[1]).expect("one code of length 1");
        assert_eq!(incomplete.decode(0, 64), Ok(Some((0, 1))));
        assert!(incomplete.decode(1, 64).is_err());
    }
}
