use std::collections::{BTreeMap, HashMap};

use assetrelay_mapping::{
    fingerprint, iptc_for_license, license_write_fingerprint, media_update_for_license,
};
use serde::Serialize;

use crate::{date, sample_lpt};

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

#[test]
fn the_license_write_fingerprint_follows_the_written_fields() {
    let lpt = sample_lpt();
    let iptc = iptc_for_license(&lpt);
    let update = media_update_for_license(&lpt);
    let fp = license_write_fingerprint(&iptc, &update);
    assert_eq!(
        fp,
        license_write_fingerprint(&iptc_for_license(&lpt), &media_update_for_license(&lpt))
    );

    let mut later = update.clone();
    later.license_expiration_date = Some(Some(date("2026-01-01")));
    let mut untouched = update.clone();
    untouched.license_expiration_date = None;
    let mut retitled = iptc.clone();
    retitled.title = Some("little mouse".into());
    for (row, other) in [
        ("expiry set", license_write_fingerprint(&iptc, &later)),
        (
            "expiry untouched vs removed",
            license_write_fingerprint(&iptc, &untouched),
        ),
        ("title", license_write_fingerprint(&retitled, &update)),
    ] {
        assert_ne!(fp, other, "{row}");
    }
}
