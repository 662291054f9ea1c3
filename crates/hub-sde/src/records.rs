//! CCP's JSON Lines SDE, one record per line: integer keys are the `_key` field (with `_value` when the
//! value is not an object), text is localised (`{"en": "...", "de": "..."}`), optional fields are
//! simply absent. Each file is parsed into the rows the hub keeps; fields the importer does not read
//! are counted per file and reported, never fatal; a line that is not what its file needs is an error
//! naming the file and the line.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file} line {line}: {message}")]
pub struct LineError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// A localised text: the English one shown, every language kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub en: String,
    pub all: Value,
}

/// One record, with the fields read from it remembered so the rest can be reported.
pub struct Record<'a> {
    file: &'a str,
    line: usize,
    fields: Map<String, Value>,
    read: BTreeSet<&'static str>,
}

impl<'a> Record<'a> {
    pub fn parse(file: &'a str, line: usize, text: &str) -> Result<Self, LineError> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => Ok(Self { file, line, fields, read: BTreeSet::new() }),
            Ok(_) => {
                Err(LineError { file: file.into(), line, message: "a record must be a JSON object".into() })
            }
            Err(e) => Err(LineError { file: file.into(), line, message: format!("not JSON: {e}") }),
        }
    }

    fn error(&self, message: String) -> LineError {
        LineError { file: self.file.into(), line: self.line, message }
    }

    fn take(&mut self, field: &'static str) -> Option<Value> {
        self.read.insert(field);
        self.fields.get(field).filter(|v| !v.is_null()).cloned()
    }

    /// The record's `_key` as an id.
    pub fn key(&mut self) -> Result<i64, LineError> {
        self.int("_key")
    }

    pub fn int(&mut self, field: &'static str) -> Result<i64, LineError> {
        self.opt_int(field)?.ok_or_else(|| self.error(format!("`{field}` is missing")))
    }

    pub fn opt_int(&mut self, field: &'static str) -> Result<Option<i64>, LineError> {
        match self.take(field) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) => Ok(Some(n)),
                // Some integer fields are written as floats (`5.0`) by the exporter.
                None => match v.as_f64() {
                    #[allow(clippy::cast_possible_truncation)]
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                    _ => Err(self.error(format!("`{field}` must be an integer, not {v}"))),
                },
            },
        }
    }

    pub fn opt_float(&mut self, field: &'static str) -> Result<Option<f64>, LineError> {
        match self.take(field) {
            None => Ok(None),
            Some(v) => {
                v.as_f64().map(Some).ok_or_else(|| self.error(format!("`{field}` must be a number, not {v}")))
            }
        }
    }

    pub fn float(&mut self, field: &'static str) -> Result<f64, LineError> {
        self.opt_float(field)?.ok_or_else(|| self.error(format!("`{field}` is missing")))
    }

    pub fn bool_or(&mut self, field: &'static str, default: bool) -> Result<bool, LineError> {
        match self.take(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(b),
            Some(v) => Err(self.error(format!("`{field}` must be true or false, not {v}"))),
        }
    }

    pub fn opt_string(&mut self, field: &'static str) -> Result<Option<String>, LineError> {
        match self.take(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.error(format!("`{field}` must be a string, not {v}"))),
        }
    }

    /// A localised text (or a plain string, as some files have), English preferred.
    pub fn opt_text(&mut self, field: &'static str) -> Result<Option<Text>, LineError> {
        let Some(value) = self.take(field) else { return Ok(None) };
        match &value {
            Value::String(s) => Ok(Some(Text { en: s.clone(), all: serde_json::json!({ "en": s }) })),
            Value::Object(languages) => {
                let en = languages
                    .get("en")
                    .or_else(|| languages.values().next())
                    .and_then(Value::as_str)
                    .ok_or_else(|| self.error(format!("`{field}` has no text in any language")))?;
                Ok(Some(Text { en: en.to_owned(), all: value.clone() }))
            }
            v => Err(self.error(format!("`{field}` must be a localised text, not {v}"))),
        }
    }

    pub fn text(&mut self, field: &'static str) -> Result<Text, LineError> {
        self.opt_text(field)?.ok_or_else(|| self.error(format!("`{field}` is missing")))
    }

    /// A list of objects (`dogmaAttributes: [{attributeID, value}]`), each handed over as a record.
    pub fn list(&mut self, field: &'static str) -> Result<Vec<Map<String, Value>>, LineError> {
        match self.take(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(m) => Ok(m),
                    v => Err(self.error(format!("`{field}` must hold objects, not {v}"))),
                })
                .collect(),
            Some(v) => Err(self.error(format!("`{field}` must be a list, not {v}"))),
        }
    }

    /// The fields this record had that nothing read.
    pub fn unread(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str).filter(|k| !self.read.contains(k))
    }

    pub fn line_error(&self, message: impl Into<String>) -> LineError {
        self.error(message.into())
    }
}

/// What an import skipped: files it has no use for, and per file the fields it does not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    pub files: BTreeSet<String>,
    pub fields: BTreeMap<String, BTreeSet<String>>,
}

impl Skipped {
    pub fn note_fields(&mut self, file: &str, record: &Record<'_>) {
        let mut unread = record.unread().peekable();
        if unread.peek().is_some() {
            let set = self.fields.entry(file.to_owned()).or_default();
            for field in unread {
                if !set.contains(field) {
                    set.insert(field.to_owned());
                }
            }
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::json!({ "files": self.files, "fields": self.fields })
    }
}

/// The roman numeral of a planet's index (`Jita IV`).
pub fn roman(mut n: i64) -> String {
    const NUMERALS: [(i64, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_typed_and_the_unread_ones_reported() {
        let mut r = Record::parse(
            "types.jsonl",
            3,
            r#"{"_key":34,"groupID":18,"name":{"en":"Tritanium","de":"Tritanium"},"mass":1.0,"published":true}"#,
        )
        .unwrap();
        assert_eq!(r.key().unwrap(), 34);
        assert_eq!(r.int("groupID").unwrap(), 18);
        assert_eq!(r.text("name").unwrap().en, "Tritanium");
        assert!(r.bool_or("published", false).unwrap());
        assert_eq!(r.opt_int("marketGroupID").unwrap(), None);
        assert_eq!(r.unread().collect::<Vec<_>>(), ["mass"]);
    }

    #[test]
    fn a_bad_line_names_its_file_and_line() {
        let err = Record::parse("groups.jsonl", 7, "{not json").err().unwrap();
        assert_eq!((err.file.as_str(), err.line), ("groups.jsonl", 7));
        let mut r = Record::parse("groups.jsonl", 8, r#"{"_key":"x"}"#).unwrap();
        let err = r.key().unwrap_err();
        assert_eq!(err.to_string(), "groups.jsonl line 8: `_key` must be an integer, not \"x\"");
        let mut r = Record::parse("groups.jsonl", 9, r#"{"_key":1}"#).unwrap();
        assert_eq!(
            r.int("categoryID").unwrap_err().to_string(),
            "groups.jsonl line 9: `categoryID` is missing"
        );
    }

    #[test]
    fn localised_text_prefers_english_and_keeps_the_rest() {
        let mut r =
            Record::parse("x.jsonl", 1, r#"{"name":{"de":"Jita-Handel","en":"Jita Trade"}}"#).unwrap();
        let t = r.text("name").unwrap();
        assert_eq!(t.en, "Jita Trade");
        assert_eq!(t.all["de"], "Jita-Handel");
        let mut r = Record::parse("x.jsonl", 1, r#"{"name":{"fr":"Seulement"}}"#).unwrap();
        assert_eq!(r.text("name").unwrap().en, "Seulement");
        let mut r = Record::parse("x.jsonl", 1, r#"{"name":"plain"}"#).unwrap();
        assert_eq!(r.text("name").unwrap().en, "plain");
    }

    #[test]
    fn roman_numerals() {
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(9), "IX");
        assert_eq!(roman(14), "XIV");
    }
}
