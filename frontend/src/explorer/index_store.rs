//! The browser's own layer indexes, in IndexedDB (database `strata`, store
//! `layer-indexes`, keyed by the layer digest). Only indexes this browser
//! built from bytes that verified against that digest are written, so one
//! read back is as good as the verified layer's listing. Any failure
//! (private mode, quota, no IndexedDB) means "no stored index": the
//! explorer then reads the layer as if for the first time.

use shared::digest::Digest;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use web_sys::{IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "strata";
const STORE: &str = "layer-indexes";

/// Resolves with `request`'s result once it succeeds, rejects if it fails.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move || {
                let _ = resolve.call1(&JsValue::NULL, &request.result().unwrap_or_default());
            })
        };
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call0(&JsValue::NULL);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    wasm_bindgen_futures::JsFuture::from(promise).await
}

async fn open() -> Result<IdbDatabase, JsValue> {
    let factory = web_sys::window()
        .ok_or(JsValue::NULL)?
        .indexed_db()?
        .ok_or(JsValue::NULL)?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1)?;
    let upgrade = {
        let request = request.clone();
        Closure::once_into_js(move || {
            if let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>())
                && !db.object_store_names().contains(STORE)
            {
                let _ = db.create_object_store(STORE);
            }
        })
    };
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    done(&request).await?.dyn_into::<IdbDatabase>()
}

/// Runs `request` on the store in a transaction of `mode`, waits for its
/// result, and closes the database at once (an open connection would block
/// deleting it).
async fn on_store(
    mode: IdbTransactionMode,
    request: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, JsValue> {
    let db = open().await?;
    let made = db
        .transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .and_then(|store| request(&store));
    let value = match made {
        Ok(request) => done(&request).await,
        Err(e) => Err(e),
    };
    db.close();
    value
}

/// The stored index bytes for `layer`, if this browser has them.
pub async fn get(layer: &Digest) -> Option<Vec<u8>> {
    let key = JsValue::from_str(&layer.to_string());
    let value = on_store(IdbTransactionMode::Readonly, |store| store.get(&key))
        .await
        .ok()?;
    let array = value.dyn_into::<js_sys::Uint8Array>().ok()?;
    Some(array.to_vec())
}

/// Keeps `bytes` as the index of `layer` (best effort: a failure only
/// means the layer is read again next time).
pub async fn put(layer: &Digest, bytes: &[u8]) {
    let key = JsValue::from_str(&layer.to_string());
    let value = js_sys::Uint8Array::from(bytes);
    let _ = on_store(IdbTransactionMode::Readwrite, |store| {
        store.put_with_key(&value, &key)
    })
    .await;
}
