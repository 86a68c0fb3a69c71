//! Small helpers over strings and CLAPI-C localized values.

use assetrelay_smintio::client::model::portals::DEFAULT_CULTURE;
use assetrelay_smintio::client::{LocalizedMetadataElement, LocalizedString};

/// The trimmed value, `None` when absent or blank (a blank field says nothing).
pub(crate) fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The culture to read from a CLAPI-C localized list: `x-default`, else English (the SDKs'
/// fallback), else the first culture present.
fn preferred_culture<'a>(cultures: &[&'a str]) -> Option<&'a str> {
    [DEFAULT_CULTURE, "en"]
        .into_iter()
        .find_map(|wanted| cultures.iter().find(|c| c.eq_ignore_ascii_case(wanted)))
        .or_else(|| cultures.first())
        .copied()
}

/// The value of a `LocalizedStrings` list in the preferred culture (see
/// [`preferred_culture`]), ignoring blank entries.
pub(crate) fn pick(strings: Option<&[LocalizedString]>) -> Option<&str> {
    let strings: Vec<&LocalizedString> = strings
        .unwrap_or_default()
        .iter()
        .filter(|s| !s.value.trim().is_empty())
        .collect();
    let cultures: Vec<&str> = strings.iter().map(|s| s.culture.as_str()).collect();
    let culture = preferred_culture(&cultures)?;
    strings
        .iter()
        .find(|s| s.culture.eq_ignore_ascii_case(culture))
        .map(|s| s.value.trim())
}

/// Human names (else keys) of a `LocalizedMetadataElements` list in the preferred culture,
/// in order, without blanks or duplicates.
pub(crate) fn pick_names(elements: Option<&[LocalizedMetadataElement]>) -> Vec<String> {
    let named: Vec<(&str, &str)> = elements
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let m = &e.metadata_element;
            let name = non_blank(m.name.as_deref()).or_else(|| non_blank(m.key.as_deref()))?;
            Some((e.culture.as_str(), name))
        })
        .collect();
    let cultures: Vec<&str> = named.iter().map(|(c, _)| *c).collect();
    let Some(culture) = preferred_culture(&cultures) else {
        return Vec::new();
    };
    dedup_in_order(
        named
            .iter()
            .filter(|(c, _)| c.eq_ignore_ascii_case(culture))
            .map(|(_, n)| (*n).to_owned()),
    )
}

/// Keeps the first of each value (compared case-insensitively), in order.
pub(crate) fn dedup_in_order(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    values
        .into_iter()
        .filter(|v| seen.insert(v.to_lowercase()))
        .collect()
}

/// Trimmed, non-blank, sorted and deduplicated.
pub(crate) fn sorted_set<'a>(values: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = values
        .into_iter()
        .filter_map(|v| non_blank(Some(v)))
        .map(str::to_owned)
        .collect();
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(culture: &str, value: &str) -> LocalizedString {
        LocalizedString::new(culture, value)
    }

    #[test]
    fn picks_x_default_then_english_then_the_first_culture() {
        let cases: &[(&[LocalizedString], Option<&str>)] = &[
            (
                &[
                    s("de", "Maus"),
                    s("x-default", "Mouse"),
                    s("en", "Mouse EN"),
                ],
                Some("Mouse"),
            ),
            (&[s("de", "Maus"), s("en", "Mouse")], Some("Mouse")),
            (&[s("de", "Maus"), s("fr", "Souris")], Some("Maus")),
            (&[s("en", "  "), s("de", "Maus")], Some("Maus")),
            (&[], None),
        ];
        for (strings, expected) in cases {
            assert_eq!(pick(Some(strings)), *expected, "{strings:?}");
        }
        assert_eq!(pick(None), None);
    }
}
