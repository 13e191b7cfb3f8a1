//! Sorting a list by one column, both directions — the same for the screen and `list --sort`.
//! Lists come newest first from every API (and the merge keeps that), so time descending is the
//! order as loaded; any other order is made over the calls loaded.

use std::cmp::Ordering;
use std::fmt;

use super::Call;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortColumn {
    Time,
    Duration,
    Caller,
    Status,
    Provider,
    Triage,
}

impl SortColumn {
    pub const ALL: [SortColumn; 6] = [
        SortColumn::Time,
        SortColumn::Duration,
        SortColumn::Caller,
        SortColumn::Status,
        SortColumn::Provider,
        SortColumn::Triage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Time => "time",
            SortColumn::Duration => "duration",
            SortColumn::Caller => "caller",
            SortColumn::Status => "status",
            SortColumn::Provider => "provider",
            SortColumn::Triage => "triage",
        }
    }

    /// The next column (the sort key cycles through them).
    pub fn next(self) -> SortColumn {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// A column and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for Sort {
    /// Newest first: the order lists come in.
    fn default() -> Self {
        Sort {
            column: SortColumn::Time,
            descending: true,
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.descending { "desc" } else { "asc" };
        write!(f, "{}:{dir}", self.column.name())
    }
}

impl Sort {
    /// Whether this is the order calls come in (nothing to sort).
    pub fn is_natural(self) -> bool {
        self == Sort::default()
    }

    /// `duration`, `duration:asc`, `-duration` (descending), `caller:desc`, … A column alone
    /// sorts the way a person expects first: time and duration descending, text ascending.
    pub fn parse(text: &str) -> Result<Sort, String> {
        let text = text.trim();
        let (name, dir) = match text.split_once(':') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        let (name, minus) = match name.strip_prefix('-') {
            Some(n) => (n, true),
            None => (name, false),
        };
        let column = SortColumn::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<&str> = SortColumn::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "\"{}\" is not a column to sort by; use one of {}",
                    crate::display::sanitize(name),
                    names.join(", ")
                )
            })?;
        let descending = match (dir.map(str::to_ascii_lowercase).as_deref(), minus) {
            (Some("desc"), _) | (None, true) => true,
            (Some("asc"), false) => false,
            (Some(other), _) if other != "asc" => {
                return Err(format!(
                    "\"{}\" is not a direction; use asc or desc",
                    crate::display::sanitize(other)
                ));
            }
            (Some(_), true) => return Err("use either - or :asc, not both".into()),
            (None, false) => Sort::default_descending(column),
            _ => true,
        };
        Ok(Sort { column, descending })
    }

    fn default_descending(column: SortColumn) -> bool {
        matches!(column, SortColumn::Time | SortColumn::Duration)
    }

    /// The other direction.
    pub fn flipped(self) -> Sort {
        Sort {
            descending: !self.descending,
            ..self
        }
    }

    /// The next column, in its first direction.
    pub fn next_column(self) -> Sort {
        let column = self.column.next();
        Sort {
            column,
            descending: Sort::default_descending(column),
        }
    }

    /// This order as a list API's `sort` parameter names it — AlloMia's, the one API that
    /// sorts its list (`desc`, `asc`, `duration_desc`, `duration_asc`); `None` for a column
    /// no server sorts by.
    pub fn server_value(self) -> Option<&'static str> {
        match (self.column, self.descending) {
            (SortColumn::Time, true) => Some("desc"),
            (SortColumn::Time, false) => Some("asc"),
            (SortColumn::Duration, true) => Some("duration_desc"),
            (SortColumn::Duration, false) => Some("duration_asc"),
            _ => None,
        }
    }

    /// The header's arrow for `column`: `▼`/`▲` where the list is sorted by it.
    pub fn arrow(self, column: SortColumn) -> &'static str {
        match (self.column == column, self.descending) {
            (false, _) => "",
            (true, true) => "▼",
            (true, false) => "▲",
        }
    }
}

/// What a call sorts by in one column (made once per call, then compared).
#[derive(Clone, Debug, PartialEq, PartialOrd)]
enum SortValue {
    Time(Option<i64>),
    Number(Option<f64>),
    Text(Option<String>),
}

fn compare(a: &SortValue, b: &SortValue) -> Ordering {
    // A call without the value goes last in either direction.
    fn opt<T>(a: &Option<T>, b: &Option<T>, f: impl Fn(&T, &T) -> Ordering) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => f(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    match (a, b) {
        (SortValue::Time(x), SortValue::Time(y)) => opt(x, y, Ord::cmp),
        (SortValue::Number(x), SortValue::Number(y)) => opt(x, y, |p, q| p.total_cmp(q)),
        (SortValue::Text(x), SortValue::Text(y)) => opt(x, y, Ord::cmp),
        _ => Ordering::Equal,
    }
}

/// Sorts `rows` (indices into `calls`) by `sort`, stably (ties keep the order they came in).
/// `provider(i)` names call `i`'s provider and `triage(i)` its triage state, for those columns.
pub fn sort_rows(
    rows: &mut [usize],
    calls: &[Call],
    sort: Sort,
    provider: &dyn Fn(usize) -> String,
    triage: &dyn Fn(usize) -> Option<String>,
) {
    let value = |i: usize| -> SortValue {
        let c = &calls[i];
        match sort.column {
            SortColumn::Time => SortValue::Time(c.started_at.map(|t| t.timestamp_millis())),
            SortColumn::Duration => SortValue::Number(c.duration_secs),
            SortColumn::Caller => SortValue::Text(
                c.caller_name
                    .as_deref()
                    .or(c.caller_number.as_deref())
                    .map(str::to_lowercase),
            ),
            SortColumn::Status => SortValue::Text(c.status.as_deref().map(str::to_lowercase)),
            SortColumn::Provider => SortValue::Text(Some(provider(i))),
            SortColumn::Triage => SortValue::Text(triage(i)),
        }
    };
    let mut keyed: Vec<(SortValue, usize)> = rows.iter().map(|&i| (value(i), i)).collect();
    keyed.sort_by(|(a, ia), (b, ib)| {
        let o = compare(a, b);
        // Missing values stay last; the direction turns the rest.
        let missing = |v: &SortValue| match v {
            SortValue::Time(x) => x.is_none(),
            SortValue::Number(x) => x.is_none(),
            SortValue::Text(x) => x.is_none(),
        };
        let o = if sort.descending && !missing(a) && !missing(b) {
            o.reverse()
        } else {
            o
        };
        o.then(ia.cmp(ib))
    });
    for (slot, (_, i)) in rows.iter_mut().zip(keyed) {
        *slot = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, ProviderKind};
    use std::sync::Arc;

    #[test]
    fn parses_columns_and_directions() {
        let s = |t: &str| Sort::parse(t).unwrap();
        assert_eq!(
            s("duration"),
            Sort {
                column: SortColumn::Duration,
                descending: true
            }
        );
        assert_eq!(
            s("caller"),
            Sort {
                column: SortColumn::Caller,
                descending: false
            }
        );
        assert_eq!(
            s("-caller"),
            Sort {
                column: SortColumn::Caller,
                descending: true
            }
        );
        assert_eq!(
            s("Time:asc"),
            Sort {
                column: SortColumn::Time,
                descending: false
            }
        );
        assert!(Sort::parse("length").unwrap_err().contains("duration"));
        assert!(Sort::parse("time:up").unwrap_err().contains("asc or desc"));
        assert_eq!(s("status:desc").to_string(), "status:desc");
    }

    #[test]
    fn sorts_stably_with_missing_values_last() {
        let account = Arc::new(Account::new(ProviderKind::Solum, "https://x", None));
        let mk = |id: &str, d: Option<f64>| {
            let mut c = Call::new(&account, None, id);
            c.duration_secs = d;
            c
        };
        let calls = vec![
            mk("a", Some(5.0)),
            mk("b", None),
            mk("c", Some(9.0)),
            mk("d", Some(5.0)),
        ];
        let ids = |rows: &[usize]| {
            rows.iter()
                .map(|&i| calls[i].id.clone())
                .collect::<Vec<_>>()
        };
        let none = |_: usize| None;
        let p = |_: usize| String::new();
        let mut rows = vec![0, 1, 2, 3];
        sort_rows(
            &mut rows,
            &calls,
            Sort::parse("duration").unwrap(),
            &p,
            &none,
        );
        assert_eq!(ids(&rows), ["c", "a", "d", "b"]);
        sort_rows(
            &mut rows,
            &calls,
            Sort::parse("duration:asc").unwrap(),
            &p,
            &none,
        );
        assert_eq!(ids(&rows), ["a", "d", "c", "b"]);
        sort_rows(&mut rows, &calls, Sort::parse("time").unwrap(), &p, &none);
        assert_eq!(
            ids(&rows),
            ["a", "b", "c", "d"],
            "no times: the order they came in"
        );
    }
}
