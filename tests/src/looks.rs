//! What the platforms hold, read the way an operator would look: the sandbox's control
//! API, or the PhotoShelter API as the flows read it.

use std::time::Duration;

use assetrelay_cli::control::SandboxControl;
use serde_json::Value;

use crate::Stack;

impl Stack {
    /// The Smint.io asset once it exists.
    pub async fn smint_asset_appears(&self, external_id: &str) -> Value {
        self.wait_for(
            &format!("Smint.io asset {external_id}"),
            Duration::from_secs(30),
            || async { self.control.smint_asset(external_id).await.unwrap() },
        )
        .await
    }

    /// Media ids in a PhotoShelter gallery whose file name starts with `prefix`, read
    /// through the PhotoShelter API as the flows read it.
    pub async fn gallery_media(&self, gallery: &str, prefix: &str) -> Vec<String> {
        self.gallery_media_of("demo", gallery, prefix).await
    }

    /// [`Self::gallery_media`] of another connection.
    pub async fn gallery_media_of(
        &self,
        connection: &str,
        gallery: &str,
        prefix: &str,
    ) -> Vec<String> {
        let reader = self.readers.get(connection).unwrap();
        reader
            .photoshelter
            .gallery_children(gallery)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| {
                m.file_name
                    .as_deref()
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .map(|m| m.id)
            .collect()
    }

    /// The file names of every media item `connection`'s PhotoShelter organization holds,
    /// read through the PhotoShelter API.
    pub async fn all_media_names_of(&self, connection: &str) -> Vec<String> {
        let reader = self.readers.get(connection).unwrap();
        let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        reader
            .photoshelter
            .media_modified_since(epoch)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| m.file_name)
            .collect()
    }

    /// The sandbox's full state of every media item made from license `uuid` that is still
    /// in the distribution gallery.
    pub async fn distributed_copies(&self, uuid: &str) -> Vec<Value> {
        let mut copies = Vec::new();
        for id in self
            .gallery_media(&self.galleries.distribution, &format!("smintio-{uuid}_"))
            .await
        {
            if let Some(media) = self.control.media(&id).await.unwrap() {
                copies.push(media);
            }
        }
        copies
    }

    /// The `ExternalId` of every asset a sandbox's Smint.io data adapter holds.
    pub async fn smint_asset_ids(control: &SandboxControl) -> Vec<String> {
        let assets = control.get("/_sandbox/smintio/assets").await.unwrap();
        let mut ids: Vec<String> = assets
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.pointer("/asset_data_object/ExternalId")?.as_str())
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids
    }
}
