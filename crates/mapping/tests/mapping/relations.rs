//! Relations written as IPTC keywords: `replaces:<id>` and `variant-of:<id>`.

use assetrelay_config::{ConnectionRules, RelationRules};
use assetrelay_mapping::to_smint::asset_for_media;
use assetrelay_mapping::{Audience, Restrictions, relations};
use assetrelay_photoshelter::client::Iptc;
use serde_json::json;

use crate::bare_media;

fn with_keywords(keywords: &[&str]) -> assetrelay_photoshelter::client::Media {
    let mut media = bare_media("I0000NEWNEWNEW01");
    media.iptc = Some(Iptc {
        keywords: Some(keywords.iter().map(|k| (*k).to_owned()).collect()),
        ..Iptc::default()
    });
    media
}

#[test]
fn relation_keywords_name_media_ids_in_any_case_and_never_the_item_itself() {
    let media = with_keywords(&[
        "Replaces:I0000OLDOLDOLD01",
        "replaces: I0000OLDOLDOLD02 ",
        "replaces:I0000OLDOLDOLD01",
        "replaces:I0000NEWNEWNEW01",
        "replaces:not-an-id",
        "variant-of:I0000MASTERMAST1",
        "summer",
    ]);

    let found = relations(&media, &RelationRules::default());

    assert_eq!(found.replaces, ["I0000OLDOLDOLD01", "I0000OLDOLDOLD02"]);
    assert_eq!(found.variant_of, ["I0000MASTERMAST1"]);
}

#[test]
fn an_empty_prefix_turns_a_relation_off() {
    let media = with_keywords(&["replaces:I0000OLDOLDOLD01", "variant-of:I0000MASTERMAST1"]);
    let rules = RelationRules {
        replaces_prefix: String::new(),
        ..RelationRules::default()
    };

    let found = relations(&media, &rules);

    assert!(found.replaces.is_empty());
    assert_eq!(found.variant_of, ["I0000MASTERMAST1"]);
}

#[test]
fn relations_go_to_raw_data_and_their_keywords_leave_the_tags() {
    let media = with_keywords(&[
        "summer",
        "replaces:I0000OLDOLDOLD01",
        "variant-of:I0000MASTERMAST1",
    ]);
    let rules = ConnectionRules::default();
    let mut asset = asset_for_media(&media, &Audience::default(), &Restrictions::default());

    relations(&media, &rules.relations).apply(&rules.relations, &mut asset);

    let tags = asset.localized_tags.unwrap();
    assert_eq!(tags.values().next().unwrap(), &["summer".to_owned()]);
    let raw = asset.raw_data.unwrap();
    assert_eq!(
        raw["relations"],
        json!({"replaces": ["I0000OLDOLDOLD01"], "variant_of": ["I0000MASTERMAST1"]})
    );
}

#[test]
fn an_item_without_relations_gets_no_relations_block() {
    let media = with_keywords(&["summer"]);
    let rules = RelationRules::default();
    let mut asset = asset_for_media(&media, &Audience::default(), &Restrictions::default());

    relations(&media, &rules).apply(&rules, &mut asset);

    assert!(
        asset
            .raw_data
            .is_none_or(|raw| !raw.contains_key("relations"))
    );
}
