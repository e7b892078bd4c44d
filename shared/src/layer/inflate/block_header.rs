//! A deflate block's header (RFC 1951 §3.2.3): its type, and for a
//! Huffman-coded block with dynamic codes (§3.2.7) the code lengths that
//! build its literal/length and distance tables. Read all at once or not
//! at all: when the input runs out part way, the caller rewinds to the
//! block's start and waits for more.

use std::io::Write;

use super::huffman::Huffman;
use super::{Inflater, State, fixed_dist, fixed_lit};

/// The order code length code lengths come in (RFC 1951 §3.2.7).
const CLEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

impl<W: Write> Inflater<W> {
    /// Takes `n` bits (at most 32) if the input has them.
    fn take(&mut self, n: usize) -> Option<u32> {
        let (word, avail) = self.peek();
        if n > avail {
            return None;
        }
        self.bit += n;
        Some((word & ((1u64 << n) - 1)) as u32)
    }

    /// The next block's header: the state its body starts in, `None` when
    /// the input ends first, or why it is not a valid header.
    pub(super) fn read_block_header(&mut self) -> Result<Option<State>, String> {
        let Some(header) = self.take(3) else {
            return Ok(None);
        };
        let last = header & 1 == 1;
        match header >> 1 {
            0 => {
                self.bit = self.bit.div_ceil(8) * 8;
                let Some(len) = self.take(16) else {
                    return Ok(None);
                };
                let Some(nlen) = self.take(16) else {
                    return Ok(None);
                };
                if len != !nlen & 0xffff {
                    return Err("a stored block's length does not match its complement".into());
                }
                Ok(Some(State::Stored {
                    remaining: len as u16,
                    last,
                }))
            }
            1 => {
                self.lit = fixed_lit();
                self.dist = fixed_dist();
                Ok(Some(State::Codes { last }))
            }
            2 => Ok(self.dynamic_tables()?.map(|()| State::Codes { last })),
            _ => Err("a block of the reserved type 3".into()),
        }
    }

    fn dynamic_tables(&mut self) -> Result<Option<()>, String> {
        let Some(counts) = self.take(14) else {
            return Ok(None);
        };
        let hlit = (counts & 31) as usize + 257;
        let hdist = ((counts >> 5) & 31) as usize + 1;
        let hclen = (counts >> 10) as usize + 4;
        if hlit > 286 || hdist > 30 {
            return Err("too many length or distance codes".into());
        }
        let mut clens = [0u8; 19];
        for &i in &CLEN_ORDER[..hclen] {
            let Some(len) = self.take(3) else {
                return Ok(None);
            };
            clens[i] = len as u8;
        }
        let clen = Huffman::new(&clens)?;
        let mut lengths = [0u8; 286 + 30];
        let total = hlit + hdist;
        let mut i = 0;
        while i < total {
            let (word, avail) = self.peek();
            let Some((symbol, used)) = clen.decode(word, avail).map_err(String::from)? else {
                return Ok(None);
            };
            self.bit += used;
            let (value, repeat) = match symbol {
                0..=15 => (symbol as u8, 1),
                16 => {
                    let Some(extra) = self.take(2) else {
                        return Ok(None);
                    };
                    if i == 0 {
                        return Err("a repeat of no previous code length".into());
                    }
                    (lengths[i - 1], 3 + extra as usize)
                }
                17 => {
                    let Some(extra) = self.take(3) else {
                        return Ok(None);
                    };
                    (0, 3 + extra as usize)
                }
                _ => {
                    let Some(extra) = self.take(7) else {
                        return Ok(None);
                    };
                    (0, 11 + extra as usize)
                }
            };
            if i + repeat > total {
                return Err("code lengths repeat past their end".into());
            }
            lengths[i..i + repeat].fill(value);
            i += repeat;
        }
        if lengths[256] == 0 {
            return Err("no end-of-block code".into());
        }
        self.lit = Huffman::new(&lengths[..hlit])?;
        self.dist = Huffman::new(&lengths[hlit..total])?;
        Ok(Some(()))
    }
}
