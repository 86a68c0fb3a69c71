//! Typed CLAPI-C and Portals models.
//!
//! - [`localized`]: `LocalizedStrings` / `LocalizedMetadataElements` and lenient dates.
//! - [`lpt`]: license purchase transactions, license terms, binaries, the feed page.
//! - [`metadata`]: `SyncGenericMetadata`, the enumerations the keys refer to.
//! - [`portals`]: the data-adapter change model we push (`ChangeModel`, `AssetDataObject`).
//!
//! CLAPI-C names are the exact snake_case wire names of the research notes (§2.1). Every
//! field the notes do not guarantee is an `Option`: absent means *unknown*, never `false`
//! ("If the value is not present this does NOT mean FALSE or TRUE", Picturepark README).
//! Unknown JSON fields are ignored so a newer API version still decodes.

pub mod localized;
pub mod lpt;
pub mod metadata;
pub mod portals;

pub use localized::{LocalizedMetadataElement, LocalizedString, MetadataElement};
pub use lpt::{
    ContentElement, DownloadConstraints, LicensePurchaseTransaction,
    LicensePurchaseTransactionPage, LicenseTerm, LicenseText, Offering, ReleaseDetails, SyncBinary,
};
pub use metadata::GenericMetadata;
pub use portals::{AssetDataObject, Change, ChangeType, PortalsContentType, PushAck};
