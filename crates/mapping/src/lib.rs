#![doc = include_str!("../README.md")]
//! Modules: [`expiry`] (when rights end), [`origin`] (which Smint.io license a PhotoShelter
//! item came from), [`approval`] (to-smint exposure), [`to_smint`] (the Portals asset),
//! [`to_photoshelter`] (distribution, IPTC, media update, binary choice),
//! [`mod@fingerprint`] (canonical hash of what a flow would write), [`labels`] (the
//! tenant's names for Smint.io keys, in the connection's language); `text` holds the
//! localized-string and list helpers they share.

pub mod approval;
pub mod expiry;
pub mod fingerprint;
pub mod labels;
pub mod languages;
pub mod origin;
pub mod relations;
pub mod restrictions;
mod rights;
mod text;
pub mod to_photoshelter;
pub mod to_smint;

pub use approval::{Audience, Exposure, Withheld, exposure, media_matches};
pub use expiry::{is_expired, license_expires_at, media_expires_at};
pub use fingerprint::{fingerprint, try_fingerprint};
pub use labels::{Labels, List};
pub use languages::use_tenant_languages;
pub use origin::{
    SMINTIO_TRANS_REF_PREFIX, UploadName, parse_upload_file_name, smintio_origin, upload_file_name,
};
pub use relations::{Relations, relations};
pub use restrictions::{Restrictions, restrictions};
pub use to_photoshelter::{
    Distribution, MAIN_BINARY_TYPE, Withholding, belongs, binary_version, copied_binaries,
    distribution, editorial_use, iptc_for_license, license_distribution, media_update_for_license,
    primary_binary, release_state, rights_summary, terms_keys,
};
pub use to_smint::asset_for_media;
