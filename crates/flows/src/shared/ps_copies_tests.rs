//! Unit tests of `ps_copies`: ledger target ids, claim keys, adoption, merge.
use super::*;

#[test]
fn a_target_id_names_the_binary_its_version_and_the_media() {
    let copy = DistributedCopy {
        media_id: "I00ABC".into(),
        binary: Some("0d6f-b1".into()),
        version: 3,
    };
    assert_eq!(target_id(&copy), "b0d6f-b1/v3:I00ABC");
    assert_eq!(parse_target_id("b0d6f-b1/v3:I00ABC"), Some(copy));
    // A row written before copies were kept per binary.
    let legacy = DistributedCopy {
        media_id: "I00ABC".into(),
        binary: None,
        version: 3,
    };
    assert_eq!(target_id(&legacy), "v3:I00ABC");
    assert_eq!(parse_target_id("v3:I00ABC"), Some(legacy));
    for bad in [
        "3:I00ABC",
        "vx:I00ABC",
        "v3",
        "b1:I00ABC",
        "bx/vy:I00ABC",
        "v3:",
    ] {
        assert_eq!(parse_target_id(bad), None, "{bad}");
    }
}

#[test]
fn retired_copies_are_kept_and_give_the_next_upload_a_new_claim() {
    let key = license_key("acme", "u1");
    let mut copies =
        LicenseCopies::from_target_ids(&["bx/v2:B".into(), "bx/v1:A".into(), "by/v1:C".into()]);
    assert_eq!(copies.active.len(), 3);
    assert_eq!(
        copies.active[0].media_id, "A",
        "by binary, oldest version first"
    );
    let first = copies.upload_claim(&key, "x", 2);

    copies.retire("B");

    assert_eq!(
        copies.target_ids(),
        ["bx/v1:A", "by/v1:C", "retired:bx/v2:B"]
    );
    assert_eq!(LicenseCopies::from_target_ids(&copies.target_ids()), copies);
    assert_eq!(first, "upload/acme/u1/bx/v2/r0");
    assert_eq!(copies.upload_claim(&key, "x", 2), "upload/acme/u1/bx/v2/r1");
    assert_eq!(copies.upload_claim(&key, "x", 1), "upload/acme/u1/bx/v1/r0");
    assert_eq!(copies.upload_claim(&key, "y", 2), "upload/acme/u1/by/v2/r0");
}

#[test]
fn the_newest_copy_recorded_without_a_binary_becomes_the_main_binarys() {
    let mut copies = LicenseCopies::from_target_ids(&["v1:A".into(), "v2:B".into()]);
    copies.adopt_legacy("main", 1);
    assert_eq!(copies.target_ids(), ["v1:A", "bmain/v1:B"]);
    // Once adopted, nothing more is.
    copies.adopt_legacy("main", 2);
    assert_eq!(copies.target_ids(), ["v1:A", "bmain/v1:B"]);
}

#[test]
fn a_merge_keeps_every_copy_either_side_knows() {
    let mut ours = LicenseCopies::from_target_ids(&["bb/v1:A".into(), "retired:bb/v1:X".into()]);
    let theirs = LicenseCopies::from_target_ids(&["bb/v2:B".into(), "retired:bb/v1:A".into()]);
    ours.merge(&theirs);
    assert_eq!(
        ours.target_ids(),
        ["bb/v2:B", "retired:bb/v1:X", "retired:bb/v1:A"]
    );
}
