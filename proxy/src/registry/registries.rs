//! The bound on the registries one client remembers.
//!
//! A client keeps, per registry host, its endpoint, the challenge it
//! answered and its cached tokens. `strata serve` lets clients name any
//! host in `/v2` paths, so that map would otherwise grow with every name
//! a client makes up. Past [`MAX_REGISTRIES`], registries that no request
//! is using are forgotten (they are made afresh on next use: a ping and
//! new tokens), then, if all are in use, arbitrary ones.

use std::collections::HashMap;
use std::sync::Arc;

/// The most registries one client remembers.
pub(crate) const MAX_REGISTRIES: usize = 256;

/// Makes room in `registries` for one more entry.
pub(crate) fn make_room<T>(registries: &mut HashMap<String, Arc<T>>) {
    if registries.len() < MAX_REGISTRIES {
        return;
    }
    registries.retain(|_, registry| Arc::strong_count(registry) > 1);
    let excess = (registries.len() + 1).saturating_sub(MAX_REGISTRIES);
    let evicted: Vec<String> = registries.keys().take(excess).cloned().collect();
    for name in evicted {
        registries.remove(&name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_stays_bounded_and_keeps_registries_in_use() {
        let mut registries: HashMap<String, Arc<u32>> = HashMap::new();
        let in_use = Arc::new(7);
        registries.insert("in-use.example".to_owned(), in_use.clone());
        for n in 0..MAX_REGISTRIES * 4 {
            make_room(&mut registries);
            registries.insert(format!("r{n}.example"), Arc::new(0));
            assert!(registries.len() <= MAX_REGISTRIES, "{}", registries.len());
        }
        assert!(
            registries.contains_key("in-use.example"),
            "a registry in use is kept"
        );
        // Every entry in use: arbitrary ones make room.
        let held: Vec<Arc<u32>> = registries.values().cloned().collect();
        make_room(&mut registries);
        registries.insert("one-more.example".to_owned(), Arc::new(0));
        assert!(registries.len() <= MAX_REGISTRIES);
        drop(held);
    }
}
