//! Reading the license-purchase-transaction feed page by page (research §3.1).
//!
//! The SDKs loop "while the page had transactions", trusting the server to move the
//! continuation forward. A page with transactions whose continuation is missing, or one
//! this read already asked for, would make that loop re-read the same page until
//! something times out. The pager instead yields such a page once and ends the read
//! there, with a warning: its transactions are not lost, and the position stays where it
//! was, so the next read asks again and moves on as soon as the server does. Ending
//! (rather than failing) lets the caller keep what the page carried.

use std::collections::HashSet;

use super::SmintioClient;
use super::error::Error;
use super::model::LicensePurchaseTransaction;

impl SmintioClient {
    /// Read the feed from `continuation` (`None`: from the beginning), `limit`
    /// transactions per page, until a page is empty or stops advancing.
    pub fn feed(&self, continuation: Option<String>, limit: u32) -> FeedPager<'_> {
        FeedPager {
            client: self,
            continuation,
            limit,
            asked: HashSet::new(),
            ended: false,
        }
    }
}

/// One page of the feed and where reading resumes after it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    /// The transactions of this page, in feed order.
    pub transactions: Vec<LicensePurchaseTransaction>,
    /// Persist this only after `transactions` were handled: reading from it yields the
    /// pages after this one, so a crash before that repeats the page rather than losing it.
    pub continuation: Option<String>,
}

/// Pages of the license-purchase-transaction feed, see [`SmintioClient::feed`].
pub struct FeedPager<'a> {
    client: &'a SmintioClient,
    continuation: Option<String>,
    limit: u32,
    /// Every continuation this read asked with; one of them coming back ends the read.
    asked: HashSet<String>,
    ended: bool,
}

impl FeedPager<'_> {
    /// The next page with transactions, or `None` once the feed is read to its end (an
    /// empty page) or a page did not advance (that page is the last one returned).
    pub async fn next_page(&mut self) -> Result<Option<FeedPage>, Error> {
        if self.ended {
            return Ok(None);
        }
        let page = self
            .client
            .license_purchase_transactions(self.continuation.as_deref(), self.limit)
            .await?;
        if let Some(asked) = &self.continuation {
            self.asked.insert(asked.clone());
        }
        if page.count == 0 {
            // An empty page still carries the position to resume from (research §3.1).
            if let Some(next) = page.continuation_uuid {
                self.continuation = Some(next);
            }
            self.ended = true;
            return Ok(None);
        }
        match page.continuation_uuid {
            Some(next) if !self.asked.contains(&next) => self.continuation = Some(next),
            next => {
                tracing::warn!(
                    count = page.count,
                    asked = self.continuation.as_deref(),
                    returned = next.as_deref(),
                    "the Smint.io feed did not advance; ending this read"
                );
                self.ended = true;
            }
        }
        Ok(Some(FeedPage {
            transactions: page.license_purchase_transactions,
            continuation: self.continuation.clone(),
        }))
    }

    /// Where the next read starts: the last continuation the server moved to.
    pub fn continuation(&self) -> Option<&str> {
        self.continuation.as_deref()
    }
}
