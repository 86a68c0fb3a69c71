//! The demo data `assetrelay dev` seeds through the sandbox's control API. Every step goes
//! through the platforms' webhooks, the ingress, RabbitMQ and the flows, as in production.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::control::SandboxControl;

/// The PhotoShelter galleries the demo rules name.
#[derive(Debug, Clone)]
pub struct Galleries {
    /// Brand-approved: its media appear in Smint.io.
    pub approved: String,
    /// Its media are exposed to DE/AT/CH in German only.
    pub dach: String,
    /// Where rights-cleared Smint.io licenses are published.
    pub distribution: String,
    /// A collection ("Brand library") holding `in_collection`: rules naming it in
    /// `approval.collections` approve what its galleries hold.
    pub collection: String,
    /// A gallery inside `collection` ("Campaign selects").
    pub in_collection: String,
}

pub async fn galleries(control: &SandboxControl) -> anyhow::Result<Galleries> {
    let approved = control.create_gallery("Brand approved").await?;
    let dach = control.create_gallery("DACH winter campaign").await?;
    let distribution = control.create_gallery("Licensed via Smint.io").await?;
    let in_collection = control.create_gallery("Campaign selects").await?;
    let collection = control
        .create_collection("Brand library", &[&in_collection])
        .await?;
    Ok(Galleries {
        approved,
        dach,
        distribution,
        collection,
        in_collection,
    })
}

/// A few PhotoShelter images (approved, regional, unapproved), a licensed Smint.io asset
/// and one whose license ends in two minutes.
pub async fn demo(control: &SandboxControl, galleries: &Galleries) -> anyhow::Result<()> {
    let hero = control
        .create_media(json!({
            "file_name": "brand-hero.jpg",
            "galleries": [galleries.approved],
            "iptc": {"title": "Brand hero", "credit": "ACME Brand Studio", "copyright": "© 2026 ACME Corp.",
                     "rights": "Internal and partner marketing only", "keywords": ["hero", "brand"]},
            "license_expiration_date": (Utc::now() + Duration::days(365)).date_naive().to_string(),
            "model_released": true,
        }))
        .await?;
    tracing::info!(media = %hero, "seed: approved PhotoShelter image → appears in Smint.io with its rights (use cases 1, 3)");
    let regional = control
        .create_media(json!({
            "file_name": "winter-dach.jpg",
            "galleries": [galleries.approved, galleries.dach],
            "iptc": {"title": "Winterkampagne", "credit": "ACME DACH", "copyright": "© 2026 ACME GmbH"},
        }))
        .await?;
    tracing::info!(media = %regional, "seed: regional variant → exposed to DE/AT/CH, German, campaign 'Winter 2026' (use case 8)");
    let draft = control
        .create_media(json!({"file_name": "unapproved-draft.jpg", "iptc": {"title": "Draft"}}))
        .await?;
    tracing::info!(media = %draft, "seed: unapproved image → stays out of Smint.io");

    let licensed = control
        .license(json!({
            "action": "create", "name": "Campaign hero (licensed)", "provider": "adobestock",
            "copyright_notice": "© Stock Photographer / Adobe Stock",
            "license_terms": [{
                "name": [{"culture": "en", "value": "Standard"}],
                "allowed_usages": ["usage_advertising", "usage_corporate"],
                "allowed_geographies": ["geography_europe"],
                "restricted_distributions": ["distribution_print"],
            }],
            "valid_until": (Utc::now() + Duration::days(365)).to_rfc3339(),
        }))
        .await?;
    tracing::info!(license = %licensed, "seed: rights-cleared Smint.io license → published into the distribution gallery with readable rights (use case 2)");
    let expiring = control
        .license(json!({
            "action": "create", "name": "Flash sale visual (expires in 2 minutes)",
            "valid_until": (Utc::now() + Duration::minutes(2)).to_rfc3339(),
        }))
        .await?;
    tracing::info!(license = %expiring, "seed: license ending in 2 minutes → published now, retired on time without any webhook (use case 7)");
    Ok(())
}
