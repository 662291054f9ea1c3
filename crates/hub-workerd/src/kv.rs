//! The cache port over Workers KV. A worker without the `CACHE` binding gets a cache that always
//! misses, so cache-aside code runs unchanged where no namespace is bound.

use hub_ports::{Cache, CacheError, MAX_BULK_KEYS, MIN_TTL_SECS};
use std::collections::HashMap;
use worker::kv::KvStore;

pub struct WorkersKv {
    store: Option<KvStore>,
}

impl WorkersKv {
    pub fn bound(env: &worker::Env, binding: &str) -> Self {
        Self { store: env.kv(binding).ok() }
    }
}

fn failed(e: impl std::fmt::Display) -> CacheError {
    CacheError(e.to_string())
}

impl Cache for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        match &self.store {
            None => Ok(None),
            Some(store) => store.get(key).text().await.map_err(failed),
        }
    }

    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, String>, CacheError> {
        let Some(store) = &self.store else { return Ok(HashMap::new()) };
        if keys.len() > MAX_BULK_KEYS {
            return Err(CacheError(format!("a bulk read takes at most {MAX_BULK_KEYS} keys")));
        }
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let values = store.get_bulk(keys).text().await.map_err(failed)?;
        Ok(values.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect())
    }

    async fn put(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), CacheError> {
        let Some(store) = &self.store else { return Ok(()) };
        store
            .put(key, value)
            .map_err(failed)?
            .expiration_ttl(ttl_secs.max(MIN_TTL_SECS))
            .execute()
            .await
            .map_err(failed)
    }
}
