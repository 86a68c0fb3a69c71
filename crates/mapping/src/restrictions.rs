//! Use case 3: restrictions an organization keeps in PhotoShelter custom metadata (a
//! "Usage restriction" or "Channel" field) become Smint.io's structured fields, as each
//! connection configures them (`rules.restrictions`), so a designer sees them before
//! placement instead of reading them in free text.
//!
//! PhotoShelter has no restriction vocabulary of its own (custom metadata is free text per
//! organization), and Smint.io's keys are per tenant (`license_usage_print`), so the
//! mapping between them is configuration, never guessed: a value the configured map does
//! not list is kept apart (`unmapped`) rather than dropped or passed on as a key.

use std::collections::BTreeMap;

use assetrelay_config::{RestrictionField, TermField};

/// What a media item's custom metadata says under the configured fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restrictions {
    /// Each filled Smint.io field → its values (in field and value order, once each).
    pub fields: BTreeMap<TermField, Vec<String>>,
    /// Field name (as configured) → values its map does not list.
    pub unmapped: BTreeMap<String, Vec<String>>,
}

/// The restrictions `custom` (a media item's custom metadata: field → text) carries
/// under `config`.
pub fn restrictions(
    custom: Option<&BTreeMap<String, String>>,
    config: &[RestrictionField],
) -> Restrictions {
    let mut found = Restrictions::default();
    let Some(custom) = custom else {
        return found;
    };
    for rule in config {
        let Some(text) = custom
            .iter()
            .find(|(name, _)| name.trim().eq_ignore_ascii_case(rule.field.trim()))
            .map(|(_, text)| text)
        else {
            continue;
        };
        for value in text
            .split(|c| rule.separators.contains(c))
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            if rule.values.is_empty() {
                push_once(found.fields.entry(rule.into).or_default(), value);
                continue;
            }
            match rule
                .values
                .iter()
                .find(|(from, _)| from.trim().eq_ignore_ascii_case(value))
            {
                Some((_, to)) => push_once(found.fields.entry(rule.into).or_default(), to),
                None => push_once(found.unmapped.entry(rule.field.clone()).or_default(), value),
            }
        }
    }
    found
}

fn push_once(values: &mut Vec<String>, value: &str) {
    if !values.iter().any(|v| v == value) {
        values.push(value.to_owned());
    }
}
