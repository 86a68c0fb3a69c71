//! Echo suppression: everything to-photoshelter writes carries the Smint.io license it
//! came from, in IPTC `trans_ref` and in the uploaded file name, so to-smint can recognise
//! it and never send it back (DESIGN §6.6).

use assetrelay_photoshelter::client::Media;

use crate::text::non_blank;

/// Prefix of the IPTC `trans_ref` (job identifier) of media created from a Smint.io
/// license: `smintio:<lpt uuid>`.
pub const SMINTIO_TRANS_REF_PREFIX: &str = "smintio:";

const FILE_PREFIX: &str = "smintio-";
const DEFAULT_EXTENSION: &str = "jpg";
/// Longest extension taken from a recommended file name (`jpeg`, `tiff`, `webp`…).
const MAX_EXTENSION_LEN: usize = 5;

/// Between the license and the binary in a file name. The parts keep only
/// `[A-Za-z0-9-]`, so the separator never occurs inside one.
const BINARY_SEPARATOR: char = '_';

/// What a copy's file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadName {
    /// The license purchase transaction's uuid.
    pub license: String,
    /// The binary's uuid; none in names made before copies were kept per binary
    /// (`smintio-<lpt uuid>-v<license version>.<ext>`).
    pub binary: Option<String>,
    /// The binary's version (the license's, in a name without a binary).
    pub version: i64,
}

/// `smintio-<lpt uuid>_<binary uuid>-v<binary version>.<ext>`: a copy is one binary of a
/// license at one version of that binary (a Smint.io binary uuid is unique only within its
/// license, so the name needs both). The extension comes from the recommended file name,
/// else the binary's content type (a MIME type or a `content_types` key), else `jpg`.
/// Only `[A-Za-z0-9-]` of the uuids are kept (anything else becomes `-`), so the name is a
/// safe file name whatever the inputs and parses back unambiguously; the recommended name
/// contributes only its lower-cased alphanumeric extension.
pub fn upload_file_name(
    lpt_uuid: &str,
    binary_uuid: &str,
    binary_version: i64,
    recommended_file_name: Option<&str>,
    content_type: Option<&str>,
) -> String {
    let ext = recommended_file_name
        .and_then(extension_of)
        .or_else(|| content_type.and_then(extension_for_type))
        .unwrap_or_else(|| DEFAULT_EXTENSION.to_owned());
    format!(
        "{FILE_PREFIX}{}{BINARY_SEPARATOR}{}-v{binary_version}.{ext}",
        name_part(lpt_uuid),
        name_part(binary_uuid)
    )
}

fn name_part(uuid: &str) -> String {
    uuid.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The inverse of [`upload_file_name`], and of the older names without a binary (the
/// prefix is matched case-insensitively; the extension may be missing).
pub fn parse_upload_file_name(name: &str) -> Option<UploadName> {
    let name = name.trim();
    let rest = name
        .get(..FILE_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(FILE_PREFIX))
        .and_then(|_| name.get(FILE_PREFIX.len()..))?;
    let stem = rest.rsplit_once('.').map_or(rest, |(stem, _)| stem);
    let (head, version) = stem.rsplit_once("-v")?;
    let version = version.parse::<i64>().ok()?;
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == BINARY_SEPARATOR)
    };
    let (license, binary) = match head.split_once(BINARY_SEPARATOR) {
        Some((license, binary)) => (license, Some(binary)),
        None => (head, None),
    };
    (valid(license) && binary.is_none_or(valid)).then(|| UploadName {
        license: license.to_owned(),
        binary: binary.map(str::to_owned),
        version,
    })
}

/// The Smint.io LPT uuid a PhotoShelter media item was created from: IPTC trans_ref
/// `smintio:<uuid>`, else the file name pattern. None for PhotoShelter-native media.
pub fn smintio_origin(media: &Media) -> Option<String> {
    let from_trans_ref = media
        .iptc
        .as_ref()
        .and_then(|iptc| non_blank(iptc.trans_ref.as_deref()))
        .and_then(|r| r.strip_prefix(SMINTIO_TRANS_REF_PREFIX))
        .and_then(|uuid| non_blank(Some(uuid)));
    from_trans_ref.map(str::to_owned).or_else(|| {
        media
            .file_name
            .as_deref()
            .and_then(parse_upload_file_name)
            .map(|name| name.license)
    })
}

/// The extension of a file name if it is 1–5 ASCII alphanumerics, lower-cased.
fn extension_of(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next()?;
    let (stem, ext) = base.trim().rsplit_once('.')?;
    let ok = !stem.is_empty()
        && (1..=MAX_EXTENSION_LEN).contains(&ext.len())
        && ext.chars().all(|c| c.is_ascii_alphanumeric());
    ok.then(|| ext.to_ascii_lowercase())
}

/// An extension for a MIME type or a Smint.io `content_types` key.
fn extension_for_type(content_type: &str) -> Option<String> {
    let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
    let ext = match essence.as_str() {
        "image/jpeg" | "image/jpg" | "image/pjpeg" | "image" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/tiff" => "tif",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "image/svg+xml" => "svg",
        "image/vnd.adobe.photoshop" => "psd",
        "application/postscript" => "eps",
        "application/pdf" | "document" => "pdf",
        "video/mp4" | "video" => "mp4",
        "video/quicktime" => "mov",
        "audio/mpeg" | "audio" => "mp3",
        "audio/wav" | "audio/x-wav" => "wav",
        _ => return None,
    };
    Some(ext.to_owned())
}
