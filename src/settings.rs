//! Settings shared by the layers above (`display`, `config`, `model`), so that none of them
//! imports another for them.

use serde::Deserialize;

/// How times are shown and how dates in a filter are read: the user's zone or UTC.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TimeZoneSetting {
    Local,
    Utc,
}
