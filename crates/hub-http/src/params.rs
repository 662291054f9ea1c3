//! A serde deserializer over named string values (path captures, query parameters), so handlers
//! declare `Path<(Uuid, UserId)>` or `Query<ListQuery>` and get a 400 that names the parameter.
//!
//! The top level is a struct or map (by name), a tuple or sequence (in order), or a single value
//! (exactly one capture). Each value is one string, parsed as the target asks: numbers, booleans
//! (`true`/`false`/`1`/`0`), strings, newtypes, unit enums and `FromStr`-like types that
//! deserialize from a string (uuid).

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What went wrong, and with which parameter.
#[derive(Debug)]
pub struct ParamError {
    pub name: Option<String>,
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "`{name}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParamError {}

impl de::Error for ParamError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self { name: None, message: msg.to_string() }
    }
}

/// Deserializes `T` from `(name, value)` pairs.
pub fn from_pairs<'de, T: de::Deserialize<'de>>(pairs: &'de [(String, String)]) -> Result<T, ParamError> {
    T::deserialize(Pairs(pairs))
}

struct Pairs<'de>(&'de [(String, String)]);

impl<'de> Pairs<'de> {
    fn single(&self) -> Result<Value<'de>, ParamError> {
        match self.0 {
            [(name, value)] => Ok(Value { name, raw: value }),
            _ => Err(de::Error::custom(format!("expected one parameter, the route has {}", self.0.len()))),
        }
    }
}

macro_rules! forward_to_single {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
                self.single()?.$method(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Pairs<'de> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_map(PairMap { pairs: self.0.iter(), value: None })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_seq(PairSeq(self.0.iter()))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, ParamError> {
        if len != self.0.len() {
            return Err(de::Error::custom(format!(
                "expected {len} parameters, the route has {}",
                self.0.len()
            )));
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self.single()?)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    forward_to_single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8
        deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf deserialize_identifier
    }
}

struct PairMap<'de, I: Iterator<Item = &'de (String, String)>> {
    pairs: I,
    value: Option<Value<'de>>,
}

impl<'de, I: Iterator<Item = &'de (String, String)>> MapAccess<'de> for PairMap<'de, I> {
    type Error = ParamError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ParamError> {
        match self.pairs.next() {
            Some((name, raw)) => {
                self.value = Some(Value { name, raw });
                seed.deserialize(name.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ParamError> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a value without its name"))?;
        seed.deserialize(value)
    }
}

struct PairSeq<I>(I);

impl<'de, I: Iterator<Item = &'de (String, String)>> SeqAccess<'de> for PairSeq<I> {
    type Error = ParamError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ParamError> {
        match self.0.next() {
            Some((name, raw)) => seed.deserialize(Value { name, raw }).map(Some),
            None => Ok(None),
        }
    }
}

/// One named string value.
#[derive(Clone, Copy)]
struct Value<'de> {
    name: &'de str,
    raw: &'de str,
}

impl Value<'_> {
    fn invalid(&self, expected: &str) -> ParamError {
        ParamError {
            name: Some(self.name.to_owned()),
            message: format!("expected {expected}, got `{}`", self.raw),
        }
    }

    fn parse<T: std::str::FromStr>(&self, expected: &str) -> Result<T, ParamError> {
        self.raw.parse().map_err(|_| self.invalid(expected))
    }

    /// Errors raised by the target type (a bad uuid) name this value.
    fn named(&self, mut error: ParamError) -> ParamError {
        if error.name.is_none() {
            error.name = Some(self.name.to_owned());
        }
        error
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
                visitor.$visit(self.parse::<$ty>($what)?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = ParamError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_borrowed_str(self.raw).map_err(|e| self.named(e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        match self.raw {
            "true" | "1" => visitor.visit_bool(true),
            "false" | "0" => visitor.visit_bool(false),
            _ => Err(self.invalid("true or false")),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8, "a number";
        deserialize_i16 => visit_i16: i16, "a number";
        deserialize_i32 => visit_i32: i32, "a number";
        deserialize_i64 => visit_i64: i64, "a number";
        deserialize_u8 => visit_u8: u8, "a non-negative number";
        deserialize_u16 => visit_u16: u16, "a non-negative number";
        deserialize_u32 => visit_u32: u32, "a non-negative number";
        deserialize_u64 => visit_u64: u64, "a non-negative number";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "one character";
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_borrowed_str(self.raw).map_err(|e| self.named(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_borrowed_bytes(self.raw.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ParamError> {
        Err(self.invalid("a single value"))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, ParamError> {
        Err(self.invalid("a single value"))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ParamError> {
        Err(self.invalid("a single value"))
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ParamError> {
        Err(self.invalid("a single value"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ParamError> {
        Err(self.invalid("a single value"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ParamError> {
        let raw = self.raw;
        visitor
            .visit_enum(raw.into_deserializer())
            .map_err(|_: ParamError| self.invalid(&format!("one of {}", variants.join(", "))))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ParamError> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Id(i64);

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Open,
        Closed,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Listing {
        q: Option<String>,
        #[serde(default)]
        mine: bool,
        limit: Option<u32>,
        kind: Option<Kind>,
    }

    #[test]
    fn single_values_tuples_and_structs() {
        assert_eq!(from_pairs::<i64>(&pairs(&[("id", "42")])).unwrap(), 42);
        assert_eq!(from_pairs::<Id>(&pairs(&[("id", "7")])).unwrap(), Id(7));
        let both = pairs(&[("id", "3"), ("name", "x")]);
        assert_eq!(from_pairs::<(u8, String)>(&both).unwrap(), (3, "x".to_owned()));
        let listing =
            from_pairs::<Listing>(&pairs(&[("q", "a b"), ("mine", "1"), ("kind", "closed")])).unwrap();
        assert_eq!(
            listing,
            Listing { q: Some("a b".into()), mine: true, limit: None, kind: Some(Kind::Closed) }
        );
        let id = uuid::Uuid::new_v4();
        let both = pairs(&[("id", &id.to_string()), ("user_id", &id.to_string())]);
        assert_eq!(from_pairs::<(uuid::Uuid, uuid::Uuid)>(&both).unwrap(), (id, id));
        let err = from_pairs::<uuid::Uuid>(&pairs(&[("id", "nope")])).unwrap_err();
        assert_eq!(err.name.as_deref(), Some("id"), "{err}");
    }

    #[test]
    fn errors_name_the_parameter() {
        let err = from_pairs::<i64>(&pairs(&[("id", "abc")])).unwrap_err();
        assert_eq!(err.name.as_deref(), Some("id"));
        assert!(err.message.contains("abc"), "{err}");
        let err = from_pairs::<Listing>(&pairs(&[("limit", "-1")])).unwrap_err();
        assert_eq!(err.name.as_deref(), Some("limit"));
        let err = from_pairs::<Listing>(&pairs(&[("kind", "ajar")])).unwrap_err();
        assert!(err.to_string().contains("open, closed"), "{err}");
        let err = from_pairs::<Listing>(&pairs(&[("mine", "yes")])).unwrap_err();
        assert_eq!(err.name.as_deref(), Some("mine"));
        assert!(from_pairs::<i64>(&pairs(&[])).is_err());
        assert!(from_pairs::<(i64, i64)>(&pairs(&[("a", "1")])).is_err());
    }
}
