//! JSON written in a chosen field order (miniserde's objects sort their keys).

use miniserde::json::Value;

/// A JSON object written in the order its fields are put (miniserde's objects sort keys).
#[derive(Default)]
pub struct Fields(String);

impl Fields {
    pub fn put(self, key: &str, value: Value) -> Fields {
        let value = miniserde::json::to_string(&value);
        self.raw(key, &value)
    }

    pub fn raw(mut self, key: &str, json: &str) -> Fields {
        self.0.push(if self.0.is_empty() { '{' } else { ',' });
        self.0
            .push_str(&miniserde::json::to_string(&key.to_string()));
        self.0.push(':');
        self.0.push_str(json);
        self
    }

    pub fn end(mut self) -> String {
        if self.0.is_empty() {
            self.0.push('{');
        }
        self.0.push('}');
        self.0
    }
}

pub fn text(s: &str) -> Value {
    Value::String(s.to_string())
}

/// A string, or null.
pub fn opt(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

/// An RFC 3339 time, or null.
pub fn time(t: Option<u64>) -> Value {
    t.map_or(Value::Null, |t| text(&crate::clock::rfc3339(t)))
}
