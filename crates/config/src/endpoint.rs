//! The broker's URLs, parsed at load. Both carry credentials: the password is kept as a
//! [`SecretString`], and `Debug`/`Display` show scheme, host, port and vhost or path only,
//! so a URL can be logged and an error about one never repeats it.

use std::fmt;
use std::str::FromStr;

use amq_protocol_uri::AMQPUri;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

/// Why a URL is unusable. No variant, and no message, contains the URL or a part of it.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    /// `url`'s messages name what is wrong (e.g. `invalid port number`), never the input.
    #[error("not a URL")]
    Syntax(#[source] url::ParseError),
    #[error("the scheme must be {expected}")]
    Scheme { expected: &'static str },
    #[error("no host: write scheme://user:password@host:port…")]
    NoHost,
    #[error("the {part} is not UTF-8 once percent-decoded")]
    Encoding {
        part: &'static str,
        #[source]
        source: std::str::Utf8Error,
    },
    #[error("no database file: write sqlite://<path>")]
    NoPath,
    #[error("a sqlite:// URL takes no query: its options are the [store] settings")]
    SqliteQuery,
    #[error("the AMQP client does not accept it")]
    Amqp(#[source] AmqpUriError),
}

/// The AMQP URI parser's own complaint (a query parameter, an escape); it reports them as
/// text only, which we scrub of the URL and its password before keeping it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AmqpUriError(String);

/// `broker.url`: an `amqp://` or `amqps://` URL, parsed by the parser lapin connects with.
#[derive(Clone, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct AmqpUrl {
    /// The parsed URI, its password emptied.
    uri: AMQPUri,
    password: SecretString,
}

impl AmqpUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let url = Url::parse(text).map_err(UrlError::Syntax)?;
        if !matches!(url.scheme(), "amqp" | "amqps") {
            return Err(UrlError::Scheme {
                expected: "amqp or amqps",
            });
        }
        // Checked before the AMQP parser sees the text: for a URL without `//` (which
        // `url` parses as one that cannot be a base) its error quotes the whole URL.
        let host = host(&url)?;
        let mut uri = AMQPUri::from_str(text).map_err(|message| {
            let mut message = message.replace(text, "<url>");
            if let Some(password) = url.password().filter(|p| !p.is_empty()) {
                message = message.replace(password, "<password>");
            }
            UrlError::Amqp(AmqpUriError(message))
        })?;
        // The AMQP parser takes the host from `Url::domain`, which is `None` for an IPv6
        // address (`[::1]`): it would connect to `localhost` instead.
        uri.authority.host = host;
        let password = std::mem::take(&mut uri.authority.userinfo.password);
        Ok(Self {
            uri,
            password: SecretString::from(password),
        })
    }

    /// What lapin connects with, password included: hand it over, never log it.
    pub fn to_uri(&self) -> AMQPUri {
        let mut uri = self.uri.clone();
        uri.authority.userinfo.password = self.password.expose_secret().to_owned();
        uri
    }

    pub fn host(&self) -> &str {
        &self.uri.authority.host
    }

    pub fn port(&self) -> u16 {
        self.uri.authority.port
    }

    pub fn vhost(&self) -> &str {
        &self.uri.vhost
    }
}

impl fmt::Display for AmqpUrl {
    /// `amqp://host:port/vhost` (the vhost percent-encoded, so `/` is `%2F`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.host();
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        let vhost = utf8_percent_encode(self.vhost(), NON_ALPHANUMERIC);
        write!(f, "{}://{host}:{}/{vhost}", self.uri.scheme, self.port())
    }
}

impl fmt::Debug for AmqpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AmqpUrl({self})")
    }
}

impl FromStr for AmqpUrl {
    type Err = UrlError;
    fn from_str(text: &str) -> Result<Self, UrlError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for AmqpUrl {
    type Error = UrlError;
    fn try_from(text: String) -> Result<Self, UrlError> {
        Self::parse(&text)
    }
}

/// `broker.management_url`: the `http(s)://` root of the RabbitMQ management API, its
/// credentials taken out of the URL (they are sent as basic auth).
#[derive(Clone, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct ManagementUrl {
    /// Without userinfo, query or fragment; the path ends in `/`.
    base: Url,
    user: String,
    password: SecretString,
}

impl ManagementUrl {
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let mut base = Url::parse(text).map_err(UrlError::Syntax)?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(UrlError::Scheme {
                expected: "http or https",
            });
        }
        host(&base)?;
        // A password may hold `@`, `:` or `/` only percent-encoded; the API wants it plain.
        let user = decode("user name", base.username())?;
        let password = SecretString::from(decode("password", base.password().unwrap_or_default())?);
        // Neither fails for a URL with a host, checked above.
        let _ = base.set_username("");
        let _ = base.set_password(None);
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self {
            base,
            user,
            password,
        })
    }

    /// The API root without credentials, e.g. `http://rabbit:15672/`; its path ends in `/`.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// User and password for basic auth; `None` if the URL named no user.
    pub fn credentials(&self) -> Option<(&str, &SecretString)> {
        (!self.user.is_empty()).then_some((self.user.as_str(), &self.password))
    }
}

impl fmt::Display for ManagementUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.base.fmt(f)
    }
}

impl fmt::Debug for ManagementUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ManagementUrl({})", self.base)
    }
}

impl FromStr for ManagementUrl {
    type Err = UrlError;
    fn from_str(text: &str) -> Result<Self, UrlError> {
        Self::parse(text)
    }
}

impl TryFrom<String> for ManagementUrl {
    type Error = UrlError;
    fn try_from(text: String) -> Result<Self, UrlError> {
        Self::parse(&text)
    }
}

/// The host as a connection needs it: IPv6 without brackets, a name percent-decoded.
fn host(url: &Url) -> Result<String, UrlError> {
    let host = match url.host() {
        Some(Host::Domain(name)) => decode("host", name)?,
        Some(Host::Ipv4(address)) => address.to_string(),
        Some(Host::Ipv6(address)) => address.to_string(),
        None => String::new(),
    };
    if host.is_empty() {
        return Err(UrlError::NoHost);
    }
    Ok(host)
}

fn decode(part: &'static str, raw: &str) -> Result<String, UrlError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|source| UrlError::Encoding { part, source })
}

#[cfg(test)]
#[path = "endpoint_tests.rs"]
mod tests;
