//! Which redirects the clients follow, and the errors that say why one was not: a redirect to
//! another origin (the API client only: it carries credentials), a loop, or too many hops.

use crate::display::redact_url;

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// Why a redirect was not followed; its text names where it pointed, without its query.
#[derive(Debug)]
pub(super) enum Refused {
    OtherHost(String),
    Loop(String),
    TooMany,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::OtherHost(_) => f.write_str("redirect to another host refused"),
            Refused::Loop(_) => f.write_str("redirect loop"),
            Refused::TooMany => f.write_str("too many redirects"),
        }
    }
}

impl std::error::Error for Refused {}

/// The redirect policy: a target already visited is a loop, more than [`MAX_REDIRECTS`] hops
/// are too many, and with `same_origin_only` a hop to another origin is refused.
pub(super) fn policy(same_origin_only: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let next = attempt.url();
        let previous = attempt.previous();
        if previous.iter().any(|u| u == next) {
            let to = redact_url(next.as_str());
            attempt.error(Refused::Loop(to))
        } else if previous.len() > MAX_REDIRECTS {
            attempt.error(Refused::TooMany)
        } else if same_origin_only
            && !previous
                .last()
                .is_some_and(|prev| prev.origin() == next.origin())
        {
            let to = redact_url(next.as_str());
            attempt.error(Refused::OtherHost(to))
        } else {
            attempt.follow()
        }
    })
}

/// The refusal behind a reqwest redirect error, if it was ours.
pub(super) fn refusal(e: &reqwest::Error) -> Option<&Refused> {
    std::iter::successors(Some(e as &(dyn std::error::Error + 'static)), |c| {
        c.source()
    })
    .find_map(|c| c.downcast_ref::<Refused>())
}
