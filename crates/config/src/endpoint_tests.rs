#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion
use super::*;

const PASSWORD: &str = "s3cr3tpw";

/// Display and Debug of `error` and its causes.
fn shown(error: &UrlError) -> String {
    let mut text = format!("{error:?}");
    let mut cause: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = cause {
        text.push_str(&format!("\n{e}"));
        cause = e.source();
    }
    text
}

#[test]
fn an_amqp_url_without_slashes_has_no_host_and_its_error_hides_the_password() {
    let error = AmqpUrl::parse(&format!("amqp:guest:{PASSWORD}@127.0.0.1:5672")).unwrap_err();

    assert!(matches!(error, UrlError::NoHost), "{error:?}");
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
}

#[test]
fn an_amqp_parser_complaint_is_kept_without_the_url_or_password() {
    let text = format!("amqp://guest:{PASSWORD}@rabbit:5672/%2f?heartbeat=often");

    let error = AmqpUrl::parse(&text).unwrap_err();

    assert!(matches!(error, UrlError::Amqp(_)), "{error:?}");
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
}

#[test]
fn an_amqp_url_shows_host_port_and_vhost_but_connects_with_the_password() {
    let url = AmqpUrl::parse(&format!("amqps://ops:{PASSWORD}@rabbit.internal:5671/prod")).unwrap();

    assert_eq!(
        (url.host(), url.port(), url.vhost()),
        ("rabbit.internal", 5671, "prod")
    );
    assert_eq!(url.to_string(), "amqps://rabbit.internal:5671/prod");
    assert!(!format!("{url:?}").contains(PASSWORD));
    let uri = url.to_uri();
    assert_eq!(uri.authority.userinfo.username, "ops");
    assert_eq!(uri.authority.userinfo.password, PASSWORD);
}

#[test]
fn the_root_vhost_and_the_default_port_are_filled_in() {
    let url = AmqpUrl::parse("amqp://guest:guest@127.0.0.1/%2f").unwrap();

    assert_eq!(
        (url.host(), url.port(), url.vhost()),
        ("127.0.0.1", 5672, "/")
    );
    assert_eq!(url.to_string(), "amqp://127.0.0.1:5672/%2F");
}

#[test]
fn an_ipv6_broker_is_connected_to_at_its_address_not_localhost() {
    let url = AmqpUrl::parse("amqp://guest:guest@[::1]:5672/%2f").unwrap();

    assert_eq!(url.to_uri().authority.host, "::1");
    assert_eq!(url.to_string(), "amqp://[::1]:5672/%2F");
}

#[test]
fn an_http_url_is_not_an_amqp_url() {
    let error = AmqpUrl::parse("http://guest:guest@127.0.0.1:5672").unwrap_err();

    assert!(matches!(error, UrlError::Scheme { .. }), "{error:?}");
}

#[test]
fn the_management_credentials_leave_the_url_decoded() {
    let url = ManagementUrl::parse("http://ops:p%40ss%3Aw0rd@rabbit:15672").unwrap();

    assert_eq!(url.base().as_str(), "http://rabbit:15672/");
    let (user, password) = url.credentials().unwrap();
    assert_eq!((user, password.expose_secret()), ("ops", "p@ss:w0rd"));
    assert!(!format!("{url:?} {url}").contains("p%40ss"));
}

#[test]
fn a_management_url_under_a_path_keeps_it_with_a_trailing_slash() {
    let url = ManagementUrl::parse("https://proxy.internal/rabbitmq?x=1#y").unwrap();

    assert_eq!(url.base().as_str(), "https://proxy.internal/rabbitmq/");
    assert!(url.credentials().is_none());
}

#[test]
fn a_management_url_must_be_http_with_a_host() {
    for (text, expected) in [
        ("amqp://guest:guest@rabbit:15672", "scheme"),
        ("http://guest:guest@:15672", "URL"),
        ("not a url", "URL"),
    ] {
        let error = ManagementUrl::parse(text).unwrap_err();
        assert!(error.to_string().contains(expected), "{text}: {error}");
        assert!(!shown(&error).contains("guest"), "{}", shown(&error));
    }
}

#[test]
fn a_password_that_is_not_utf8_once_decoded_is_rejected_without_showing_it() {
    let error = ManagementUrl::parse("http://ops:%FF%FE@rabbit:15672").unwrap_err();

    assert!(
        matches!(
            error,
            UrlError::Encoding {
                part: "password",
                ..
            }
        ),
        "{error:?}"
    );
}
