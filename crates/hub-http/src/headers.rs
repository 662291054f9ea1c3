//! Request headers that are read from the platform only when asked for.
//!
//! Copying every header of every request across the JS/wasm boundary costs more than routing it
//! (measured: see ARCHITECTURE.md), and most routes read two or three. Adapters hand over a
//! [`HeaderSource`]; tests and outgoing requests use owned pairs.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

/// Where lazily read headers come from (the Workers adapter wraps the JS `Headers` object).
pub trait HeaderSource {
    /// One header by lower-case name, with repeated headers joined as the platform joins them.
    fn get(&self, name: &str) -> Option<String>;
    /// Every header, names lower-case.
    fn all(&self) -> Vec<(String, String)>;
}

#[derive(Clone, Default)]
pub struct Headers(Repr);

#[derive(Clone)]
enum Repr {
    Owned(Vec<(String, String)>),
    Lazy(Rc<dyn HeaderSource>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Owned(Vec::new())
    }
}

impl Headers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn lazy(source: Rc<dyn HeaderSource>) -> Self {
        Self(Repr::Lazy(source))
    }

    /// The first header with this lower-case name.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        match &self.0 {
            Repr::Owned(pairs) => {
                pairs.iter().find(|(k, _)| k == name).map(|(_, v)| Cow::Borrowed(v.as_str()))
            }
            Repr::Lazy(source) => source.get(name).map(Cow::Owned),
        }
    }

    /// Every header as owned pairs (reads them all from a lazy source).
    pub fn to_vec(&self) -> Vec<(String, String)> {
        match &self.0 {
            Repr::Owned(pairs) => pairs.clone(),
            Repr::Lazy(source) => source.all(),
        }
    }

    /// Adds a header (a lazy set is read in full first).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        if let Repr::Lazy(source) = &self.0 {
            self.0 = Repr::Owned(source.all());
        }
        if let Repr::Owned(pairs) = &mut self.0 {
            pairs.push((name.to_ascii_lowercase(), value.into()));
        }
    }
}

impl From<Vec<(String, String)>> for Headers {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(Repr::Owned(pairs.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Owned(pairs) => f.debug_list().entries(pairs.iter().map(|(k, _)| k)).finish(),
            Repr::Lazy(_) => f.write_str("[lazy]"),
        }
    }
}

impl PartialEq for Headers {
    fn eq(&self, other: &Self) -> bool {
        self.to_vec() == other.to_vec()
    }
}

impl Eq for Headers {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    struct Counting {
        reads: Cell<usize>,
    }

    impl HeaderSource for Counting {
        fn get(&self, name: &str) -> Option<String> {
            self.reads.set(self.reads.get() + 1);
            (name == "host").then(|| "example".to_owned())
        }
        fn all(&self) -> Vec<(String, String)> {
            self.reads.set(self.reads.get() + 1);
            vec![("host".into(), "example".into())]
        }
    }

    #[test]
    fn lazy_headers_are_read_on_demand_and_materialize_on_push() {
        let source = Rc::new(Counting { reads: Cell::new(0) });
        let mut headers = Headers::lazy(source.clone());
        assert_eq!(source.reads.get(), 0);
        assert_eq!(headers.get("host").as_deref(), Some("example"));
        assert_eq!(headers.get("cookie"), None);
        assert_eq!(source.reads.get(), 2);
        headers.push("X-Extra", "1");
        assert_eq!(
            headers.to_vec(),
            vec![("host".to_owned(), "example".to_owned()), ("x-extra".to_owned(), "1".to_owned())]
        );
        assert_eq!(format!("{headers:?}"), r#"["host", "x-extra"]"#);
    }
}
