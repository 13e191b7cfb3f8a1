//! What every listener does before its vendor router sees a request: write the request log
//! (with the path as received), bring the path into the form the vendor routes on, and after
//! the answer drop the `Allow` header axum adds to method-fallback answers (no vendor sends it).
//!
//! These steps rewrite the URI, so they cannot be `Router::layer` middleware (which runs after
//! routing): [`host`] wraps the whole vendor router.
//!
//! # Paths
//! With [`Paths::Segments`] the path below a base is routed segment by segment, as the vendor
//! servers do: each segment is percent-decoded on its own (an encoded `/` stays inside its
//! segment, a `+` stays a `+`, invalid UTF-8 is replaced), empty segments (`//`, a trailing `/`)
//! are dropped, and the decoded segments are written back canonically encoded. Static route
//! segments then match their decoded form and axum's `Path` extractor gives each parameter
//! exactly its decoded value. A path outside the base is left as it is (it matches no route).
//! With [`Paths::Raw`] the path is routed as received (exact-path APIs and storage hosts whose
//! signatures cover the raw path).

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Uri, header};
use axum::middleware::{self, Next};
use axum::response::Response;

use super::log::{LogPolicy, LogWhen, RecordedRequest, RequestLog};

/// How a listener's paths reach its router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paths {
    /// As received.
    Raw,
    /// Below `base` (`""` for the whole path), segment by segment (see the module docs).
    Segments { base: &'static str },
}

/// A listener's pre-routing steps.
#[derive(Clone, Debug)]
pub struct HostSteps {
    pub paths: Paths,
    pub log: Option<(RequestLog, LogPolicy)>,
}

/// Marks an answer given on a connection that was killed (logged with status 0).
#[derive(Clone, Copy, Debug)]
pub struct ConnectionKilled;

/// The service of one listener: `router` behind the shared pre-routing steps.
pub fn host(router: Router, steps: HostSteps) -> Router {
    Router::new()
        .fallback_service(router)
        .layer(middleware::from_fn_with_state(steps, before_routing))
}

async fn before_routing(State(steps): State<HostSteps>, mut req: Request, next: Next) -> Response {
    let mut pending = None;
    if let Some((log, policy)) = &steps.log {
        let entry = RecordedRequest::new(policy, req.method(), req.uri(), req.headers());
        match policy.when {
            LogWhen::Arrival => log.push(entry),
            LogWhen::Answer => pending = Some((log.clone(), entry)),
        }
    }
    if let Paths::Segments { base } = steps.paths
        && let Some(uri) = canonical_uri(req.uri(), base)
    {
        *req.uri_mut() = uri;
    }
    let mut resp = next.run(req).await;
    resp.headers_mut().remove(header::ALLOW);
    if let Some((log, mut entry)) = pending {
        let killed = resp.extensions().get::<ConnectionKilled>().is_some();
        entry.status = if killed { 0 } else { resp.status().as_u16() };
        log.push(entry);
    }
    resp
}

/// One path segment decoded as the vendor servers decode it (percent escapes, a `+` kept).
pub fn decode_segment(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The decoded, non-empty segments of a path.
pub fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect()
}

/// A decoded segment written so that routing sees it whole and decoding (axum's or
/// [`decode_segment`]) gives it back.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$'()*+,;=:@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path below `base` in canonical form (see the module docs); `None` outside `base`.
pub fn canonical_path(path: &str, base: &str) -> Option<String> {
    let rest = path.strip_prefix(base)?;
    if !rest.is_empty() && !rest.starts_with('/') {
        return None;
    }
    let mut out = base.to_string();
    for seg in segments(rest) {
        out.push('/');
        out.push_str(&encode_segment(&seg));
    }
    if out.is_empty() {
        out.push('/');
    }
    Some(out)
}

fn canonical_uri(uri: &Uri, base: &str) -> Option<Uri> {
    let path = canonical_path(uri.path(), base)?;
    if path == uri.path() {
        return None;
    }
    let mut parts = uri.clone().into_parts();
    let pq = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    parts.path_and_query = Some(pq.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_decoded_one_by_one() {
        assert_eq!(decode_segment("a%2Fb"), "a/b");
        assert_eq!(decode_segment("a+b"), "a+b");
        assert_eq!(decode_segment("a%20b"), "a b");
        assert_eq!(decode_segment("%FF"), "\u{fffd}");
        assert_eq!(segments("//a/%62//c/"), ["a", "b", "c"]);
    }

    #[test]
    fn canonical_paths_route_on_decoded_segments() {
        assert_eq!(canonical_path("/auth/%74oken/", "").unwrap(), "/auth/token");
        assert_eq!(canonical_path("/", "").unwrap(), "/");
        assert_eq!(canonical_path("", "").unwrap(), "/");
        assert_eq!(
            canonical_path("/p/a%2Fb/c%20d/e+f/%C3%A9", "").unwrap(),
            "/p/a%2Fb/c%20d/e+f/%C3%A9"
        );
        assert_eq!(canonical_path("/api//v1/x/", "/api").unwrap(), "/api/v1/x");
        assert_eq!(canonical_path("/api", "/api").unwrap(), "/api");
        assert_eq!(canonical_path("/apix/v1", "/api"), None);
        assert_eq!(canonical_path("/other", "/api"), None);
    }

    #[test]
    fn canonical_segments_decode_to_themselves() {
        for raw in [
            "a%26b", "a&b", "x=y", "a%2Fb", "a+b", "%FF", "é ü", "%25", "{x}",
        ] {
            let decoded = decode_segment(raw);
            let canonical = canonical_path(&format!("/{raw}"), "").unwrap();
            assert_eq!(
                segments(&canonical),
                std::slice::from_ref(&decoded),
                "{raw}"
            );
        }
    }

    #[test]
    fn canonical_uris_keep_the_query() {
        let uri: Uri = "/a//b/?x=1&y=%2B".parse().unwrap();
        assert_eq!(canonical_uri(&uri, "").unwrap(), "/a/b?x=1&y=%2B");
        let same: Uri = "/a/b?x=1".parse().unwrap();
        assert!(canonical_uri(&same, "").is_none());
    }
}
