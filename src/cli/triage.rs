//! `callbrowser triage list|export|mark|audit`: the local triage from the command line.
//!
//! `list` and `export` print every triaged call of the store, oldest first, with the call as
//! last seen (its snapshot), as a table, one JSON document or CSV that spreadsheets open
//! (RFC 4180 quoting, CRLF between records, newlines kept inside notes, UTF-8 with an optional
//! BOM). `export` is recorded in the access log first: an export that cannot be recorded is not
//! made. `mark` reads the call from its provider (for its stable reference and a snapshot) and
//! saves the mark, note and tags. `audit` prints the access log. Every text printed passes the
//! sanitizer; times in JSON and CSV are RFC 3339 in UTC, in tables the user's zone.

use std::process::ExitCode;

use serde::Serialize;
use unicode_width::UnicodeWidthChar;

use super::out::{Out, Usage, note};
use super::{
    MarkArg, StoreArg, TriageAuditArgs, TriageCommand, TriageFormat, TriageListArgs,
    TriageMarkArgs, exit,
};
use crate::config::{Config, StoreConfig};
use crate::display::{format_time, sanitize, sanitize_multiline, width};
use crate::model::{Account, CallRef, TimeZoneSetting};
use crate::store::{
    self, AccessRow, Change, Entry, Mark, PgStore, Store, StoreError, StoreTarget, TriageStore,
};

/// The store to use: `--store FILE` (that SQLite file), else the configured one — the team
/// database with `[store] url`, else `[store] path` or the platform's file.
fn target(cfg: &StoreConfig, arg: &StoreArg) -> StoreTarget {
    let mut t = StoreTarget::from_config(cfg, arg.store.clone());
    if arg.store.is_some() {
        t.team = None;
    }
    t
}

/// Where `t` is, for messages (never with a password).
fn place(t: &StoreTarget) -> String {
    match &t.team {
        Some(team) => format!("the team database {}", store::pg_conn::redact(&team.url)),
        None => t.path.display().to_string(),
    }
}

/// Opens the store; a SQLite file that is not there yet is made only with `create` (else
/// `None`). The team database must answer (the command line keeps no offline queue).
fn open(t: &StoreTarget, who: &str, create: bool) -> anyhow::Result<Option<Box<dyn TriageStore>>> {
    if let Some(team) = &t.team {
        let mut pg = PgStore::open(team, who)?;
        pg.set_claim_minutes(t.claim_minutes);
        return Ok(Some(Box::new(pg)));
    }
    if !create && !t.path.exists() {
        return Ok(None);
    }
    let mut s = Store::open(&t.path, who)?;
    s.set_claim_minutes(t.claim_minutes);
    Ok(Some(Box::new(s)))
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `list`, `export` and `audit`: what needs the store alone. Blocking (the team database is
/// driven by a runtime of its own): called off the async workers.
pub(super) fn local(
    command: &TriageCommand,
    cfg: &StoreConfig,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    match command {
        TriageCommand::List(args) => list(
            args,
            cfg,
            args.format.unwrap_or(TriageFormat::Table),
            false,
            tz,
        ),
        TriageCommand::Export(args) => list(
            args,
            cfg,
            args.format.unwrap_or(TriageFormat::Csv),
            true,
            tz,
        ),
        TriageCommand::Audit(args) => audit(args, cfg, tz),
        TriageCommand::Mark(_) => Err(Usage("triage mark needs a provider".into()).into()),
    }
}

fn check_bom(bom: bool, format: TriageFormat) -> Result<(), Usage> {
    if bom && format != TriageFormat::Csv {
        return Err(Usage(
            "--bom goes with --format csv only (JSON and tables are plain UTF-8)".into(),
        ));
    }
    Ok(())
}

/// One triaged call as printed: the JSON object's fields and the CSV's columns, in this order.
/// The names are part of the documented, stable output.
#[derive(Serialize)]
struct TriageOut {
    /// The provider's kind: welkin, solum, talkpilot, voxeme, allomia.
    kind: &'static str,
    /// The vendor account, `kind:host[/account]`.
    account: String,
    scope: Option<String>,
    id: String,
    started_at: Option<String>,
    duration_secs: Option<f64>,
    direction: Option<&'static str>,
    status: Option<String>,
    caller_name: Option<String>,
    caller_number: Option<String>,
    summary: Option<String>,
    /// followup, done or none.
    mark: &'static str,
    note: String,
    tags: Vec<String>,
    /// When the call was first triaged.
    created_at: String,
    updated_at: String,
    updated_by: String,
    version: i64,
}

/// The CSV header: the JSON object's field names.
const CALL_COLUMNS: [&str; 18] = [
    "kind",
    "account",
    "scope",
    "id",
    "started_at",
    "duration_secs",
    "direction",
    "status",
    "caller_name",
    "caller_number",
    "summary",
    "mark",
    "note",
    "tags",
    "created_at",
    "updated_at",
    "updated_by",
    "version",
];

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(|s| sanitize(s).into_owned())
}

fn account_text(a: &Account) -> String {
    sanitize(&a.to_string()).into_owned()
}

impl TriageOut {
    /// Entry `e` as printed: its caller's name and number, the summary and the note masked
    /// under `--redact`.
    fn new(e: &Entry) -> TriageOut {
        let c = e.snapshot.as_ref();
        let out = TriageOut {
            kind: e.call.account.kind.as_str(),
            account: account_text(&e.call.account),
            scope: c.and_then(|c| clean(&c.scope)),
            id: sanitize(&e.call.id).into_owned(),
            started_at: c.and_then(|c| c.started_at).map(rfc3339),
            duration_secs: c.and_then(|c| c.duration_secs),
            direction: c.and_then(|c| c.direction).map(|d| d.as_str()),
            status: c.and_then(|c| clean(&c.status)),
            caller_name: c.and_then(|c| clean(&c.caller_name)),
            caller_number: c.and_then(|c| clean(&c.caller_number)),
            summary: c
                .and_then(|c| c.summary.as_deref())
                .map(|s| sanitize_multiline(s).into_owned()),
            mark: e.mark.as_str(),
            note: sanitize_multiline(&e.note).into_owned(),
            tags: e.tags.iter().map(|t| sanitize(t).into_owned()).collect(),
            created_at: rfc3339(e.created_at),
            updated_at: rfc3339(e.updated_at),
            updated_by: sanitize(&e.updated_by).into_owned(),
            version: e.version,
        };
        if !crate::privacy::redacting() {
            return out;
        }
        let names: Vec<&str> = c
            .and_then(|c| c.caller_name.as_deref())
            .into_iter()
            .collect();
        let text = |s: &str| crate::privacy::mask_text(s, &names);
        TriageOut {
            caller_name: c.and_then(|c| crate::privacy::name_opt(c.caller_name.as_deref())),
            caller_number: c.and_then(|c| crate::privacy::phone_opt(c.caller_number.as_deref())),
            summary: c.and_then(|c| c.summary.as_deref()).map(text),
            note: text(&e.note),
            ..out
        }
    }

    fn csv_record(&self) -> Vec<String> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.kind.to_string(),
            self.account.clone(),
            o(&self.scope),
            self.id.clone(),
            o(&self.started_at),
            // As in the JSON document (`95.0`).
            self.duration_secs
                .and_then(|d| serde_json::to_string(&d).ok())
                .unwrap_or_default(),
            self.direction.unwrap_or_default().to_string(),
            o(&self.status),
            o(&self.caller_name),
            o(&self.caller_number),
            o(&self.summary),
            self.mark.to_string(),
            self.note.clone(),
            self.tags.join(" "),
            self.created_at.clone(),
            self.updated_at.clone(),
            self.updated_by.clone(),
            self.version.to_string(),
        ]
    }
}

#[derive(Serialize)]
struct ListDoc {
    calls: Vec<TriageOut>,
    count: usize,
}

fn list(
    args: &TriageListArgs,
    cfg: &StoreConfig,
    format: TriageFormat,
    export: bool,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    check_bom(args.bom, format)?;
    let filter = store::filter::parse(&args.filter).map_err(Usage)?;
    let t = target(cfg, &args.store);
    // An export is recorded even when the store is new: open (and create) it.
    let (entries, store) = match open(&t, &store::target::who(cfg), export)? {
        Some(mut s) => (s.entries()?, Some(s)),
        None => (Vec::new(), None),
    };
    let shown: Vec<&Entry> = entries.iter().filter(|e| filter.matches(e)).collect();
    if export && let Some(mut s) = store {
        let mut detail = format!(
            "{} call(s) as {}",
            shown.len(),
            match format {
                TriageFormat::Table => "a table",
                TriageFormat::Json => "JSON",
                TriageFormat::Csv => "CSV",
            }
        );
        if !filter.is_empty() {
            detail.push_str(&format!(", filter: {}", args.filter.trim()));
        }
        s.log_access(None, "exported", &detail)?;
    }
    if shown.is_empty() && format == TriageFormat::Table {
        if entries.is_empty() {
            note(format!("no triaged calls in {}", place(&t)));
        } else {
            note(format!(
                "none of the {} triaged calls match the filter",
                entries.len()
            ));
        }
    }
    let rows: Vec<TriageOut> = shown.iter().map(|e| TriageOut::new(e)).collect();
    let mut out = Out::new();
    match format {
        TriageFormat::Json => out.json(&ListDoc {
            count: rows.len(),
            calls: rows,
        })?,
        TriageFormat::Csv => {
            let records = rows.iter().map(TriageOut::csv_record);
            out.text(&csv_text(&CALL_COLUMNS, records, args.bom)?)?;
        }
        TriageFormat::Table => out.text(&calls_table(&shown, tz))?,
    }
    out.flush()?;
    Ok(ExitCode::from(exit::OK))
}

/// Whether a spreadsheet would take `cell` for a formula (`=…`, `@…`, `+…`, `-…` that is not
/// a plain number such as a phone number): CSV injection.
fn formula_like(cell: &str) -> bool {
    match cell.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !cell[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '(' | ')' | '-' | '/')),
        _ => false,
    }
}

/// CSV as RFC 4180 has it: a header, CRLF between records, fields quoted where they hold a
/// comma, a quote or a line break (kept inside the field). A cell a spreadsheet would run as a
/// formula starts with `'` instead. `bom` puts a UTF-8 byte order mark first (for Excel).
fn csv_text(
    header: &[&str],
    records: impl Iterator<Item = Vec<String>>,
    bom: bool,
) -> anyhow::Result<String> {
    let err = |e: csv::Error| anyhow::anyhow!("cannot write the CSV: {e}");
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for r in records {
        w.write_record(r.iter().map(|cell| {
            if formula_like(cell) {
                format!("'{cell}")
            } else {
                cell.clone()
            }
        }))
        .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write the CSV: {}", e.error()))?;
    let text =
        String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("cannot write the CSV: {e}"))?;
    Ok(if bom { format!("\u{FEFF}{text}") } else { text })
}

/// The widest a caller, a tag list or a note may be in a table (longer ones end in `…`).
const MAX_CALLER_WIDTH: usize = 32;
const MAX_TAGS_WIDTH: usize = 24;
const MAX_NOTE_WIDTH: usize = 60;

/// `s` cut to `max` columns of display width, ending in `…` when cut.
fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Rows as a plain table, columns aligned by display width; the last column is not padded.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for r in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < r.len() {
                let w = widths.get(i).copied().unwrap_or(0);
                line.push_str(&" ".repeat(w.saturating_sub(width(cell)) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The note on one line: its first line, `…` when more follows or it is long.
fn note_line(note: &str) -> String {
    let clean = sanitize_multiline(note.trim());
    let mut lines = clean.lines();
    let first = lines.next().unwrap_or_default();
    if lines.next().is_some() {
        fit(&format!("{first} …"), MAX_NOTE_WIDTH)
    } else {
        fit(first, MAX_NOTE_WIDTH)
    }
}

fn calls_table(entries: &[&Entry], tz: TimeZoneSetting) -> String {
    let header = [
        "MARK", "STARTED", "PROVIDER", "ID", "CALLER", "TAGS", "UPDATED", "BY", "NOTE",
    ];
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let c = e.snapshot.as_ref();
            let name = c.and_then(|c| c.caller_name.as_deref());
            let number = c.and_then(|c| c.caller_number.as_deref());
            let on = crate::privacy::redacting();
            let (n, p) = (crate::privacy::name, crate::privacy::phone);
            let caller = match (name, number) {
                (Some(a), Some(b)) => format!("{} {}", n(a, on), p(b, on)),
                (Some(a), None) => n(a, on).into_owned(),
                (None, Some(b)) => p(b, on).into_owned(),
                (None, None) => "—".into(),
            };
            let note = if on {
                crate::privacy::mask_text(&e.note, &name.into_iter().collect::<Vec<_>>())
            } else {
                e.note.clone()
            };
            vec![
                e.mark.as_str().to_string(),
                format_time(c.and_then(|c| c.started_at), tz),
                e.call.account.kind.as_str().to_string(),
                sanitize(&e.call.id).into_owned(),
                fit(&caller, MAX_CALLER_WIDTH),
                fit(&sanitize(&e.tags.join(" ")), MAX_TAGS_WIDTH),
                format_time(Some(e.updated_at), tz),
                sanitize(&e.updated_by).into_owned(),
                note_line(&note),
            ]
        })
        .collect();
    table(&header, &rows)
}

/// One line of the access log as printed (JSON fields and CSV columns, in this order).
#[derive(Serialize)]
struct AccessOut {
    at: String,
    who: String,
    /// opened, played, saved, exported.
    action: String,
    /// The call's provider kind, account and id (null for an export of many).
    kind: Option<&'static str>,
    account: Option<String>,
    call_id: Option<String>,
    detail: String,
}

const ACCESS_COLUMNS: [&str; 7] = [
    "at", "who", "action", "kind", "account", "call_id", "detail",
];

impl AccessOut {
    fn new(r: &AccessRow) -> AccessOut {
        let call: Option<&CallRef> = r.call.as_ref();
        AccessOut {
            at: rfc3339(r.at),
            who: sanitize(&r.who).into_owned(),
            action: sanitize(&r.action).into_owned(),
            kind: call.map(|c| c.account.kind.as_str()),
            account: call.map(|c| account_text(&c.account)),
            call_id: call.map(|c| sanitize(&c.id).into_owned()),
            detail: sanitize(&r.detail).into_owned(),
        }
    }

    fn record(&self) -> Vec<String> {
        vec![
            self.at.clone(),
            self.who.clone(),
            self.action.clone(),
            self.kind.unwrap_or_default().to_string(),
            self.account.clone().unwrap_or_default(),
            self.call_id.clone().unwrap_or_default(),
            self.detail.clone(),
        ]
    }
}

#[derive(Serialize)]
struct AuditDoc {
    entries: Vec<AccessOut>,
    count: usize,
}

fn audit(
    args: &TriageAuditArgs,
    cfg: &StoreConfig,
    tz: TimeZoneSetting,
) -> anyhow::Result<ExitCode> {
    check_bom(args.bom, args.format)?;
    let t = target(cfg, &args.store);
    let rows = match open(&t, &store::target::who(cfg), false)? {
        Some(mut s) => s.audit()?,
        None => Vec::new(),
    };
    let rows: Vec<(AccessOut, &AccessRow)> = rows.iter().map(|r| (AccessOut::new(r), r)).collect();
    let mut out = Out::new();
    match args.format {
        TriageFormat::Json => out.json(&AuditDoc {
            count: rows.len(),
            entries: rows.into_iter().map(|(o, _)| o).collect(),
        })?,
        TriageFormat::Csv => {
            let records = rows.iter().map(|(o, _)| o.record());
            out.text(&csv_text(&ACCESS_COLUMNS, records, args.bom)?)?;
        }
        TriageFormat::Table => {
            if rows.is_empty() {
                note(format!("the access log in {} is empty", place(&t)));
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|(o, r)| {
                    let call = match (&o.account, &o.call_id) {
                        (Some(a), Some(id)) => format!("{a}#{id}"),
                        _ => "—".into(),
                    };
                    vec![
                        format_time(Some(r.at), tz),
                        o.who.clone(),
                        o.action.clone(),
                        call,
                        o.detail.clone(),
                    ]
                })
                .collect();
            out.text(&table(&["AT", "WHO", "ACTION", "CALL", "DETAIL"], &cells))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(exit::OK))
}

/// `triage mark`: the call is read through its provider (its stable reference and a snapshot
/// for the Follow-ups queue), then the mark, the note and the tags are saved, each in its own
/// transaction with its history.
pub(super) async fn mark(cfg: &Config, args: TriageMarkArgs) -> anyhow::Result<ExitCode> {
    // A tag that cannot be kept is a wrong command line: said before anything is asked or saved.
    for t in args.tags.iter().chain(&args.untags) {
        if store::clean_tag(t).is_none() {
            return Err(Usage(StoreError::BadTag(sanitize(t).into_owned()).to_string()).into());
        }
    }
    let mark = match args.mark {
        MarkArg::Followup => Mark::FollowUp,
        MarkArg::Done => Mark::Done,
        MarkArg::Clear => Mark::None,
    };
    // The store first: one that cannot be written is said before the provider is asked.
    let t = target(&cfg.store, &args.store);
    let who = store::target::who(&cfg.store);
    let mut store = tokio::task::block_in_place(|| open(&t, &who, true))?
        .ok_or_else(|| anyhow::anyhow!("the triage store cannot be opened"))?;
    let p = super::provider(cfg, Some(args.provider.as_str())).await?;
    let (scope, detail) =
        super::show::find_call(p.as_ref(), args.scope.as_deref(), &args.id).await?;
    let mut snapshot = detail.call;
    snapshot.fields = Vec::new();
    if snapshot.scope.is_none() {
        snapshot.scope = scope;
    }
    let call = snapshot.reference();
    // The mark, the note and the tags in one transaction: all of them or none.
    let mut changes = vec![Change::Mark(mark)];
    if let Some(text) = args.note {
        changes.push(Change::Note { text, base: 0 });
    }
    changes.extend(args.tags.into_iter().map(Change::AddTag));
    changes.extend(args.untags.into_iter().map(Change::RemoveTag));
    let entry = tokio::task::block_in_place(|| -> Result<Entry, StoreError> {
        let entry = store.apply_all(&call, Some(&snapshot), changes, true)?;
        // The call was read to mark it: the access log says so.
        store.log_access(Some(&call), "opened", "triage mark")?;
        Ok(entry)
    })?;
    let mut out = Out::new();
    out.line(format!(
        "marked {} {}",
        sanitize(&entry.call.id),
        entry.mark.as_str()
    ))?;
    out.flush()?;
    Ok(ExitCode::from(exit::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_are_not() {
        for cell in ["=1+1", "@SUM(A1)", "+HYPERLINK(\"x\")", "-cmd", "\tx"] {
            assert!(formula_like(cell), "{cell}");
        }
        for cell in [
            "+4930123456",
            "+1 (555) 010-2000",
            "-12.5",
            "Rückruf",
            "",
            "a=b",
        ] {
            assert!(!formula_like(cell), "{cell}");
        }
    }

    #[test]
    fn csv_quotes_and_keeps_line_breaks() {
        let rows = vec![vec!["a, b".to_string(), "say \"hi\"\nnext".to_string()]];
        let text = csv_text(&["x", "y"], rows.into_iter(), true).unwrap();
        assert_eq!(text, "\u{FEFF}x,y\r\n\"a, b\",\"say \"\"hi\"\"\nnext\"\r\n");
    }

    #[test]
    fn tables_align_by_display_width() {
        let t = table(
            &["A", "B"],
            &[
                vec!["日本".into(), "x".into()],
                vec!["a".into(), "y".into()],
            ],
        );
        assert_eq!(t, "A     B\n日本  x\na     y\n");
    }
}
