use assetrelay_mapping::{
    SMINTIO_TRANS_REF_PREFIX, UploadName, parse_upload_file_name, smintio_origin, upload_file_name,
};
use assetrelay_photoshelter::client::Iptc;

use crate::{bare_media, full_media};

#[test]
fn upload_file_names_take_the_extension_from_the_recommended_name_then_the_type() {
    let uuid = "9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f";
    let cases = [
        (Some("cyclist.TIF"), Some("image/jpeg"), "tif"),
        (Some("cyclist"), Some("image/png"), "png"),
        (None, Some("image/jpeg; charset=binary"), "jpg"),
        (None, Some("video"), "mp4"),
        (None, Some("application/x-unknown"), "jpg"),
        (None, None, "jpg"),
        (Some("archive.tar.gz"), None, "gz"),
        (Some("weird.ext-with-dash"), None, "jpg"),
        (Some(".hidden"), None, "jpg"),
    ];
    for (recommended, content_type, ext) in cases {
        assert_eq!(
            upload_file_name(uuid, "b1", 3, recommended, content_type),
            format!("smintio-{uuid}_b1-v3.{ext}"),
            "{recommended:?} {content_type:?}"
        );
    }
}

#[test]
fn upload_file_names_are_safe_whatever_the_inputs() {
    let cases = [
        (
            "79468",
            "b",
            Some("../../etc/passwd"),
            "smintio-79468_b-v4.jpg",
        ),
        (
            "79468",
            "b",
            Some("../secret dir/little mouse.JPEG"),
            "smintio-79468_b-v4.jpeg",
        ),
        (
            "79468",
            "b",
            Some("C:\\Users\\x\\photo final.png"),
            "smintio-79468_b-v4.png",
        ),
        (
            "../79 468/x",
            "b_1/..",
            Some("a.jpg"),
            "smintio----79-468-x_b-1----v4.jpg",
        ),
    ];
    for (uuid, binary, recommended, expected) in cases {
        let name = upload_file_name(uuid, binary, 4, recommended, None);
        assert_eq!(name, expected);
        assert!(!name.contains('/') && !name.contains('\\') && !name.contains(' '));
        assert_eq!(name.matches('_').count(), 1, "one separator only: {name}");
    }
}

#[test]
fn parsing_inverts_upload_file_name() {
    let cases = [
        ("79468", "b1", 4),
        (
            "9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f",
            "0d6f2c1e-1b7d-4c1a-8e2f-3d4b5a6c7e8f",
            1,
        ),
        ("lpt-v2-old", "bin-v3", 12),
        ("x", "y", -1),
    ];
    for (uuid, binary, version) in cases {
        let name = upload_file_name(uuid, binary, version, Some("photo.png"), None);
        assert_eq!(
            parse_upload_file_name(&name),
            Some(UploadName {
                license: uuid.to_owned(),
                binary: Some(binary.to_owned()),
                version
            }),
            "{name}"
        );
    }
    // Names made before copies were kept per binary: the license and its version.
    assert_eq!(
        parse_upload_file_name("smintio-9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f-v2.jpg"),
        Some(UploadName {
            license: "9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f".to_owned(),
            binary: None,
            version: 2
        })
    );
}

#[test]
fn parsing_rejects_names_we_did_not_make() {
    let cases = [
        "2025-05-berlin-launch-0042.jpg",
        "smintio-.jpg",
        "smintio--v3.jpg",
        "smintio-79468.jpg",
        "smintio-79468-vX.jpg",
        "smintio-794 68-v3.jpg",
        "smintio-_b1-v3.jpg",
        "smintio-79468_-v3.jpg",
        "IMG_0001.JPG",
    ];
    for name in cases {
        assert_eq!(parse_upload_file_name(name), None, "{name}");
    }
    assert_eq!(
        parse_upload_file_name("SMINTIO-79468_b1-v4"),
        Some(UploadName {
            license: "79468".to_owned(),
            binary: Some("b1".to_owned()),
            version: 4
        })
    );
}

#[test]
fn origin_comes_from_the_trans_ref_then_the_file_name() {
    let with_ref = |trans_ref: &str, file_name: Option<&str>| {
        let mut media = bare_media("I0000fromSmint01");
        media.iptc = Some(Iptc {
            trans_ref: Some(trans_ref.into()),
            ..Iptc::default()
        });
        media.file_name = file_name.map(Into::into);
        media
    };
    let by_name = |file_name: &str| {
        let mut media = bare_media("I0000fromSmint02");
        media.file_name = Some(file_name.into());
        media
    };
    let cases = [
        (
            with_ref(&format!("{SMINTIO_TRANS_REF_PREFIX}79468"), None),
            Some("79468"),
        ),
        (
            with_ref("smintio:79468", Some("smintio-11111-v1.jpg")),
            Some("79468"),
        ),
        (
            with_ref("PO-2025-0042", Some("smintio-11111-v1.jpg")),
            Some("11111"),
        ),
        (with_ref("smintio:  ", None), None),
        (
            by_name("smintio-9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f-v2.tif"),
            Some("9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f"),
        ),
        (
            by_name("smintio-9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f_0d6f2c1e-v3.tif"),
            Some("9f0c2a1e-5b7d-4c1a-8e2f-3d4b5a6c7e8f"),
        ),
        (full_media(), None),
        (bare_media("I0000native00001"), None),
    ];
    for (media, expected) in cases {
        assert_eq!(smintio_origin(&media).as_deref(), expected, "{}", media.id);
    }
}
