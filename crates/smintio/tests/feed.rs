//! The license-purchase-transaction feed pager against wiremock: what it asks for, that it
//! reads to the end handing out each page's continuation, and that a page which does not
//! advance ends the read instead of being re-read forever.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assetrelay_smintio::client::{FeedPage, FeedPager, SmintioClient};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod support;

use support::{FEED, config, feed_page, mount_token};

/// More pages than any test serves: a pager still going after this many re-reads a page.
const ENOUGH: usize = 10;

async fn read_all(pager: &mut FeedPager<'_>) -> Vec<FeedPage> {
    let mut pages = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        pages.push(page);
        if pages.len() > ENOUGH {
            break;
        }
    }
    pages
}

fn uuids(page: &FeedPage) -> Vec<&str> {
    page.transactions.iter().map(|t| t.uuid.as_str()).collect()
}

async fn serve(server: &MockServer, from: Option<&str>, page: ResponseTemplate) {
    let mock = Mock::given(method("GET")).and(path(FEED));
    let mock = match from {
        Some(continuation) => mock.and(query_param("continuation_uuid", continuation)),
        None => mock.and(query_param_is_missing("continuation_uuid")),
    };
    mock.respond_with(page).expect(1).mount(server).await;
}

#[tokio::test]
async fn sends_the_continuation_and_limit_of_the_feed() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    Mock::given(method("GET"))
        .and(path(FEED))
        .and(query_param("continuation_uuid", "c-1"))
        .and(query_param("limit", "10"))
        .respond_with(feed_page(&[], Some("c-1")))
        .expect(1)
        .mount(&server)
        .await;
    let client = SmintioClient::new(config(&server)).unwrap();

    let mut feed = client.feed(Some("c-1".into()), 10);

    assert!(feed.next_page().await.unwrap().is_none());
    assert!(
        feed.next_page().await.unwrap().is_none(),
        "a drained pager asks no more"
    );
    assert_eq!(feed.continuation(), Some("c-1"));
}

#[tokio::test]
async fn reads_to_the_end_handing_out_the_continuation_after_each_page() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    serve(&server, None, feed_page(&["a", "b"], Some("c-1"))).await;
    serve(&server, Some("c-1"), feed_page(&["c"], Some("c-2"))).await;
    serve(&server, Some("c-2"), feed_page(&[], Some("c-3"))).await;
    let client = SmintioClient::new(config(&server)).unwrap();

    let mut feed = client.feed(None, 2);
    let pages = read_all(&mut feed).await;

    assert_eq!(pages.len(), 2);
    assert_eq!(uuids(&pages[0]), ["a", "b"]);
    assert_eq!(pages[0].continuation.as_deref(), Some("c-1"));
    assert_eq!(uuids(&pages[1]), ["c"]);
    assert_eq!(pages[1].continuation.as_deref(), Some("c-2"));
    assert_eq!(
        feed.continuation(),
        Some("c-3"),
        "the empty page's position is where the next read starts"
    );
}

#[tokio::test]
async fn a_page_without_a_continuation_is_the_last_one_read() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    serve(&server, None, feed_page(&["a"], None)).await;
    let client = SmintioClient::new(config(&server)).unwrap();

    let mut feed = client.feed(None, 10);
    let pages = read_all(&mut feed).await;

    assert_eq!(pages.len(), 1, "the page was read again");
    assert_eq!(uuids(&pages[0]), ["a"]);
    assert_eq!(pages[0].continuation, None, "the position did not move");
}

#[tokio::test]
async fn a_page_that_hands_back_the_continuation_it_was_asked_with_is_the_last_one_read() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    serve(&server, Some("c-1"), feed_page(&["a"], Some("c-1"))).await;
    let client = SmintioClient::new(config(&server)).unwrap();

    let mut feed = client.feed(Some("c-1".into()), 10);
    let pages = read_all(&mut feed).await;

    assert_eq!(pages.len(), 1, "the page was read again");
    assert_eq!(pages[0].continuation.as_deref(), Some("c-1"));
    assert_eq!(feed.continuation(), Some("c-1"));
}

#[tokio::test]
async fn a_continuation_that_leads_back_to_an_earlier_page_ends_the_read() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    serve(&server, Some("c-1"), feed_page(&["a"], Some("c-2"))).await;
    serve(&server, Some("c-2"), feed_page(&["b"], Some("c-1"))).await;
    let client = SmintioClient::new(config(&server)).unwrap();

    let mut feed = client.feed(Some("c-1".into()), 10);
    let pages = read_all(&mut feed).await;

    assert_eq!(pages.len(), 2, "the cycle was followed");
    assert_eq!(pages[1].continuation.as_deref(), Some("c-2"));
}
