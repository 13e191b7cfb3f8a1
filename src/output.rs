//! What the command line prints: the stable JSON document and plain tables. Every vendor string
//! is sanitized here, as on screen, and masked here under `--redact` ([`crate::privacy`]).

use serde::Serialize;

use crate::display::{fit, format_duration, format_time, sanitize, sanitize_multiline};
use crate::model::TimeZoneSetting;
use crate::model::{Call, CallDetail, Page, PagingStop, RecordingRef, Transcript};
use crate::privacy::{mask_field, mask_name, mask_phone, mask_text, redacting};

fn s(v: &Option<String>) -> Option<String> {
    v.as_deref().map(|x| sanitize(x).into_owned())
}

/// A call in JSON output. Field names are part of the documented, stable document.
#[derive(Serialize)]
pub struct CallOut {
    pub provider: String,
    pub scope: Option<String>,
    pub id: String,
    pub started_at: Option<String>,
    pub duration_secs: Option<f64>,
    pub direction: Option<&'static str>,
    pub status: Option<String>,
    pub caller_name: Option<String>,
    pub caller_number: Option<String>,
    pub summary: Option<String>,
    pub has_recording: Option<bool>,
    pub has_transcript: Option<bool>,
    pub purged: bool,
    pub deleted: bool,
}

impl CallOut {
    /// Call `c` as listed by the configured provider named `provider` (masked under
    /// `--redact`).
    pub fn new(provider: &str, c: &Call) -> Self {
        CallOut::masked(provider, c, redacting())
    }

    /// Call `c`, its names, numbers and summary masked when `masked`.
    pub fn masked(provider: &str, c: &Call, masked: bool) -> Self {
        let out = CallOut {
            provider: sanitize(provider).into_owned(),
            scope: s(&c.scope),
            id: sanitize(&c.id).into_owned(),
            started_at: c
                .started_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            duration_secs: c.duration_secs,
            direction: c.direction.map(|d| d.as_str()),
            status: s(&c.status),
            caller_name: s(&c.caller_name),
            caller_number: s(&c.caller_number),
            summary: c
                .summary
                .as_deref()
                .map(|x| sanitize_multiline(x).into_owned()),
            has_recording: c.has_recording,
            has_transcript: c.has_transcript,
            purged: c.purged,
            deleted: c.deleted,
        };
        if !masked {
            return out;
        }
        CallOut {
            caller_name: c.caller_name.as_deref().map(mask_name),
            caller_number: c.caller_number.as_deref().map(mask_phone),
            // Free text names whoever the call was about: left out.
            summary: None,
            ..out
        }
    }
}

#[derive(Serialize)]
pub struct ListOut {
    pub provider: String,
    pub scope: Option<String>,
    /// The first and last page fetched (1-based).
    pub first_page: u32,
    pub last_page: u32,
    pub page_size: u32,
    pub total_items: Option<u64>,
    pub total_pages: Option<u32>,
    pub has_more: bool,
    /// Records the provider sent that could not be read.
    pub unreadable: usize,
    /// Why `--all` stopped paging although the server claimed more (`null`: it did not).
    pub stopped: Option<StoppedOut>,
    pub calls: Vec<CallOut>,
}

/// Why paging stopped early, in the JSON document.
#[derive(Serialize)]
pub struct StoppedOut {
    /// `repeated_page`, `empty_page` or `max_list_calls`.
    pub reason: &'static str,
    /// The page that was repeated or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The most calls one list holds (`[ui] max_list_calls`), when that was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_list_calls: Option<usize>,
    /// The sentence printed on standard error.
    pub message: String,
}

impl StoppedOut {
    pub fn new(stop: &PagingStop) -> StoppedOut {
        let (reason, page, max_list_calls) = match stop {
            PagingStop::Repeated { page } => ("repeated_page", Some(*page), None),
            PagingStop::EmptyButMore { page } => ("empty_page", Some(*page), None),
            PagingStop::Full { max } => ("max_list_calls", None, Some(*max)),
        };
        StoppedOut {
            reason,
            page,
            max_list_calls,
            message: stop.to_string(),
        }
    }
}

impl ListOut {
    pub fn new(provider: &str, scope: Option<&str>, pages: &[Page<Call>]) -> ListOut {
        let last = pages.last();
        ListOut {
            provider: sanitize(provider).into_owned(),
            scope: scope.map(|s| sanitize(s).into_owned()),
            first_page: pages.first().map_or(1, |p| p.page),
            last_page: last.map_or(1, |p| p.page),
            page_size: last.map_or(0, |p| p.page_size),
            total_items: last.and_then(|p| p.total_items),
            total_pages: last.and_then(|p| p.total_pages),
            has_more: last.is_some_and(|p| p.has_more),
            unreadable: pages.iter().map(|p| p.unreadable).sum(),
            stopped: None,
            calls: pages
                .iter()
                .flat_map(|p| p.items.iter())
                .map(|c| CallOut::new(provider, c))
                .collect(),
        }
    }

    /// The document of a list whose paging stopped early for `stopped`.
    pub fn stopped(self, stopped: Option<StoppedOut>) -> ListOut {
        ListOut { stopped, ..self }
    }
}

#[derive(Serialize)]
pub struct TurnOut {
    pub speaker: String,
    pub text: String,
}

#[derive(Serialize)]
pub struct ShowOut {
    #[serde(flatten)]
    pub call: CallOut,
    pub score: Option<String>,
    pub outcome: Option<String>,
    pub sentiment: Option<String>,
    pub intent: Option<String>,
    pub handled_by: Option<String>,
    /// Summaries in further languages: `{"fr": "…"}`.
    pub other_summaries: serde_json::Map<String, serde_json::Value>,
    /// `turns`, `unparsed`, `purged`, `missing` or `not_offered`; `hidden` under `--redact`.
    pub transcript_state: &'static str,
    pub transcript: Vec<TurnOut>,
    /// The transcript as sent when it could not be parsed.
    pub transcript_raw: Option<String>,
    /// `available`, `purged`, `missing` or `not_offered` (a signed URL is never printed).
    pub recording: &'static str,
    pub warnings: Vec<String>,
    /// Every other vendor field.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl ShowOut {
    /// Call detail `d` as read from the configured provider named `provider` (masked, without
    /// its transcript, under `--redact`).
    pub fn new(provider: &str, d: &CallDetail) -> Self {
        ShowOut::masked(provider, d, redacting())
    }

    /// Call detail `d`; its names, numbers and free text masked and its transcript left out
    /// when `masked`.
    pub fn masked(provider: &str, d: &CallDetail, masked: bool) -> Self {
        let names: Vec<&str> = d
            .call
            .caller_name
            .iter()
            .chain(&d.handled_by)
            .map(String::as_str)
            .collect();
        let text = |v: &Option<String>| {
            if masked {
                v.as_deref().map(|x| mask_text(x, &names))
            } else {
                s(v)
            }
        };
        let (transcript_state, transcript, transcript_raw) = match &d.transcript {
            // Only a transcript there is is hidden (a missing one says so).
            Transcript::Turns(_) | Transcript::Unparsed { .. } if masked => {
                ("hidden", Vec::new(), None)
            }
            Transcript::Turns(t) => (
                "turns",
                t.iter()
                    .map(|t| TurnOut {
                        speaker: sanitize(t.speaker.as_str()).into_owned(),
                        text: sanitize_multiline(&t.text).into_owned(),
                    })
                    .collect(),
                None,
            ),
            Transcript::Unparsed { raw, .. } => (
                "unparsed",
                Vec::new(),
                Some(sanitize_multiline(raw).into_owned()),
            ),
            Transcript::Purged => ("purged", Vec::new(), None),
            Transcript::Missing => ("missing", Vec::new(), None),
            Transcript::NotOffered => ("not_offered", Vec::new(), None),
        };
        let recording = match d.recording {
            RecordingRef::SignedUrl { .. } | RecordingRef::Endpoint { .. } => "available",
            RecordingRef::Purged => "purged",
            RecordingRef::Missing => "missing",
            RecordingRef::NotOffered => "not_offered",
        };
        let map = |pairs: &[(String, String)], field: bool| {
            pairs
                .iter()
                .map(|(k, v)| {
                    let v = match (masked, field) {
                        (false, _) => sanitize(v).into_owned(),
                        (true, true) => mask_field(k, v, &names),
                        (true, false) => mask_text(v, &names),
                    };
                    (sanitize(k).into_owned(), serde_json::Value::String(v))
                })
                .collect()
        };
        ShowOut {
            call: CallOut::masked(provider, &d.call, masked),
            score: s(&d.score),
            outcome: text(&d.outcome),
            sentiment: text(&d.sentiment),
            intent: text(&d.intent),
            handled_by: if masked {
                d.handled_by.as_deref().map(mask_name)
            } else {
                s(&d.handled_by)
            },
            // Hidden with the summary: free text names whoever the call was about.
            other_summaries: if masked {
                serde_json::Map::new()
            } else {
                map(&d.other_summaries, false)
            },
            transcript_state,
            transcript,
            transcript_raw,
            recording,
            warnings: d
                .warnings
                .iter()
                .map(|w| text(&Some(w.clone())).unwrap_or_default())
                .collect(),
            fields: map(&d.call.fields, true),
        }
    }
}

/// The widest a caller or a status may be in a table (longer ones end in `…`).
const MAX_CALLER_WIDTH: usize = 32;
const MAX_STATUS_WIDTH: usize = 20;

/// `s` padded with spaces to `width` columns of display width (left-aligned, or right).
fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(crate::display::width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The cells of one row: time, id, caller, duration, status, summary (all sanitized).
fn row(c: &Call, tz: TimeZoneSetting, masked: bool) -> [String; 6] {
    let o = CallOut::masked("", c, masked);
    let caller = match (&o.caller_name, &o.caller_number) {
        (Some(n), Some(p)) => format!("{n} {p}"),
        (Some(n), None) => n.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => "—".into(),
    };
    let mut status = c
        .status
        .as_deref()
        .map(|x| sanitize(x).into_owned())
        .unwrap_or_default();
    if c.purged {
        status.push_str(" purged");
    }
    if c.deleted {
        status.push_str(" deleted");
    }
    [
        format_time(c.started_at, tz),
        sanitize(&c.id).into_owned(),
        fit(&caller, MAX_CALLER_WIDTH),
        format_duration(c.duration_secs),
        fit(status.trim(), MAX_STATUS_WIDTH),
        o.summary
            .as_deref()
            .map(|x| sanitize(x).into_owned())
            .unwrap_or_default(),
    ]
}

/// A plain table of calls, one per line, its columns aligned by display width (wide and
/// combining characters count as they show); ids are never cut, long callers and statuses are.
pub fn calls_table(calls: &[&Call], tz: TimeZoneSetting) -> String {
    let header = ["TIME", "ID", "CALLER", "DUR", "STATUS", "SUMMARY"].map(String::from);
    let masked = redacting();
    let rows: Vec<[String; 6]> = calls.iter().map(|c| row(c, tz, masked)).collect();
    let mut widths = header.each_ref().map(|h| crate::display::width(h));
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(crate::display::width(cell));
        }
    }
    let mut out = String::new();
    for r in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i == 5 {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, widths[i], i == 3));
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The merged list's table: [`calls_table`] with the provider of each call first.
pub fn merged_table(calls: &[(&str, &Call)], tz: TimeZoneSetting) -> String {
    let refs: Vec<&Call> = calls.iter().map(|(_, c)| *c).collect();
    let table = calls_table(&refs, tz);
    let names: Vec<String> = std::iter::once("PROVIDER".to_string())
        .chain(calls.iter().map(|(p, _)| sanitize(p).into_owned()))
        .collect();
    let width = names
        .iter()
        .map(|n| crate::display::width(n))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (name, line) in names.iter().zip(table.lines()) {
        out.push_str(&pad(name, width, false));
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Calls as CSV (RFC 4180: a header row, quoting where needed, CRLF line ends, UTF-8): the
/// fields of the JSON output's calls, one row each.
pub fn calls_csv(calls: &[CallOut]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for c in calls {
        w.serialize(c)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// One call as readable text.
pub fn detail_text(d: &CallDetail, tz: TimeZoneSetting) -> String {
    let o = ShowOut::new("", d);
    let mut out = String::new();
    let line = |out: &mut String, k: &str, v: Option<&str>| {
        if let Some(v) = v {
            out.push_str(&format!("{k:<12} {v}\n"));
        }
    };
    line(&mut out, "id", Some(&o.call.id));
    line(&mut out, "caller", o.call.caller_name.as_deref());
    line(&mut out, "number", o.call.caller_number.as_deref());
    line(
        &mut out,
        "started",
        Some(&format_time(d.call.started_at, tz)),
    );
    line(
        &mut out,
        "duration",
        Some(&format_duration(d.call.duration_secs)),
    );
    line(&mut out, "direction", o.call.direction);
    line(&mut out, "status", o.call.status.as_deref());
    line(&mut out, "score", o.score.as_deref());
    line(&mut out, "outcome", o.outcome.as_deref());
    line(&mut out, "sentiment", o.sentiment.as_deref());
    line(&mut out, "intent", o.intent.as_deref());
    line(&mut out, "handled by", o.handled_by.as_deref());
    line(&mut out, "recording", Some(o.recording));
    if o.call.purged {
        out.push_str("PURGED: transcript, recording and number removed by the provider\n");
    }
    if o.call.deleted {
        out.push_str("DELETED at the provider\n");
    }
    for w in &o.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    if let Some(s) = &o.call.summary {
        out.push_str(&format!("\nSummary\n{s}\n"));
    }
    for (lang, s) in &o.other_summaries {
        out.push_str(&format!(
            "\nSummary [{lang}]\n{}\n",
            s.as_str().unwrap_or_default()
        ));
    }
    out.push_str(&format!(
        "\nTranscript ({})\n",
        o.transcript_state.replace('_', " ")
    ));
    if o.transcript_state == "hidden" {
        out.push_str("transcript hidden (--redact)\n");
    }
    for t in &o.transcript {
        out.push_str(&format!("{}: {}\n", t.speaker, t.text));
    }
    if let Some(raw) = &o.transcript_raw {
        out.push_str(raw);
        out.push('\n');
    }
    if !o.fields.is_empty() {
        out.push_str("\nFields\n");
        for (k, v) in &o.fields {
            // Masked already under --redact: a timestamp is left whole, and read here.
            let v = crate::display::field_value(v.as_str().unwrap_or_default(), tz);
            out.push_str(&format!("{k}: {v}\n"));
        }
    }
    out
}
