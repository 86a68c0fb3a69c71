use std::collections::{BTreeMap, HashMap};

use assetrelay_mapping::fingerprint;
use serde::Serialize;

#[derive(Serialize)]
struct CreditFirst<'a> {
    credit: &'a str,
    copyright: &'a str,
    nested: BTreeMap<&'a str, u32>,
}

#[derive(Serialize)]
struct CopyrightFirst<'a> {
    nested: HashMap<&'a str, u32>,
    copyright: &'a str,
    credit: &'a str,
}

#[test]
fn equal_data_in_any_key_order_has_one_fingerprint() {
    let a = CreditFirst {
        credit: "Jane Doe",
        copyright: "© 2025 Acme",
        nested: BTreeMap::from([("a", 1), ("b", 2), ("c", 3)]),
    };
    let b = CopyrightFirst {
        nested: HashMap::from([("c", 3), ("a", 1), ("b", 2)]),
        copyright: "© 2025 Acme",
        credit: "Jane Doe",
    };
    let fp = fingerprint(&a);
    assert_eq!(fp, fingerprint(&b));
    assert_eq!(fp.len(), 64);
    assert!(fp.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn any_value_change_changes_the_fingerprint() {
    let base = serde_json::json!({"credit": "Jane Doe", "keywords": ["a", "b"], "released": true});
    let cases = [
        serde_json::json!({"credit": "Jane Doe ", "keywords": ["a", "b"], "released": true}),
        serde_json::json!({"credit": "Jane Doe", "keywords": ["b", "a"], "released": true}),
        serde_json::json!({"credit": "Jane Doe", "keywords": ["a", "b"], "released": false}),
        serde_json::json!({"credit": "Jane Doe", "keywords": ["a", "b"]}),
        serde_json::json!({"credit": "Jane Doe", "keywords": ["a", "b"], "released": null}),
    ];
    for changed in cases {
        assert_ne!(fingerprint(&base), fingerprint(&changed), "{changed}");
    }
}
