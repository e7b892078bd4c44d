//! A verified stream: any source of bytes whose digest (and maybe size) is
//! known, wrapped so that every chunk is hashed as it passes and the end of
//! the stream fails on a size or digest mismatch (go-containerregistry's
//! `verify.ReadCloser`).
//!
//! One wrapper, [`Verified`], serves every kind of source:
//! - an [`Iterator`] or a `futures` [`Stream`] of `Result<chunk, E>` items:
//!   the chunks pass through unchanged, more bytes than declared fail at
//!   once, and a mismatch at the end comes out as one last `Err` item
//!   (`E: From<VerifyError>`);
//! - a [`std::io::Read`]: a mismatch is an [`std::io::ErrorKind::InvalidData`]
//!   error in place of end-of-file;
//! - a source that is no Rust type (a JavaScript stream reader, a tee that
//!   fans out chunks): the caller hands each chunk to [`Verified::pass`] and
//!   calls [`Verified::end`] when the source ends.
//!
//! Nothing read through it counts as verified until the end was reached
//! without an error: a consumer keeps what it received provisional (an
//! ingest file, a buffer) until then.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::{Digest, Verifier, VerifyError};

/// `inner`, checked against a digest and an optional size as it is read.
#[derive(Debug)]
pub struct Verified<S> {
    inner: S,
    verifier: Option<Verifier>,
    /// The verdict, once the source ended (or failed the size check).
    outcome: Option<Result<Digest, VerifyError>>,
    /// The source failed: nothing more is read from it.
    source_failed: bool,
}

impl<S> Verified<S> {
    /// Wraps `inner`, whose bytes must hash to `expected` and, when known,
    /// number exactly `size` (a descriptor's `size`; `None` for content
    /// whose length nothing declares, such as a decompressed layer).
    pub fn new(inner: S, expected: Digest, size: Option<u64>) -> Verified<S> {
        Verified {
            inner,
            verifier: Some(Verifier::new(expected, size)),
            outcome: None,
            source_failed: false,
        }
    }

    /// The digest the bytes must have.
    pub fn expected(&self) -> Option<&Digest> {
        self.verifier.as_ref().map(Verifier::expected)
    }

    /// Bytes passed so far.
    pub fn bytes_seen(&self) -> u64 {
        self.verifier.as_ref().map_or(0, Verifier::bytes_seen)
    }

    /// The source, for reading around the check (rarely what you want).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The source, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Passes one chunk of the source through the check. Fails as soon as
    /// more bytes than declared arrived: stop reading then.
    pub fn pass(&mut self, chunk: &[u8]) -> Result<(), VerifyError> {
        if let Some(Err(e)) = &self.outcome {
            return Err(e.clone());
        }
        match self.verifier.as_mut() {
            Some(verifier) => verifier.update(chunk).inspect_err(|e| {
                self.outcome = Some(Err(e.clone()));
            }),
            None => Ok(()),
        }
    }

    /// The source ended: the verified digest, or what did not match.
    /// Calling it again gives the same answer.
    pub fn end(&mut self) -> Result<Digest, VerifyError> {
        if let Some(verifier) = self.verifier.take() {
            let verdict = verifier.finish();
            // A size failure seen mid-stream stays the verdict.
            if !matches!(self.outcome, Some(Err(_))) {
                self.outcome = Some(verdict);
            }
        }
        self.outcome
            .clone()
            .unwrap_or_else(|| unreachable!("the verifier is only taken once its outcome is set"))
    }

    /// Whether [`Verified::end`] was reached or the check already failed.
    fn done(&self) -> bool {
        self.source_failed || self.verifier.is_none() || matches!(self.outcome, Some(Err(_)))
    }

    /// The item that follows `next` from the source.
    fn check_item<B: AsRef<[u8]>, E: From<VerifyError>>(
        &mut self,
        next: Option<Result<B, E>>,
    ) -> Option<Result<B, E>> {
        match next {
            Some(Ok(chunk)) => Some(self.pass(chunk.as_ref()).map(|()| chunk).map_err(E::from)),
            Some(Err(e)) => {
                // Nothing more is read; what passed stays unverified
                // ([`Verified::end`] says how it falls short).
                self.source_failed = true;
                Some(Err(e))
            }
            None => match self.end() {
                Ok(_) => None,
                Err(e) => Some(Err(E::from(e))),
            },
        }
    }
}

impl<S, B, E> Iterator for Verified<S>
where
    S: Iterator<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: From<VerifyError>,
{
    type Item = Result<B, E>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done() {
            return None;
        }
        let next = self.inner.next();
        self.check_item(next)
    }
}

impl<S, B, E> Stream for Verified<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: From<VerifyError>,
{
    type Item = Result<B, E>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<<Self as Stream>::Item>> {
        let this = self.get_mut();
        if this.done() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(next) => Poll::Ready(this.check_item(next)),
        }
    }
}

impl<R: std::io::Read> std::io::Read for Verified<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let invalid = |e: VerifyError| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        if let Some(Err(e)) = &self.outcome {
            return Err(invalid(e.clone()));
        }
        if self.verifier.is_none() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.end().map_err(invalid)?;
            return Ok(0);
        }
        self.pass(&buf[..n]).map_err(invalid)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::io::Read;

    use super::*;

    const CONTENT: &[u8] = b"hello, verified stream";

    #[derive(Debug, PartialEq)]
    enum Failure {
        Source,
        Verify(VerifyError),
    }

    impl From<VerifyError> for Failure {
        fn from(e: VerifyError) -> Self {
            Failure::Verify(e)
        }
    }

    fn chunks(parts: &[&'static [u8]]) -> Vec<Result<&'static [u8], Failure>> {
        parts.iter().map(|p| Ok(*p)).collect()
    }

    /// Every way of reading gives the same verdict: as an iterator, as a
    /// reader, and pushed by hand.
    #[test]
    fn one_verdict_whatever_the_source() {
        let good = Digest::sha256_of(CONTENT);
        let len = CONTENT.len() as u64;
        let (a, b) = CONTENT.split_at(7);
        #[rustfmt::skip]
        type Case = (&'static str, Vec<&'static [u8]>, Option<u64>, bool);
        let cases: Vec<Case> = vec![
            ("whole", vec![CONTENT], Some(len), true),
            (
                "two chunks and an empty one",
                vec![a, b"", b],
                Some(len),
                true,
            ),
            ("size unknown", vec![a, b], None, true),
            ("truncated", vec![a], Some(len), false),
            ("altered", vec![b"HELLO, verified stream"], Some(len), false),
            ("too long", vec![CONTENT, b"!"], Some(len), false),
            ("declared size wrong", vec![CONTENT], Some(len - 1), false),
        ];
        for (name, parts, size, ok) in cases {
            let iterated: Vec<_> =
                Verified::new(chunks(&parts).into_iter(), good.clone(), size).collect();
            assert_eq!(
                iterated.iter().all(Result::is_ok),
                ok,
                "{name}: iterator {iterated:?}"
            );
            if ok {
                let passed: Vec<u8> = iterated
                    .into_iter()
                    .flat_map(|c| c.unwrap_or_default().to_vec())
                    .collect();
                assert_eq!(passed, CONTENT, "{name}: bytes pass unchanged");
            }

            let joined: Vec<u8> = parts.concat();
            let mut read = Vec::new();
            let result =
                Verified::new(joined.as_slice(), good.clone(), size).read_to_end(&mut read);
            assert_eq!(result.is_ok(), ok, "{name}: reader {result:?}");
            if let Err(e) = result {
                assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{name}");
            }

            let mut pushed = Verified::new((), good.clone(), size);
            let during: Result<(), VerifyError> = parts.iter().try_for_each(|p| pushed.pass(p));
            let verdict = during.and_then(|()| pushed.end().map(|_| ()));
            assert_eq!(verdict.is_ok(), ok, "{name}: pushed {verdict:?}");
            assert_eq!(pushed.end().is_ok(), ok, "{name}: end is idempotent");
        }
    }

    #[test]
    fn too_long_fails_at_once_and_stops() {
        let good = Digest::sha256_of(CONTENT);
        let source = chunks(&[CONTENT, b"!", b"never read"]).into_iter();
        let mut verified = Verified::new(source, good.clone(), Some(CONTENT.len() as u64));
        assert!(matches!(verified.next(), Some(Ok(_))));
        assert!(matches!(
            verified.next(),
            Some(Err(Failure::Verify(VerifyError::TooLarge { .. })))
        ));
        assert!(verified.next().is_none(), "nothing after the failure");
        assert!(matches!(verified.end(), Err(VerifyError::TooLarge { .. })));
    }

    #[test]
    fn a_source_error_passes_through_and_ends_the_stream() {
        let good = Digest::sha256_of(CONTENT);
        let source = vec![Ok(&CONTENT[..3]), Err(Failure::Source), Ok(&CONTENT[3..])].into_iter();
        let items: Vec<_> = Verified::new(source, good, None).collect();
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[1], Err(Failure::Source));
    }

    #[test]
    fn mismatch_is_the_last_item_and_names_both_digests() {
        let good = Digest::sha256_of(CONTENT);
        let source = chunks(&[b"other bytes"]).into_iter();
        let items: Vec<_> = Verified::new(source, good.clone(), None).collect();
        let actual = Digest::sha256_of(b"other bytes");
        assert_eq!(
            items.last(),
            Some(&Err(Failure::Verify(VerifyError::DigestMismatch {
                expected: good,
                actual
            })))
        );
    }
}
