//! The status API token's store: `API_TOKEN`, else the token kept in `CONFIG_FILE`, else a
//! new one saved there. The file is a seam (`TokenStore`) so the order is tested in memory.

use super::files::{read_limited, write_atomically};
use super::model::{ConfigError, Secret};
use miniserde::json::{self, Object, Value};
use std::io;
use std::path::PathBuf;

/// Where the status API token came from.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenOrigin {
    Environment,
    ConfigFile,
    /// Newly made; `saved` is false when the file could not be written.
    Generated {
        saved: bool,
    },
}

/// Where a generated token is kept: the `CONFIG_FILE` in production, memory in tests.
pub trait TokenStore {
    /// The stored text; `Ok(None)` when nothing is stored yet.
    fn read(&self) -> io::Result<Option<String>>;
    /// Replaces the stored text whole (never half of it).
    fn write(&self, text: &str) -> io::Result<()>;
    /// How to name the store in messages.
    fn name(&self) -> String;
}

/// A JSON file, replaced atomically.
pub struct FileStore(pub PathBuf);

impl TokenStore for FileStore {
    fn read(&self) -> io::Result<Option<String>> {
        match read_limited(&self.0) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn write(&self, text: &str) -> io::Result<()> {
        write_atomically(&self.0, text.as_bytes())
    }
    fn name(&self) -> String {
        self.0.display().to_string()
    }
}

/// The status API token, in the seed's order: `API_TOKEN`, then `api_token` in the store,
/// then a new random one saved there. A store that cannot be read or parsed is left
/// untouched and is a configuration error.
pub fn status_token(
    from_env: Option<&Secret>,
    store: &dyn TokenStore,
) -> Result<(Secret, TokenOrigin), ConfigError> {
    if let Some(token) = from_env {
        return Ok((token.clone(), TokenOrigin::Environment));
    }
    let shown = store.name();
    let problem = |text: String| ConfigError(vec![text]);
    let mut object = match store.read() {
        Ok(Some(text)) => match json::from_str::<Value>(&text) {
            Ok(Value::Object(o)) => o,
            _ => {
                return Err(problem(format!(
                    "CONFIG_FILE: {shown} is not a JSON object; fix or remove it (it was left untouched), or set API_TOKEN"
                )))
            }
        },
        Ok(None) => Object::new(),
        Err(e) => return Err(problem(format!("CONFIG_FILE: cannot read {shown}: {e}"))),
    };
    if let Some(Value::String(t)) = object.get("api_token") {
        if !t.trim().is_empty() {
            return Ok((Secret::new(t.trim().to_string()), TokenOrigin::ConfigFile));
        }
    }
    let token = new_token().map_err(problem)?;
    object.insert("api_token".to_string(), Value::String(token.clone()));
    let saved = match store.write(&json::to_string(&object)) {
        Ok(()) => true,
        Err(e) => {
            crate::warn!(
                "cannot save the status API token to {shown}: {e}; it is kept in memory only and changes at each start (set API_TOKEN to keep one)"
            );
            false
        }
    };
    Ok((Secret::new(token), TokenOrigin::Generated { saved }))
}

fn new_token() -> Result<String, String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot get random bytes for a token: {e}"))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Memory(RefCell<Option<String>>, bool);

    impl TokenStore for Memory {
        fn read(&self) -> io::Result<Option<String>> {
            Ok(self.0.borrow().clone())
        }
        fn write(&self, text: &str) -> io::Result<()> {
            if !self.1 {
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
            *self.0.borrow_mut() = Some(text.to_string());
            Ok(())
        }
        fn name(&self) -> String {
            "memory".to_string()
        }
    }

    #[test]
    fn environment_then_store_then_generated() {
        let env = Secret::new("e".into());
        let store = Memory(
            RefCell::new(Some(r#"{"api_token":"f","other":1}"#.into())),
            true,
        );
        assert_eq!(
            status_token(Some(&env), &store).unwrap().1,
            TokenOrigin::Environment
        );
        let (t, origin) = status_token(None, &store).unwrap();
        assert_eq!((t.expose(), origin), ("f", TokenOrigin::ConfigFile));
        let empty = Memory(RefCell::new(Some(r#"{"other":1}"#.into())), true);
        let (t, origin) = status_token(None, &empty).unwrap();
        assert_eq!(origin, TokenOrigin::Generated { saved: true });
        let kept = empty.0.borrow().clone().unwrap();
        assert!(
            kept.contains(t.expose()) && kept.contains("\"other\""),
            "{kept}"
        );
    }

    #[test]
    fn a_bad_store_is_left_alone_and_an_unwritable_one_is_memory_only() {
        let junk = Memory(RefCell::new(Some("not json".into())), true);
        let e = status_token(None, &junk).unwrap_err();
        assert!(e.0[0].contains("not a JSON object"), "{e}");
        assert_eq!(junk.0.borrow().as_deref(), Some("not json"));
        let locked = Memory(RefCell::new(None), false);
        let (_, origin) = status_token(None, &locked).unwrap();
        assert_eq!(origin, TokenOrigin::Generated { saved: false });
    }
}
