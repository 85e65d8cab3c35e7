//! The effective configuration as `dyncfdns check` prints it: every variable, the value in
//! force (secrets as their length only) and where it came from, by walking `vars::VARS`.

use super::model::{Config, Origin};
use super::vars::VARS;

/// One line per variable: (name, value, origin).
pub fn effective(cfg: &Config) -> Vec<(&'static str, String, String)> {
    VARS.iter()
        // Values come from outside: control characters are escaped, as in the log.
        .map(|v| {
            let value = crate::log::escape(&(v.show)(cfg)).into_owned();
            (v.name, value, origin(cfg, v.name))
        })
        .collect()
}

fn origin(cfg: &Config, name: &str) -> String {
    match cfg.origins.get(name) {
        None => "default".to_string(),
        Some(Origin::Env(from)) if from == name => "environment".to_string(),
        Some(Origin::Env(from)) => format!("environment, as {from} (another updater's name)"),
        Some(Origin::File { var, path }) => format!("file {path} ({var})"),
    }
}
