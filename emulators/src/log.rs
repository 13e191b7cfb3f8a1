//! The one request log every emulator keeps: [`RecordedRequest`] entries in a [`RequestLog`],
//! written by the pre-routing step of each listener (see [`crate::host`]) as the
//! [`LogPolicy`] of that listener says (what to keep, when to write the entry).

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, Uri, header};

use super::lock;

/// Which of repeated query parameters the server uses (and [`RecordedRequest::param`] returns).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Repeated {
    /// The first one (Express, Spring, the edge functions).
    #[default]
    First,
    /// The last one (Starlette).
    Last,
}

/// One request a listener received.
///
/// Which fields are filled depends on the listener (see [`LogPolicy`]): storage hosts keep no
/// query string (it holds the URL's token), the Solum and AlloMia APIs keep no headers (the
/// key is not kept, only whether one was sent).
#[derive(Clone, Debug, Default)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as the API documents it (Voxeme: without its `/api` base path).
    pub path: String,
    /// The path as received, without the query string.
    pub path_and_query_redacted: String,
    /// Decoded query pairs in the order sent (empty where the query is not kept).
    pub query: Vec<(String, String)>,
    /// Header names in lowercase, values lossily decoded (empty where headers are not kept).
    pub headers: Vec<(String, String)>,
    /// Whether an `Authorization` header was present.
    pub had_authorization: bool,
    /// Whether an `X-API-Key` header was present.
    pub had_key: bool,
    /// The status answered (only where the log is written with the answer; 0 when the
    /// connection was reset, or when the log is written on arrival).
    pub status: u16,
    /// Which of repeated query parameters the server used.
    pub repeated: Repeated,
}

impl RecordedRequest {
    /// The value of a query parameter the server used (the first or the last sent, see
    /// [`RecordedRequest::repeated`]).
    pub fn param(&self, name: &str) -> Option<&str> {
        let mut values = self.query.iter().filter(|(k, _)| k == name);
        let found = match self.repeated {
            Repeated::First => values.next(),
            Repeated::Last => values.next_back(),
        };
        found.map(|(_, v)| v.as_str())
    }

    /// Value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The entry for a request, as `policy` says.
    pub fn new(policy: &LogPolicy, method: &Method, uri: &Uri, headers: &HeaderMap) -> Self {
        let raw_path = uri.path();
        let path = match policy.base_path {
            None => raw_path.to_string(),
            Some(base) => match raw_path.strip_prefix(base) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_string(),
                _ => String::from("/<outside base path>"),
            },
        };
        let query = if policy.query {
            query_pairs(uri.query().unwrap_or(""))
        } else {
            Vec::new()
        };
        let headers_kept = if policy.headers {
            header_pairs(headers)
        } else {
            Vec::new()
        };
        RecordedRequest {
            method: method.to_string(),
            path,
            path_and_query_redacted: raw_path.to_string(),
            query,
            headers: headers_kept,
            had_authorization: headers.contains_key(header::AUTHORIZATION),
            had_key: headers.contains_key("x-api-key"),
            status: 0,
            repeated: policy.repeated,
        }
    }

    /// A storage host's entry (method, path and headers; never the query string).
    pub fn from_request<B>(req: &axum::http::Request<B>) -> Self {
        Self::new(&LogPolicy::STORAGE, req.method(), req.uri(), req.headers())
    }
}

/// Decoded query pairs (form rules: `+` is a space), in order.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Header names in lowercase with their values lossily decoded, in order.
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// When a listener writes its log entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogWhen {
    /// As the request arrives, before any other step (faults included).
    Arrival,
    /// When the answer is known, with its status.
    Answer,
}

/// What a listener keeps of each request, and when.
#[derive(Clone, Copy, Debug)]
pub struct LogPolicy {
    /// `path` is the path below this prefix (`/<outside base path>` for any other path).
    pub base_path: Option<&'static str>,
    /// Keep the decoded query pairs.
    pub query: bool,
    /// Keep the headers (values included).
    pub headers: bool,
    pub repeated: Repeated,
    pub when: LogWhen,
}

impl LogPolicy {
    /// Everything but the answer: path, query and headers, on arrival.
    pub const FULL: LogPolicy = LogPolicy {
        base_path: None,
        query: true,
        headers: true,
        repeated: Repeated::First,
        when: LogWhen::Arrival,
    };

    /// A storage host: path and headers, never the query string (it holds the token).
    pub const STORAGE: LogPolicy = LogPolicy {
        query: false,
        ..LogPolicy::FULL
    };
}

/// The requests a listener received, in order (shared by the listener and the emulator handle).
#[derive(Clone, Debug, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl RequestLog {
    pub fn push(&self, entry: RecordedRequest) {
        lock(&self.entries).push(entry);
    }

    /// Every entry, in order.
    pub fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.entries).clone()
    }

    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(policy: &LogPolicy, uri: &str) -> RecordedRequest {
        let mut headers = HeaderMap::new();
        headers.insert("X-API-Key", "k".parse().unwrap());
        headers.insert("Accept", "application/json".parse().unwrap());
        RecordedRequest::new(policy, &Method::GET, &uri.parse().unwrap(), &headers)
    }

    #[test]
    fn param_takes_the_first_or_the_last_repeated_value() {
        let first = entry(&LogPolicy::FULL, "/v1/calls?limit=5&q=a+b&limit=7&x=%2B1");
        assert_eq!(first.param("limit"), Some("5"));
        assert_eq!(first.param("q"), Some("a b"), "form rules: + is a space");
        assert_eq!(first.param("x"), Some("+1"));
        assert_eq!(first.param("nope"), None);
        let last = entry(
            &LogPolicy {
                repeated: Repeated::Last,
                ..LogPolicy::FULL
            },
            "/v1/calls?limit=5&limit=7",
        );
        assert_eq!(last.param("limit"), Some("7"));
        assert_eq!(last.query.len(), 2, "every pair is kept, in order");
    }

    #[test]
    fn policies_keep_what_they_say() {
        let full = entry(&LogPolicy::FULL, "/a/b?token=secret");
        assert_eq!(full.path, "/a/b");
        assert_eq!(full.path_and_query_redacted, "/a/b");
        assert_eq!(full.header("x-api-key"), Some("k"));
        assert_eq!(full.header("ACCEPT"), Some("application/json"));
        assert!(full.had_key && !full.had_authorization);
        let storage = entry(&LogPolicy::STORAGE, "/a/b?token=secret");
        assert!(storage.query.is_empty(), "a storage host keeps no token");
        assert_eq!(storage.headers.len(), 2);
        let bare = entry(
            &LogPolicy {
                headers: false,
                ..LogPolicy::FULL
            },
            "/a",
        );
        assert!(bare.headers.is_empty() && bare.had_key);
    }

    #[test]
    fn base_path_is_cut_from_the_path() {
        let policy = LogPolicy {
            base_path: Some("/api"),
            ..LogPolicy::FULL
        };
        assert_eq!(entry(&policy, "/api/v1/Accounts").path, "/v1/Accounts");
        assert_eq!(entry(&policy, "/api").path, "");
        assert_eq!(entry(&policy, "/apix/v1").path, "/<outside base path>");
        assert_eq!(
            entry(&policy, "/apix/v1").path_and_query_redacted,
            "/apix/v1"
        );
    }

    #[test]
    fn the_log_is_shared_and_ordered() {
        let log = RequestLog::default();
        let other = log.clone();
        log.push(entry(&LogPolicy::FULL, "/1"));
        other.push(entry(&LogPolicy::FULL, "/2"));
        let paths: Vec<String> = log.all().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/1", "/2"]);
        assert_eq!(other.len(), 2);
        other.clear();
        assert!(log.is_empty());
    }
}
