//! The documents (manifests, indexes, configs) a page has read through
//! `/v2`, each fetched once: a second walk of the same image, or of another
//! image that shares a document, reads the bytes already here. A request
//! still under way is shared, not repeated.
//!
//! Bytes are kept exactly as received and are not trusted here: every walk
//! checks them again ([`shared::walk::Walk::feed`]), so a document that
//! failed verification fails it for every reader. Failed fetches are not
//! kept (the next reader tries again), and what a tag names is forgotten
//! when the page acts on the store ([`Documents::forget_tags`]).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use shared::digest::Digest;
use shared::reference::{Reference, TagOrDigest};
use shared::walk::{Fetched, Need};

use crate::api::{self, ApiError};

/// How many documents a page keeps (a manifest or a config is a few kB).
const KEPT: usize = 64;

/// One document to fetch from a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET /v2/<name>/manifests/<tag or digest>`.
    Manifest(TagOrDigest),
    /// `GET /v2/<name>/blobs/<digest>`, read up to one byte past `limit`
    /// (enough for the walk to see that it is too long).
    Blob {
        /// The blob.
        digest: Digest,
        /// The most bytes it may have.
        limit: u64,
    },
}

impl Request {
    /// What fetches the document a walk needs.
    pub fn of(need: &Need) -> Request {
        match need {
            Need::Top(top) => Request::Manifest(top.clone()),
            Need::Manifest(d) => Request::Manifest(TagOrDigest::Digest(d.digest.clone())),
            Need::Config(d) => Request::Blob {
                digest: d.digest.clone(),
                limit: need.limit(),
            },
        }
    }
}

/// A fetch's answer.
pub type Answer = Result<Rc<Fetched>, ApiError>;

/// What fetches one document (`/v2` on a page; canned bytes in tests).
pub type Fetcher = Rc<dyn Fn(Reference, Request) -> LocalBoxFuture<'static, Answer>>;

type Entry = (String, Request, Shared<LocalBoxFuture<'static, Answer>>);

/// The documents one page has read. See the module doc.
pub struct Documents {
    fetcher: Fetcher,
    entries: RefCell<VecDeque<Entry>>,
    fetches: Cell<usize>,
}

impl Documents {
    /// An empty set of documents, fetched by `fetcher`.
    pub fn new(fetcher: Fetcher) -> Documents {
        Documents {
            fetcher,
            entries: RefCell::new(VecDeque::new()),
            fetches: Cell::new(0),
        }
    }

    /// The page's documents, fetched through `/v2`.
    pub fn page() -> Rc<Documents> {
        thread_local! {
            static PAGE: Rc<Documents> = Rc::new(Documents::new(Rc::new(from_v2)));
        }
        PAGE.with(Rc::clone)
    }

    /// How many fetches were started.
    #[cfg(test)]
    pub fn fetches(&self) -> usize {
        self.fetches.get()
    }

    /// The document `request` names in `reference`'s repository: the one
    /// already read, the fetch under way, or a new fetch.
    pub async fn get(&self, reference: &Reference, request: Request) -> Answer {
        let repository = reference.name_only().to_string();
        let known = self
            .entries
            .borrow()
            .iter()
            .find(|(r, q, _)| *r == repository && *q == request)
            .map(|(_, _, answer)| answer.clone());
        let answer = match known {
            Some(answer) => answer,
            None => {
                self.fetches.set(self.fetches.get() + 1);
                let answer = (self.fetcher)(reference.clone(), request.clone()).shared();
                let mut entries = self.entries.borrow_mut();
                if entries.len() >= KEPT {
                    entries.pop_front();
                }
                entries.push_back((repository.clone(), request.clone(), answer.clone()));
                answer
            }
        };
        let answer = answer.await;
        if answer.is_err() {
            self.entries
                .borrow_mut()
                .retain(|(r, q, _)| !(*r == repository && *q == request));
        }
        answer
    }

    /// Forgets what tags named, so the next walk by tag asks the registry
    /// again (after a pull, a tag may name another image).
    pub fn forget_tags(&self) {
        self.entries
            .borrow_mut()
            .retain(|(_, q, _)| !matches!(q, Request::Manifest(TagOrDigest::Tag(_))));
    }
}

/// Fetches one document through this server's `/v2`.
fn from_v2(reference: Reference, request: Request) -> LocalBoxFuture<'static, Answer> {
    async move {
        match request {
            Request::Manifest(top) => {
                let raw = api::v2_manifest(&reference, &top).await?;
                Ok(Rc::new(Fetched {
                    bytes: raw.bytes,
                    content_type: raw.content_type,
                    digest: raw.digest_header.and_then(|h| h.parse().ok()),
                }))
            }
            Request::Blob { digest, limit } => {
                let bytes = api::v2_blob_bytes(&reference, &digest, limit).await?;
                Ok(Rc::new(Fetched::new(bytes)))
            }
        }
    }
    .boxed_local()
}
