//! A key-value cache with expiry: Workers KV in workerd, a map in memory natively. Cache-aside only:
//! a miss or a failure is never an error for the caller, who then reads the source of truth.

use std::cell::RefCell;
use std::collections::HashMap;

/// Workers KV keeps a value at least this long.
pub const MIN_TTL_SECS: u64 = 60;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("cache: {0}")]
pub struct CacheError(pub String);

/// Keys one bulk read may ask for (Workers KV's limit).
pub const MAX_BULK_KEYS: usize = 100;

pub trait Cache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError>;
    /// The values of up to [`MAX_BULK_KEYS`] keys in one read; missing keys are absent.
    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, String>, CacheError>;
    /// Stores `value` for `ttl_secs` (at least [`MIN_TTL_SECS`]).
    async fn put(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), CacheError>;
}

impl<C: Cache + ?Sized> Cache for &C {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        (**self).get(key).await
    }
    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, String>, CacheError> {
        (**self).get_many(keys).await
    }
    async fn put(&self, key: &str, value: &str, ttl_secs: u64) -> Result<(), CacheError> {
        (**self).put(key, value, ttl_secs).await
    }
}

/// An in-memory cache without expiry (tests run far shorter than any TTL), counting its hits.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: RefCell<HashMap<String, String>>,
    hits: RefCell<u64>,
}

impl MemoryCache {
    pub fn hits(&self) -> u64 {
        *self.hits.borrow()
    }
}

impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let value = self.entries.borrow().get(key).cloned();
        if value.is_some() {
            *self.hits.borrow_mut() += 1;
        }
        Ok(value)
    }
    async fn get_many(&self, keys: &[String]) -> Result<HashMap<String, String>, CacheError> {
        let entries = self.entries.borrow();
        let found: HashMap<String, String> =
            keys.iter().filter_map(|k| entries.get(k).map(|v| (k.clone(), v.clone()))).collect();
        *self.hits.borrow_mut() += found.len() as u64;
        Ok(found)
    }
    async fn put(&self, key: &str, value: &str, _ttl_secs: u64) -> Result<(), CacheError> {
        self.entries.borrow_mut().insert(key.to_owned(), value.to_owned());
        Ok(())
    }
}
