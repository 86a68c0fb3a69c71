#![doc = include_str!("../README.md")]
//! Modules: [`tokens`] (the rotated Smint.io and PhotoShelter refresh tokens in the store).

pub mod tokens;

use std::sync::Arc;
use std::time::Duration;

use assetrelay_config::{PhotoShelterApi, PhotoShelterAuth, Secret, SmintioApi};
use assetrelay_photoshelter::client as ps;
use assetrelay_smintio::client::{
    AdapterConfig, ClientConfig as SmintioConfig, RetryPolicy, SmintioClient,
};
use assetrelay_store::Store;
use secrecy::SecretString;

pub use tokens::{PHOTOSHELTER_REFRESH_TOKEN, SMINTIO_REFRESH_TOKEN, StoredRefreshToken};

/// The PhotoShelter client of connection `connection`'s `photoshelter.api`; with OAuth and
/// a refresh token, its newest refresh token kept in `store`.
pub fn photoshelter(
    api: &PhotoShelterApi,
    connection: &str,
    store: &Store,
) -> Result<ps::Client, ps::Error> {
    let auth = match &api.auth {
        PhotoShelterAuth::Token {
            email,
            password,
            org_id,
        } => ps::Auth::Token {
            email: email.clone(),
            password: secret(password),
            org_id: org_id.clone(),
        },
        PhotoShelterAuth::Oauth {
            access_token,
            refresh_token,
            client_id,
            client_secret,
            redirect_uri,
            org_id,
        } => ps::Auth::OAuth {
            access_token: access_token.as_ref().map(secret),
            refresh: match (refresh_token, client_id, client_secret) {
                (Some(refresh_token), Some(client_id), Some(client_secret)) => {
                    Some(ps::OAuthRefresh {
                        client_id: client_id.clone(),
                        client_secret: secret(client_secret),
                        redirect_uri: redirect_uri.clone(),
                        refresh_token: secret(refresh_token),
                        store: Arc::new(StoredRefreshToken::new(
                            store.clone(),
                            connection,
                            PHOTOSHELTER_REFRESH_TOKEN,
                        )),
                    })
                }
                // The configuration refuses a refresh token without its client.
                _ => None,
            },
            org_id: org_id.clone(),
        },
    };
    let mut config = ps::ClientConfig::new(api.base_url.clone(), secret(&api.api_key), auth);
    config.v3_api_key = api.v3_api_key.as_ref().map(secret);
    config.timeout = Duration::from_millis(api.timeout_ms);
    ps::Client::new(config)
}

/// The organization a `photoshelter.api` works in.
pub fn photoshelter_org_id(api: &PhotoShelterApi) -> &str {
    match &api.auth {
        PhotoShelterAuth::Token { org_id, .. } | PhotoShelterAuth::Oauth { org_id, .. } => org_id,
    }
}

/// The Smint.io client of connection `connection`'s `smintio.api`, with its data adapter
/// when one is configured, retrying as `retry` says, its refresh token kept in `store`.
pub fn smintio(
    api: &SmintioApi,
    connection: &str,
    store: &Store,
    retry: RetryPolicy,
) -> Result<SmintioClient, assetrelay_smintio::client::Error> {
    let mut config = SmintioConfig::new(
        api.identity_url.clone(),
        api.clapi_url.clone(),
        api.client_id.clone(),
        secret(&api.client_secret),
        secret(&api.refresh_token),
    )
    .with_timeout(Duration::from_millis(api.timeout_ms))
    .with_retry(retry);
    if let Some(adapter) = &api.adapter {
        let mut adapter_config =
            AdapterConfig::new(adapter.webhook_url.clone(), secret(&adapter.secret));
        adapter_config.signature_header = adapter.signature_header.clone();
        adapter_config.timestamp_header = adapter.timestamp_header.clone();
        config = config.with_adapter(adapter_config);
    }
    // The rotated refresh token lives in the store, shared by every replica and binary.
    let tokens = Arc::new(StoredRefreshToken::new(
        store.clone(),
        connection,
        SMINTIO_REFRESH_TOKEN,
    ));
    SmintioClient::with_token_store(config, tokens)
}

fn secret(value: &Secret) -> SecretString {
    SecretString::from(value.expose().to_owned())
}
