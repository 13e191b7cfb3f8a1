//! Fault injection shared by every listener that takes faults: [`inject`] applies one
//! [`Fault`] to a request, with the vendor's own answers ([`FaultAnswers`]).
//!
//! `Latency` delays the normal answer; `RateLimited`, `Status` and `MalformedJson` answer in
//! the vendor's shape instead of the normal answer; `ConnectionReset` drops the connection
//! before any byte; `TruncatedBody` sends about half of the normal answer's body (its
//! `Content-Length` promising all of it) and drops the connection; `WrongTypesRecord`
//! corrupts the normal JSON answer.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use super::Fault;
use super::host::ConnectionKilled;
use super::net::{ConnHandle, truncated_response};

/// A vendor's answers to injected faults.
pub trait FaultAnswers: Send + Sync {
    /// The answer to `Fault::RateLimited`.
    fn rate_limited(&self, retry_after_secs: u64) -> Response;

    /// The answer to `Fault::Status` (`status` is an error status, see [`error_status`]).
    fn status(&self, status: StatusCode) -> Response;

    /// The answer to `Fault::MalformedJson`; `None`: the fault does nothing here.
    fn malformed_json(&self) -> Option<Response>;

    /// What is sent on a connection `ConnectionReset` drops (nothing reaches the client).
    fn reset(&self) -> Response {
        Response::new(Body::empty())
    }

    /// Whether `TruncatedBody` cuts this answer (default: every answer).
    fn truncates(&self, _resp: &Response, _head: bool) -> bool {
        true
    }

    /// The answer as it is cut (default: unchanged).
    fn before_cut(&self, resp: Response) -> Response {
        resp
    }

    /// Whether `WrongTypesRecord` corrupts this answer (default: a 200 JSON answer).
    fn corrupts(&self, resp: &Response) -> bool {
        resp.status() == StatusCode::OK && is_json(resp.headers())
    }

    /// Give one record of a JSON answer wrong types.
    fn corrupt(&self, body: &mut Value);
}

/// The status of a `Fault::Status(code)`: `code` when it is an error status, else 500.
pub fn error_status(code: u16) -> StatusCode {
    StatusCode::from_u16(code)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Whether the headers say JSON.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Kill the connection of a request (the client sees it closed before any byte).
pub fn kill_connection(conn: Option<&ConnHandle>, mut answer: Response) -> Response {
    if let Some(c) = conn {
        c.kill();
    }
    answer.extensions_mut().insert(ConnectionKilled);
    answer
}

/// Apply `fault` (if any) to a request: answer instead of `next`, or change its answer.
pub async fn inject<A: FaultAnswers>(
    answers: &A,
    fault: Option<Fault>,
    req: Request,
    next: Next,
) -> Response {
    let conn = ConnHandle::of(&req);
    let head = req.method() == axum::http::Method::HEAD;
    match fault {
        None => next.run(req).await,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(Fault::RateLimited { retry_after_secs }) => answers.rate_limited(retry_after_secs),
        Some(Fault::Status(code)) => answers.status(error_status(code)),
        Some(Fault::ConnectionReset) => kill_connection(conn.as_ref(), answers.reset()),
        Some(Fault::MalformedJson) => match answers.malformed_json() {
            Some(resp) => resp,
            None => next.run(req).await,
        },
        Some(Fault::TruncatedBody) => {
            let resp = next.run(req).await;
            if answers.truncates(&resp, head) {
                cut_short(answers.before_cut(resp), conn).await
            } else {
                resp
            }
        }
        Some(Fault::WrongTypesRecord) => {
            let resp = next.run(req).await;
            if answers.corrupts(&resp) {
                map_json(resp, |v| answers.corrupt(v)).await
            } else {
                resp
            }
        }
    }
}

/// The same answer with its body cut about half way: `Content-Length` still promises all of
/// it, then the connection is dropped. A body of one byte or none is sent as it is.
pub async fn cut_short(resp: Response, conn: Option<ConnHandle>) -> Response {
    let (parts, body) = resp.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) if bytes.len() > 1 => {
            truncated_response(parts.status, parts.headers, bytes.to_vec(), conn)
        }
        Ok(bytes) => Response::from_parts(parts, Body::from(bytes)),
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}

/// The answer with its JSON body changed by `f` (unchanged when the body is not JSON).
async fn map_json(resp: Response, f: impl FnOnce(&mut Value)) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            f(&mut v);
            let out = serde_json::to_vec(&v).unwrap_or_default();
            Response::from_parts(parts, Body::from(out))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    #[test]
    fn fault_statuses_are_error_statuses() {
        assert_eq!(error_status(503), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error_status(404), StatusCode::NOT_FOUND);
        assert_eq!(error_status(200), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error_status(302), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error_status(1000), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn json_is_told_by_the_content_type() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(is_json(&h));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
        assert!(!is_json(&h));
    }

    #[tokio::test]
    async fn json_round_trips_byte_for_byte() {
        let v = json!({"b": 1, "a": [3.466666666666667, 45.0, "é\u{202e}"], "n": null});
        let bytes = serde_json::to_vec(&v).unwrap();
        let resp = Response::new(Body::from(bytes.clone()));
        let out = map_json(resp, |_| {}).await;
        let got = axum::body::to_bytes(out.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(got.to_vec(), bytes, "key order and numbers are kept");
    }

    #[tokio::test]
    async fn short_bodies_are_not_cut() {
        let resp = Response::new(Body::from("x"));
        let out = cut_short(resp, None).await;
        let got = axum::body::to_bytes(out.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(&got[..], b"x");
    }
}
