//! Sorting a list by one column, both directions — the same for the screen and `list --sort`.
//! Lists come newest first from every API (and the merge keeps that), so time descending is the
//! order as loaded; any other order is made over the calls loaded.

use std::borrow::Cow;
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

/// Sorts `rows` by `key` (computed once per row), `descending` or not; rows without a value go
/// last either way, and ties keep the order the calls came in (their index), so the unstable
/// sort gives the same list every time.
fn sort_by_key<K>(
    rows: &mut [usize],
    key: impl Fn(usize) -> Option<K>,
    cmp: impl Fn(&K, &K) -> Ordering,
    descending: bool,
) {
    let mut keyed: Vec<(Option<K>, usize)> = rows.iter().map(|&i| (key(i), i)).collect();
    keyed.sort_unstable_by(|(a, ia), (b, ib)| {
        let o = match (a, b) {
            (Some(x), Some(y)) if descending => cmp(y, x),
            (Some(x), Some(y)) => cmp(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        o.then(ia.cmp(ib))
    });
    for (slot, (_, i)) in rows.iter_mut().zip(keyed) {
        *slot = i;
    }
}

/// Text as it sorts: case folded, borrowed when it has no upper case (most numbers, ids).
fn folded(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_uppercase) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// A call's value in `column`, for telling equal values apart (see [`reversed`]).
enum Value<'a> {
    Time(Option<i64>),
    Number(Option<f64>),
    Text(Option<Cow<'a, str>>),
}

impl PartialEq for Value<'_> {
    /// Texts equal as they sort: case folded (compared without making folded copies).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Time(a), Value::Time(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::Text(Some(a)), Value::Text(Some(b))) => {
                a == b
                    || a.chars()
                        .flat_map(char::to_lowercase)
                        .eq(b.chars().flat_map(char::to_lowercase))
            }
            (Value::Text(a), Value::Text(b)) => a.is_none() && b.is_none(),
            _ => false,
        }
    }
}

impl Value<'_> {
    fn is_none(&self) -> bool {
        match self {
            Value::Time(v) => v.is_none(),
            Value::Number(v) => v.is_none(),
            Value::Text(v) => v.is_none(),
        }
    }
}

/// `order` (every call sorted by `column` one way, as [`sort_rows`] makes it) sorted the other
/// way, in one pass: the runs of equal values in reverse, each run keeping its calls in the
/// order they came, the calls without a value still last — what a new sort would give, without
/// sorting. Not for the triage column (its values are not the calls').
pub fn reversed(
    order: &[usize],
    calls: &[Call],
    column: SortColumn,
    provider: &dyn Fn(usize) -> String,
) -> Vec<usize> {
    let value = |i: usize| {
        let c = &calls[i];
        match column {
            SortColumn::Time => Value::Time(c.started_at.map(|t| t.timestamp_millis())),
            SortColumn::Duration => Value::Number(c.duration_secs),
            SortColumn::Caller => Value::Text(
                c.caller_name
                    .as_deref()
                    .or(c.caller_number.as_deref())
                    .map(Cow::Borrowed),
            ),
            SortColumn::Status => Value::Text(c.status.as_deref().map(Cow::Borrowed)),
            SortColumn::Provider => Value::Text(Some(Cow::Owned(provider(i)))),
            SortColumn::Triage => Value::Text(None),
        }
    };
    let values: Vec<Value> = order.iter().map(|&i| value(i)).collect();
    let present = values.iter().take_while(|v| !v.is_none()).count();
    let mut out = Vec::with_capacity(order.len());
    let mut end = present;
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && values[start - 1] == values[end - 1] {
            start -= 1;
        }
        out.extend_from_slice(&order[start..end]);
        end = start;
    }
    out.extend_from_slice(&order[present..]);
    out
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
    let desc = sort.descending;
    match sort.column {
        SortColumn::Time => sort_by_key(
            rows,
            |i| calls[i].started_at.map(|t| t.timestamp_millis()),
            Ord::cmp,
            desc,
        ),
        SortColumn::Duration => sort_by_key(rows, |i| calls[i].duration_secs, f64::total_cmp, desc),
        SortColumn::Caller => sort_by_key(
            rows,
            |i| {
                let c = &calls[i];
                c.caller_name
                    .as_deref()
                    .or(c.caller_number.as_deref())
                    .map(folded)
            },
            Ord::cmp,
            desc,
        ),
        SortColumn::Status => sort_by_key(
            rows,
            |i| calls[i].status.as_deref().map(folded),
            Ord::cmp,
            desc,
        ),
        SortColumn::Provider => sort_by_key(rows, |i| Some(provider(i)), Ord::cmp, desc),
        SortColumn::Triage => sort_by_key(rows, triage, Ord::cmp, desc),
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
    fn a_text_column_sorts_case_folded_with_missing_values_last_and_ties_by_arrival() {
        let account = Arc::new(Account::new(ProviderKind::Solum, "https://x", None));
        let names = ["bo", "Al", "al", "", "Zed", "+1555"];
        let calls: Vec<Call> = (0..60)
            .map(|i| {
                let mut c = Call::new(&account, None, &format!("c{i}"));
                c.caller_name = (i % 7 != 3).then(|| names[(i * 5) % names.len()].to_string());
                c
            })
            .collect();
        for desc in [false, true] {
            let mut rows: Vec<usize> = (0..calls.len()).rev().collect();
            let sort = Sort {
                column: SortColumn::Caller,
                descending: desc,
            };
            sort_rows(&mut rows, &calls, sort, &|_| String::new(), &|_| None);
            let mut naive: Vec<usize> = (0..calls.len()).collect();
            let text = |i: usize| calls[i].caller_name.as_ref().map(|n| n.to_lowercase());
            naive.sort_by(|&a, &b| {
                let o = match (text(a), text(b)) {
                    (Some(x), Some(y)) if desc => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                o.then(a.cmp(&b))
            });
            assert_eq!(rows, naive, "descending: {desc}");
            // Turned round, it is what a new sort the other way gives.
            let mut other: Vec<usize> = (0..calls.len()).collect();
            sort_rows(
                &mut other,
                &calls,
                sort.flipped(),
                &|_| String::new(),
                &|_| None,
            );
            let turned = reversed(&rows, &calls, SortColumn::Caller, &|_| String::new());
            assert_eq!(turned, other, "descending: {desc}");
        }
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
