//! Who is who: the runtime identity of a configured provider ([`ProviderId`]) and its static
//! description ([`ProviderInfo`]), and the two ways to name a call — [`CallKey`] while the program
//! runs (through which provider, under which parent) and [`CallRef`] for anything kept (the vendor
//! account and the vendor's id, never the user-chosen provider name).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Capabilities, ProviderKind, Scope};

/// A configured provider while the program runs: its position in the configuration. Used in
/// every message, effect and key; never persisted (a config edit may renumber providers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId(pub u16);

impl ProviderId {
    /// The provider at position `index` of the configuration.
    pub fn new(index: usize) -> ProviderId {
        ProviderId(u16::try_from(index).unwrap_or(u16::MAX))
    }

    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "provider #{}", self.0)
    }
}

/// A vendor account, as stable as the vendor makes it: the kind, the API host (with its port when
/// it is not the scheme's default), and the tenant, account or organization where calls live
/// under one (Welkin `tenant/instance`, Voxeme account sid, AlloMia organization id). Solum and
/// TalkPilot keys see one company per host, so the host says it all.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Account {
    pub kind: ProviderKind,
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Account {
    /// The account of an API at `base_url` (`id` as described on [`Account`]). A URL without a
    /// host keeps the text as given, so two such providers still differ.
    pub fn new(kind: ProviderKind, base_url: &str, id: Option<&str>) -> Account {
        let host = url::Url::parse(base_url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_ascii_lowercase();
                Some(match u.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| base_url.to_string());
        Account {
            kind,
            host,
            id: id.map(str::to_string),
        }
    }

    /// The same API with another account id (a Voxeme account, an AlloMia organization).
    pub fn with_id(&self, id: Option<&str>) -> Account {
        Account {
            id: id.map(str::to_string),
            ..self.clone()
        }
    }

    /// Whether a provider configured for this account reaches `other`'s calls: same kind and
    /// host, and the same account id unless this one is open to every account of its key.
    pub fn covers(&self, other: &Account) -> bool {
        self.kind == other.kind
            && self.host == other.host
            && (self.id.is_none() || self.id == other.id)
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.host)?;
        if let Some(id) = &self.id {
            write!(f, "/{id}")?;
        }
        Ok(())
    }
}

/// What names one call for good: its account and the vendor's call id. Anything persisted (the
/// triage store) is keyed by this.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CallRef {
    pub account: Account,
    pub id: String,
}

impl fmt::Display for CallRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.account, self.id)
    }
}

/// Where one call is found while the program runs: the provider, the parent it was listed under
/// (some APIs need it to fetch the call) and the vendor's id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallKey {
    pub provider: ProviderId,
    pub scope: Option<String>,
    pub id: String,
}

/// The static description of one configured provider, held as data so that views and `update`
/// never call into a provider object.
#[derive(Clone, Debug)]
pub struct ProviderInfo {
    pub id: ProviderId,
    /// The configured name (unique among configured providers).
    pub name: String,
    /// What the sidebar shows.
    pub label: String,
    pub kind: ProviderKind,
    pub capabilities: Capabilities,
    /// A parent pinned by configuration: the parent list is then not offered.
    pub pinned_scope: Option<Scope>,
    /// The account this provider reaches (`id: None` when its key sees several).
    pub account: Account,
}

impl ProviderInfo {
    /// Whether calls live under a parent level the user chooses from (not pinned).
    pub fn has_scopes(&self) -> bool {
        self.capabilities.scope_noun.is_some() && self.pinned_scope.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_name_host_port_and_tenant() {
        let a = Account::new(
            ProviderKind::Welkin,
            "https://API.welkinhealth.com/",
            Some("acme/live"),
        );
        assert_eq!(a.to_string(), "welkin:api.welkinhealth.com/acme/live");
        let local = Account::new(ProviderKind::Solum, "http://127.0.0.1:4100/v1", None);
        assert_eq!(local.to_string(), "solum:127.0.0.1:4100");
        let default_port = Account::new(ProviderKind::Solum, "https://x.example:443", None);
        assert_eq!(default_port.host, "x.example");
    }

    #[test]
    fn an_open_account_covers_its_sub_accounts_only_on_its_host() {
        let tenant = Account::new(ProviderKind::AlloMia, "https://allomia.com", None);
        let org = tenant.with_id(Some("org-1"));
        assert!(tenant.covers(&org));
        assert!(!org.covers(&tenant.with_id(Some("org-2"))));
        assert!(org.covers(&org));
        let other_host = Account::new(ProviderKind::AlloMia, "https://eu.allomia.com", None);
        assert!(!other_host.covers(&org));
        let other_kind = Account::new(ProviderKind::Voxeme, "https://allomia.com", None);
        assert!(!other_kind.covers(&org));
    }

    #[test]
    fn a_call_reference_round_trips_through_json() {
        let r = CallRef {
            account: Account::new(ProviderKind::Voxeme, "https://v.example", Some("AC1")),
            id: "CA9".into(),
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"account":{"kind":"voxeme","host":"v.example","id":"AC1"},"id":"CA9"}"#
        );
        assert_eq!(serde_json::from_str::<CallRef>(&json).unwrap(), r);
        assert_eq!(r.to_string(), "voxeme:v.example/AC1#CA9");
    }

    #[test]
    fn provider_ids_are_positions() {
        assert_eq!(ProviderId::new(3).index(), 3);
        assert!(ProviderId::new(1) < ProviderId::new(2));
    }
}
