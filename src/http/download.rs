//! A streamed download (a call's recording) as the program's own type: what the answer said about
//! the bytes, and the bytes as they arrive. Nothing above the HTTP layer sees reqwest.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_RANGES, CONTENT_RANGE, CONTENT_TYPE, HeaderMap};

use super::{HttpError, HttpLimits, classify};

/// An answer to a download, its body not yet read.
pub struct Download {
    pub content_type: Option<String>,
    /// Length of the whole file when the server says it.
    pub total_len: Option<u64>,
    /// The byte offset the body starts at (a `206` may start elsewhere than asked; a `200`
    /// starts at 0 whatever was asked).
    pub starts_at: u64,
    /// The server says it serves byte ranges (`Accept-Ranges: bytes`, or it answered one).
    pub accepts_ranges: bool,
    pub body: ByteStream,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("total_len", &self.total_len)
            .field("starts_at", &self.starts_at)
            .field("accepts_ranges", &self.accepts_ranges)
            .field("host", &self.body.host)
            .finish()
    }
}

/// The body of a download, chunk by chunk; each read waits at most the read timeout. Dropping it
/// closes the connection.
pub struct ByteStream {
    response: reqwest::Response,
    host: String,
    limits: HttpLimits,
}

impl ByteStream {
    /// The next chunk, `None` at the end of the body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, HttpError> {
        match tokio::time::timeout(self.limits.read_timeout, self.response.chunk()).await {
            Ok(r) => r.map_err(|e| classify(e, &self.host, self.limits.read_timeout)),
            Err(_) => Err(HttpError::Timeout {
                host: self.host.clone(),
                secs: self.limits.read_timeout.as_secs(),
                attempts: 1,
            }),
        }
    }
}

/// Reads the `bytes` `Content-Range` start and the full length from an answer's headers.
pub fn content_range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let v = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = v.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let start = range.split_once('-')?.0.parse().ok()?;
    Some((start, total.parse().ok()))
}

impl Download {
    pub(super) fn new(response: reqwest::Response, host: String, limits: HttpLimits) -> Download {
        let headers = response.headers();
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let partial = response.status() == StatusCode::PARTIAL_CONTENT;
        let accepts_ranges = partial
            || headers
                .get(ACCEPT_RANGES)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("bytes"));
        let (starts_at, total_len) = if partial {
            content_range(headers).unwrap_or((0, None))
        } else {
            (0, response.content_length())
        };
        Download {
            content_type,
            total_len,
            starts_at,
            accepts_ranges,
            body: ByteStream {
                response,
                host,
                limits,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn content_range_start_and_total() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_RANGE,
            HeaderValue::from_static("bytes 100-199/1000"),
        );
        assert_eq!(content_range(&h), Some((100, Some(1000))));
        h.insert(CONTENT_RANGE, HeaderValue::from_static("bytes 5-9/*"));
        assert_eq!(content_range(&h), Some((5, None)));
        h.insert(CONTENT_RANGE, HeaderValue::from_static("items 0-1/2"));
        assert_eq!(content_range(&h), None);
    }
}
