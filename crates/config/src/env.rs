//! A figment provider over an environment *map*, so tests inject variables instead of
//! mutating the process environment.

use std::collections::BTreeMap;

use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

pub const PREFIX: &str = "ASSETRELAY_";

/// Variables with the prefix that are not configuration keys: `ASSETRELAY_CONFIG` names
/// the file itself (the binaries' `--config`), so as a key it would be refused as unknown.
const NOT_KEYS: &[&str] = &["ASSETRELAY_CONFIG"];

pub struct EnvMap(pub BTreeMap<String, String>);

impl Provider for EnvMap {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable(s)")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut root = Dict::new();
        for (name, raw) in &self.0 {
            let Some(path) = name.strip_prefix(PREFIX) else {
                continue;
            };
            if NOT_KEYS.contains(&name.as_str()) {
                continue;
            }
            let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
            if keys.iter().any(String::is_empty) {
                continue;
            }
            // Same parsing as figment's own Env provider: numbers, booleans, arrays, strings.
            let value: Value = raw.parse().unwrap_or_else(|_| Value::from(raw.clone()));
            insert(&mut root, &keys, value);
        }
        Ok(Profile::Default.collect(root))
    }
}

fn insert(dict: &mut Dict, keys: &[String], value: Value) {
    match keys {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry(first.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            } else {
                let mut inner = Dict::new();
                insert(&mut inner, rest, value);
                *entry = Value::from(inner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_config_file_variable_is_not_read_as_a_key() {
        let env = EnvMap(BTreeMap::from([
            (
                "ASSETRELAY_CONFIG".to_owned(),
                "/etc/assetrelay.toml".to_owned(),
            ),
            (
                "ASSETRELAY_INGRESS__LISTEN".to_owned(),
                "0.0.0.0:8080".to_owned(),
            ),
        ]));

        let data = env.data().unwrap();

        let root = &data[&Profile::Default];
        assert!(!root.contains_key("config"));
        assert!(root.contains_key("ingress"));
    }
}
