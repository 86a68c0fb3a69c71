//! Applying the control API's LPT commands (create / update / cancel) to the state.

use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ApiError;
use super::model::{
    Binary, ContentElement, LicenseTerm, Lpt, ReleaseDetails, State as SmintState, english,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Action {
    Create,
    Update,
    Cancel,
}

/// Body of `POST /_sandbox/smintio/license-purchase-transactions`. On `update`, absent
/// fields keep their value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LptCommand {
    pub(super) action: Action,
    /// Required for update/cancel; generated on create when absent.
    uuid: Option<String>,
    cart_purchase_transaction_uuid: Option<String>,
    /// English name of the content element.
    name: Option<String>,
    /// English name of the Smint.io project (create only; default "Sandbox project"); its
    /// uuid is derived from the name, so one name is one project.
    project: Option<String>,
    /// English name of the collection (create only; default "Cart"), uuid as for projects.
    collection: Option<String>,
    description: Option<String>,
    /// Generic-metadata key, default `adobestock`.
    provider: Option<String>,
    /// Default `image`.
    content_type: Option<String>,
    copyright_notice: Option<String>,
    /// Default `royalty_free`.
    license_type: Option<String>,
    license_terms: Option<Vec<LicenseTerm>>,
    /// Set on every term that has no `valid_until` (a default term is created if none).
    valid_until: Option<DateTime<Utc>>,
    /// Must increase; default: previous + 1 (1 on create).
    version: Option<i64>,
    can_be_synced: Option<bool>,
    is_editorial_use: Option<bool>,
    model_release_state: Option<String>,
    property_release_state: Option<String>,
    /// Replaces the binaries; default on create: one 256 KiB JPEG.
    binaries: Option<Vec<BinarySpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct BinarySpec {
    uuid: Option<String>,
    size: Option<u64>,
    content_type: Option<String>,
    media_type: Option<String>,
    binary_type: Option<String>,
    recommended_file_name: Option<String>,
    culture: Option<String>,
    /// Default: the previous version of this binary + 1, or 1.
    version: Option<i64>,
}

const DEFAULT_BINARY_SIZE: u64 = 256 * 1024;

pub(super) fn create(
    state: &mut SmintState,
    cmd: &LptCommand,
    now: DateTime<Utc>,
) -> Result<Lpt, ApiError> {
    let n = state.next_id();
    let uuid = cmd
        .uuid
        .clone()
        .unwrap_or_else(|| state.derived_uuid("lpt", n));
    if state.transactions.contains_key(&uuid) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("license purchase transaction {uuid} exists"),
        ));
    }
    let name = cmd
        .name
        .clone()
        .unwrap_or_else(|| format!("Licensed image {n}"));
    let mut lpt = Lpt {
        uuid: uuid.clone(),
        cart_purchase_transaction_uuid: cmd
            .cart_purchase_transaction_uuid
            .clone()
            .unwrap_or_else(|| state.derived_uuid("cart", n)),
        state: "completed".into(),
        project_uuid: named_uuid(state, "project", cmd.project.as_deref()),
        project_name: english(cmd.project.as_deref().unwrap_or("Sandbox project")),
        collection_uuid: named_uuid(state, "collection", cmd.collection.as_deref()),
        collection_name: english(cmd.collection.as_deref().unwrap_or("Cart")),
        content_element: ContentElement {
            uuid: state.ids.content_element(n),
            provider: "adobestock".into(),
            content_type: "image".into(),
            content_category: "creative".into(),
            name: english(&name),
            description: Vec::new(),
            copyright_notices: Vec::new(),
            keywords: Vec::new(),
            contributors: Vec::new(),
            release_details: ReleaseDetails::default(),
            is_editorial_use: None,
            is_ai: None,
        },
        offering: json!({"license_type": "royalty_free", "media_type": "image/jpeg", "size": "large"}),
        licensee_uuid: state.derived_uuid("licensee", 1),
        licensee_name: "Sandbox Licensee GmbH".into(),
        license_text: json!({"effective_text": english("Sandbox license text."), "effective_text_is_safe_html": false}),
        license_terms: Vec::new(),
        license_download_constraints: json!({"effective_max_downloads": null, "effective_max_users": null, "effective_max_reuses": null}),
        current_downloads: 0,
        current_users: 0,
        current_reuses: 0,
        has_potentially_restrictive_license_terms: false,
        can_be_synced: true,
        version: 0,
        purchased_at: now,
        completed_at: now,
        created_at: now,
        last_updated_at: now,
        binaries: Vec::new(),
    };
    let spec = cmd.binaries.as_deref().unwrap_or(&[]);
    let default = [BinarySpec::default()];
    lpt.binaries = binaries(
        state,
        if spec.is_empty() { &default } else { spec },
        &[],
        &name,
    );
    apply(state, &mut lpt, cmd, now)?;
    state.transactions.insert(uuid, lpt.clone());
    Ok(lpt)
}

pub(super) fn change(
    state: &mut SmintState,
    cmd: &LptCommand,
    now: DateTime<Utc>,
) -> Result<Lpt, ApiError> {
    let Some(uuid) = cmd.uuid.clone() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "update and cancel need a uuid",
        ));
    };
    if cmd.project.is_some() || cmd.collection.is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "project and collection are set on create only",
        ));
    }
    let Some(mut lpt) = state.transactions.get(&uuid).cloned() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no license purchase transaction {uuid}"),
        ));
    };
    if lpt.state == "cancelled" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the license purchase transaction is cancelled",
        ));
    }
    if cmd.action == Action::Cancel {
        lpt.state = "cancelled".into();
    }
    if let Some(spec) = &cmd.binaries {
        let name = cmd.name.clone().unwrap_or_else(|| {
            lpt.content_element
                .name
                .first()
                .map(|n| n.value.clone())
                .unwrap_or_default()
        });
        let previous = std::mem::take(&mut lpt.binaries);
        lpt.binaries = binaries(state, spec, &previous, &name);
    }
    apply(state, &mut lpt, cmd, now)?;
    lpt.last_updated_at = now;
    state.transactions.insert(uuid, lpt.clone());
    Ok(lpt)
}

/// Fields shared by create and update; bumps the version.
fn apply(
    state: &mut SmintState,
    lpt: &mut Lpt,
    cmd: &LptCommand,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let version = cmd.version.unwrap_or(lpt.version + 1);
    if version <= lpt.version {
        let message = format!("version {version} does not increase {}", lpt.version);
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "version_conflict",
            message,
        ));
    }
    lpt.version = version;
    let element = &mut lpt.content_element;
    let set = |target: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            target.clone_from(value);
        }
    };
    set(&mut element.provider, &cmd.provider);
    set(&mut element.content_type, &cmd.content_type);
    if let Some(name) = &cmd.name {
        element.name = english(name);
    }
    if let Some(description) = &cmd.description {
        element.description = english(description);
    }
    if let Some(notice) = &cmd.copyright_notice {
        element.copyright_notices = english(notice);
    }
    if cmd.model_release_state.is_some() {
        element
            .release_details
            .model_release_state
            .clone_from(&cmd.model_release_state);
    }
    if cmd.property_release_state.is_some() {
        element
            .release_details
            .property_release_state
            .clone_from(&cmd.property_release_state);
    }
    if cmd.is_editorial_use.is_some() {
        element.is_editorial_use = cmd.is_editorial_use;
    }
    if let Some(license_type) = &cmd.license_type {
        lpt.offering["license_type"] = Value::String(license_type.clone());
    }
    if let Some(can_be_synced) = cmd.can_be_synced {
        lpt.can_be_synced = can_be_synced;
    }
    if let Some(terms) = &cmd.license_terms {
        lpt.license_terms = terms.clone();
    }
    if let Some(valid_until) = cmd.valid_until {
        if lpt.license_terms.is_empty() {
            lpt.license_terms.push(LicenseTerm {
                name: english("Default"),
                valid_from: Some(now),
                ..LicenseTerm::default()
            });
        }
        for term in lpt
            .license_terms
            .iter_mut()
            .filter(|t| t.valid_until.is_none())
        {
            term.valid_until = Some(valid_until);
        }
    }
    if lpt.license_terms.is_empty() {
        lpt.license_terms.push(LicenseTerm {
            name: english("Default"),
            valid_from: Some(now),
            ..LicenseTerm::default()
        });
    }
    for term in lpt
        .license_terms
        .iter_mut()
        .filter(|t| t.sequence_number.is_none())
    {
        term.sequence_number = Some(state.next_id() as i64);
    }
    lpt.has_potentially_restrictive_license_terms = lpt
        .license_terms
        .iter()
        .any(|t| t.is_potentially_restrictive(now));
    Ok(())
}

fn binaries(
    state: &mut SmintState,
    spec: &[BinarySpec],
    previous: &[Binary],
    name: &str,
) -> Vec<Binary> {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    spec.iter()
        .map(|s| {
            let uuid = s.uuid.clone().unwrap_or_else(|| {
                let n = state.next_id();
                state.derived_uuid("binary", n)
            });
            let old = previous
                .iter()
                .find(|b| b.uuid == uuid)
                .map_or(0, |b| b.version);
            Binary {
                uuid,
                content_type: s.content_type.clone().unwrap_or_else(|| "image".into()),
                binary_type: s.binary_type.clone().unwrap_or_else(|| "download".into()),
                recommended_file_name: s
                    .recommended_file_name
                    .clone()
                    .unwrap_or_else(|| format!("{stem}.jpg")),
                media_type: s.media_type.clone().unwrap_or_else(|| "image/jpeg".into()),
                culture: s.culture.clone().unwrap_or_else(|| "en".into()),
                version: s.version.unwrap_or(old + 1),
                size: s.size.unwrap_or(DEFAULT_BINARY_SIZE),
            }
        })
        .collect()
}

/// The uuid of the project or collection called `name` (the default one without a name).
fn named_uuid(state: &SmintState, kind: &str, name: Option<&str>) -> String {
    match name {
        None => state.derived_uuid(kind, 1),
        Some(name) => state.derived_uuid(&format!("{kind} {name}"), 1),
    }
}
