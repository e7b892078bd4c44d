//! [`Inflater`]: a push gzip decoder (every member, RFC 1952 around RFC
//! 1951 deflate) that can stop and start again at deflate block
//! boundaries. While it decodes it records [`Checkpoint`]s: the bit where
//! a block starts, the output offset there, and the 32 KiB of output
//! before it, which is all a decoder needs to start at that block
//! ([`Inflater::resume`]). This is zlib's `zran` idea, done in one pass
//! with the verification that reads the layer anyway.
//!
//! Written here rather than borrowed: the Rust inflaters in use
//! (`miniz_oxide`, `zlib-rs`' safe API) say neither where a block starts
//! to the bit nor let a decoder start mid-stream.
//!
//! Compressed bytes go in as they arrive; the decoder keeps what it has
//! not consumed (less than one block header, one symbol, or one gzip
//! member header, at most 1 MiB) and 32 KiB of
//! history plus at most 256 KiB of output, handed to the sink as
//! they fill.

mod block_header;
mod gzip_header;
mod huffman;

use std::io::Write;

use huffman::Huffman;

use super::decode::{DecodeError, SINK_ERROR};

/// Deflate's window: how far back a match may reach.
pub const WINDOW: usize = 32 << 10;
/// Output handed to the sink at once (at most).
const CHUNK: usize = 256 << 10;
/// The most checkpoints recorded (128 MiB of windows, a 16 GiB tar at the
/// index's 4 MiB spacing): past it the decoder records none, so a hostile
/// layer cannot grow them without bound.
pub const MAX_CHECKPOINTS: usize = 4096;
/// The output buffer: history, a chunk, and one longest match.
const OUT_CAPACITY: usize = WINDOW + CHUNK + 258;

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// Where a decoder can start: a deflate block boundary, or the stream's
/// start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The compressed bit offset of the block's first bit (0: the start of
    /// the stream, before the first gzip header).
    pub in_bits: u64,
    /// The uncompressed offset there.
    pub out: u64,
    /// The (up to) 32 KiB of output just before `out`.
    pub window: Vec<u8>,
}

impl Checkpoint {
    /// The start of the stream.
    pub fn start() -> Checkpoint {
        Checkpoint {
            in_bits: 0,
            out: 0,
            window: Vec::new(),
        }
    }

    /// The first compressed byte a decoder starting here reads.
    pub fn in_byte(&self) -> u64 {
        self.in_bits / 8
    }
}

#[derive(Debug)]
enum State {
    /// Before a gzip member's header (byte aligned).
    MemberHeader,
    /// Before a deflate block's 3-bit header.
    BlockHeader,
    /// Inside a stored block.
    Stored { remaining: u16, last: bool },
    /// Inside a Huffman-coded block.
    Codes { last: bool },
    /// After the last block: the member's CRC-32 and size.
    Trailer,
    /// Between members, or at the end.
    AfterMember,
}

/// What one step of decoding did.
enum Step {
    /// Go on.
    More,
    /// Needs more input (nothing of the unfinished step was consumed).
    Input,
}

/// The push decoder; see the module docs.
pub struct Inflater<W: Write> {
    sink: W,
    state: State,
    /// Unconsumed input; its first byte is compressed byte `in_base`.
    input: Vec<u8>,
    in_base: u64,
    /// The next bit to read, in `input`.
    bit: usize,
    /// Output: history, then bytes not yet handed on from `emitted`.
    out: Vec<u8>,
    emitted: usize,
    /// The uncompressed offset of `out[0]`.
    out_base: u64,
    lit: Huffman,
    dist: Huffman,
    /// The member's running CRC-32 and size (unchecked after a resume).
    crc: crc32fast::Hasher,
    member_size: u32,
    check_trailer: bool,
    /// Checkpoint spacing in output bytes (`None`: no checkpoints).
    span: Option<u64>,
    checkpoints: Vec<Checkpoint>,
    /// The uncompressed offset where the current member's output starts
    /// (a match may not reach before it).
    member_start: u64,
}

impl<W: Write> Inflater<W> {
    /// A decoder at the start of a gzip stream; with `span`, it records a
    /// checkpoint at the first block boundary after every `span` bytes of
    /// output (and one at the start).
    pub fn new(sink: W, span: Option<u64>) -> Self {
        let span = span.map(|s| s.max(1));
        let checkpoints = if span.is_some() {
            vec![Checkpoint::start()]
        } else {
            Vec::new()
        };
        Inflater {
            sink,
            state: State::MemberHeader,
            input: Vec::new(),
            in_base: 0,
            bit: 0,
            out: Vec::with_capacity(OUT_CAPACITY),
            emitted: 0,
            out_base: 0,
            lit: fixed_lit(),
            dist: fixed_dist(),
            crc: crc32fast::Hasher::new(),
            member_size: 0,
            check_trailer: true,
            span,
            checkpoints,
            member_start: 0,
        }
    }

    /// A decoder that starts at `checkpoint`: feed it the compressed bytes
    /// from [`Checkpoint::in_byte`] on. Its output starts at
    /// `checkpoint.out`. The member's CRC cannot be checked from the
    /// middle, so it is not; the caller checks what it reads another way.
    pub fn resume(checkpoint: &Checkpoint, sink: W) -> Self {
        let mut inflater = Inflater::new(sink, None);
        inflater.in_base = checkpoint.in_byte();
        inflater.bit = (checkpoint.in_bits % 8) as usize;
        if checkpoint.in_bits != 0 {
            inflater.state = State::BlockHeader;
            inflater.check_trailer = false;
        }
        inflater.out.extend_from_slice(&checkpoint.window);
        inflater.emitted = inflater.out.len();
        inflater.out_base = checkpoint.out - checkpoint.window.len() as u64;
        inflater.member_start = inflater.out_base;
        inflater
    }

    /// The sink.
    pub fn sink_mut(&mut self) -> &mut W {
        &mut self.sink
    }

    /// The sink, to read.
    pub fn sink(&self) -> &W {
        &self.sink
    }

    /// Hands on everything decoded so far (output is otherwise handed on
    /// in pieces of up to 256 KiB).
    pub fn flush_pending(&mut self) -> Result<(), DecodeError> {
        self.flush()
    }

    /// Uncompressed bytes produced so far (from the stream's start).
    pub fn produced(&self) -> u64 {
        self.out_base + self.out.len() as u64
    }

    /// The checkpoints recorded so far.
    pub fn checkpoints(&self) -> &[Checkpoint] {
        &self.checkpoints
    }

    /// Feeds the next compressed bytes.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), DecodeError> {
        self.input.extend_from_slice(bytes);
        let result = self.run();
        self.compact_input();
        result
    }

    /// Ends the stream: everything is handed on, and the stream must end
    /// after a whole member. Returns the sink and the checkpoints.
    pub fn finish(mut self) -> Result<(W, Vec<Checkpoint>), DecodeError> {
        self.run()?;
        self.flush()?;
        match self.state {
            State::AfterMember if self.input.len() * 8 <= self.bit => {
                Ok((self.sink, self.checkpoints))
            }
            _ => Err(gzip("the stream ends early (truncated)")),
        }
    }

    /// Ends a stream read only in part (a resumed read): hands on what is
    /// decoded, checks nothing about the end.
    pub fn into_sink(mut self) -> Result<W, DecodeError> {
        self.flush()?;
        Ok(self.sink)
    }

    fn compact_input(&mut self) {
        let bytes = self.bit / 8;
        if bytes > 0 {
            self.input.drain(..bytes);
            self.in_base += bytes as u64;
            self.bit %= 8;
        }
    }

    fn run(&mut self) -> Result<(), DecodeError> {
        loop {
            let step = match self.state {
                State::MemberHeader => self.member_header()?,
                State::BlockHeader => self.block_header()?,
                State::Stored { remaining, last } => self.stored(remaining, last)?,
                State::Codes { last } => self.codes(last)?,
                State::Trailer => self.trailer()?,
                State::AfterMember => {
                    if self.input.len() * 8 <= self.bit {
                        Step::Input
                    } else {
                        self.state = State::MemberHeader;
                        Step::More
                    }
                }
            };
            if let Step::Input = step {
                return Ok(());
            }
        }
    }

    /// Up to 64 bits from the read position (zeros past the input) and how
    /// many of them are real (at least 57 unless the input ends sooner).
    #[inline]
    fn peek(&self) -> (u64, usize) {
        let byte = self.bit / 8;
        let shift = self.bit % 8;
        if let Some(eight) = self.input.get(byte..byte + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(eight);
            (u64::from_le_bytes(word) >> shift, 64 - shift)
        } else {
            let rest = self.input.get(byte..).unwrap_or_default();
            let word = rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i));
            ((word >> shift), (rest.len() * 8).saturating_sub(shift))
        }
    }

    fn member_header(&mut self) -> Result<Step, DecodeError> {
        let at = self.bit / 8;
        match gzip_header::parse(&self.input[at..]).map_err(|e| gzip(&e))? {
            None => Ok(Step::Input),
            Some(len) => {
                self.bit += len * 8;
                self.member_start = self.produced();
                self.crc = crc32fast::Hasher::new();
                self.member_size = 0;
                self.check_trailer = true;
                self.state = State::BlockHeader;
                Ok(Step::More)
            }
        }
    }

    fn block_header(&mut self) -> Result<Step, DecodeError> {
        if let Some(span) = self.span {
            let produced = self.produced();
            let last = self.checkpoints.last().map_or(0, |c| c.out);
            if self.checkpoints.len() >= MAX_CHECKPOINTS {
                // Too many to keep: none at all (the caller makes no index).
                self.span = None;
                self.checkpoints = Vec::new();
            } else if produced >= last + span {
                let from = self.out.len().saturating_sub(WINDOW);
                self.checkpoints.push(Checkpoint {
                    in_bits: (self.in_base * 8) + self.bit as u64,
                    out: produced,
                    window: self.out[from..].to_vec(),
                });
            }
        }
        let start = self.bit;
        match self.read_block_header() {
            Ok(Some(state)) => {
                self.state = state;
                Ok(Step::More)
            }
            Ok(None) => {
                self.bit = start;
                Ok(Step::Input)
            }
            Err(e) => Err(gzip(&e)),
        }
    }

    fn stored(&mut self, remaining: u16, last: bool) -> Result<Step, DecodeError> {
        let at = self.bit / 8;
        let available = self.input.len() - at;
        if remaining > 0 && available == 0 {
            return Ok(Step::Input);
        }
        let n = available.min(usize::from(remaining)).min(CHUNK);
        if self.out.len() + n > OUT_CAPACITY {
            self.flush()?;
        }
        self.out.extend_from_slice(&self.input[at..at + n]);
        self.bit += n * 8;
        let remaining = remaining - n as u16;
        self.state = match (remaining, last) {
            (0, true) => State::Trailer,
            (0, false) => State::BlockHeader,
            (remaining, last) => State::Stored { remaining, last },
        };
        Ok(Step::More)
    }

    fn codes(&mut self, last: bool) -> Result<Step, DecodeError> {
        // The bits at the read position: one symbol takes at most 48 (a
        // 15-bit length code, 5 extra, a 15-bit distance code, 13 extra), so
        // the word is read again only when fewer are left, and an input
        // shortage is only ever seen right after a fresh read.
        let (mut word, mut avail) = self.peek();
        loop {
            if self.out.len() + 258 > OUT_CAPACITY {
                self.flush()?;
            }
            if avail < 48 {
                (word, avail) = self.peek();
            }
            let Some((symbol, mut used)) = self.lit.decode(word, avail).map_err(gzip)? else {
                return Ok(Step::Input);
            };
            if symbol < 256 {
                self.out.push(symbol as u8);
                self.bit += used;
                word >>= used;
                avail -= used;
                continue;
            }
            if symbol == 256 {
                self.bit += used;
                self.state = if last {
                    State::Trailer
                } else {
                    State::BlockHeader
                };
                return Ok(Step::More);
            }
            let index = usize::from(symbol - 257);
            if index >= LEN_BASE.len() {
                return Err(gzip("an invalid length code"));
            }
            let extra = usize::from(LEN_EXTRA[index]);
            if used + extra > avail {
                return Ok(Step::Input);
            }
            let len = usize::from(LEN_BASE[index]) + ((word >> used) & ((1 << extra) - 1)) as usize;
            used += extra;
            let Some((code, n)) = self.dist.decode(word >> used, avail - used).map_err(gzip)?
            else {
                return Ok(Step::Input);
            };
            used += n;
            let code = usize::from(code);
            if code >= DIST_BASE.len() {
                return Err(gzip("an invalid distance code"));
            }
            let extra = usize::from(DIST_EXTRA[code]);
            if used + extra > avail {
                return Ok(Step::Input);
            }
            let distance =
                usize::from(DIST_BASE[code]) + ((word >> used) & ((1 << extra) - 1)) as usize;
            used += extra;
            let end = self.out.len();
            let in_member = self.out_base + end as u64 - self.member_start;
            if distance > end || distance as u64 > in_member {
                return Err(gzip("a match reaches back before its member's start"));
            }
            let from = end - distance;
            if distance >= len {
                self.out.extend_from_within(from..from + len);
            } else {
                for i in 0..len {
                    let byte = self.out[from + i];
                    self.out.push(byte);
                }
            }
            self.bit += used;
            // `used` can be 48: shift in two steps (a shift by 64 overflows).
            word = (word >> (used / 2)) >> (used - used / 2);
            avail -= used;
        }
    }

    fn trailer(&mut self) -> Result<Step, DecodeError> {
        let aligned = self.bit.div_ceil(8) * 8;
        let at = aligned / 8;
        let Some(trailer) = self.input.get(at..at + 8) else {
            return Ok(Step::Input);
        };
        let mut crc = [0u8; 4];
        crc.copy_from_slice(&trailer[..4]);
        let mut size = [0u8; 4];
        size.copy_from_slice(&trailer[4..]);
        self.bit = aligned + 64;
        self.flush()?;
        if self.check_trailer {
            let computed = std::mem::take(&mut self.crc).finalize();
            if u32::from_le_bytes(crc) != computed {
                return Err(gzip("a member's CRC-32 does not match its content"));
            }
            if u32::from_le_bytes(size) != self.member_size {
                return Err(gzip("a member's size does not match its content"));
            }
        }
        self.state = State::AfterMember;
        Ok(Step::More)
    }

    /// Hands on the output not yet emitted, and keeps only the window.
    fn flush(&mut self) -> Result<(), DecodeError> {
        let new = &self.out[self.emitted..];
        if !new.is_empty() {
            if self.check_trailer {
                self.crc.update(new);
                self.member_size = self.member_size.wrapping_add(new.len() as u32);
            }
            self.sink.write_all(new).map_err(|e| {
                if e.to_string() == SINK_ERROR {
                    DecodeError::Sink
                } else {
                    DecodeError::Gzip(e.to_string())
                }
            })?;
        }
        let keep = self.out.len().min(WINDOW);
        let drop = self.out.len() - keep;
        if drop > 0 {
            self.out.copy_within(drop.., 0);
            self.out.truncate(keep);
            self.out_base += drop as u64;
        }
        self.emitted = self.out.len();
        Ok(())
    }
}

fn gzip(message: &str) -> DecodeError {
    DecodeError::Gzip(message.to_owned())
}

fn fixed_lit() -> Huffman {
    let mut lengths = [8u8; 288];
    lengths[144..256].fill(9);
    lengths[256..280].fill(7);
    Huffman::new(&lengths).unwrap_or_else(|_| unreachable!("the fixed code is complete"))
}

fn fixed_dist() -> Huffman {
    Huffman::new(&[5u8; 30]).unwrap_or_else(|_| unreachable!("the fixed code is valid"))
}

#[cfg(test)]
mod tests;
