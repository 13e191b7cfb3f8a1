//! The command line: the TUI by default, and subcommands for scripts (one module per command).
//! What they print goes through [`out`]: a closed pipe ends the program quietly, and every
//! failure is one sentence on standard error with an exit status from [`exit`].

mod check;
mod demo;
mod inbox;
mod list;
mod out;
mod play;
mod recording;
mod show;
mod store_cmd;
mod triage;

pub use out::{Closed, Usage};

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::msg::Msg;
use crate::app::state::{ProviderEntry, State};
use crate::config::Config;
use crate::model::{ProviderId, TimeZoneSetting};
use crate::providers::Provider;
use crate::setup::build_providers;

/// Exit statuses; the README's "Exit status" lists the same.
pub mod exit {
    /// Everything asked for was printed (an empty list too: nothing matched). A closed pipe
    /// (`| head`) also ends with 0, quietly.
    pub const OK: u8 = 0;
    /// Failed: one sentence on standard error says why (a provider's error, the configuration,
    /// no such call, a page past the end of the list, a `providers` check that failed).
    pub const FAILED: u8 = 1;
    /// The command line is wrong (an unknown option, `--limit 0`, …) or the command cannot run
    /// this way (the TUI without a terminal).
    pub const USAGE: u8 = 2;
    /// Partial: what was printed is less than asked for — `list --all` stopped paging early
    /// (the reason is on standard error and in the JSON document's `stopped`).
    pub const PARTIAL: u8 = 3;
}

/// What `main` does with an error `run` returned: the exit status, after one sentence on
/// standard error (none for a closed pipe).
pub fn report(e: &anyhow::Error) -> ExitCode {
    if e.is::<Closed>() {
        return ExitCode::from(exit::OK);
    }
    tracing::error!("{e:#}");
    out::note(format!("{e:#}"));
    if e.is::<Usage>() {
        ExitCode::from(exit::USAGE)
    } else {
        ExitCode::from(exit::FAILED)
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "callbrowser",
    version,
    about = "Browse the call records of AI phone agent and telephony APIs in the terminal"
)]
pub struct Cli {
    /// Config file (default: the platform's config directory). Without one, the demo runs.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Show times in UTC instead of the local time zone.
    #[arg(long, global = true)]
    pub utc: bool,
    /// Privacy mode: names as initials and phone numbers as their last two digits in every view
    /// and in printed output, transcripts hidden (the TUI starts with it on; `P` toggles it).
    #[arg(long, global = true)]
    pub redact: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List calls: every provider and scope merged newest first (All calls), one provider's every scope (--provider), or one scope (--scope).
    List(ListArgs),
    /// Show one call with its transcript and every field.
    Show(ShowArgs),
    /// Save a call's recording to a file with its real extension (`-o -`: to standard output).
    Recording(RecordingArgs),
    /// Play a call's recording, with a progress line and the player keys (Space pauses, , and .
    /// seek 5 s, < and > 30 s, 0–9 jump, - and + change the speed, v and V the volume, c the
    /// channel, [ and ] the turns, s saves, q quits).
    Play(PlayArgs),
    /// Configuration file helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Check each configured provider's credentials and reachability (a cheap request or two
    /// each, all at once, printed in config order as they answer); the exit status is 1 if any
    /// fails.
    Providers(ProvidersArgs),
    /// Run the built-in provider emulators alone and print their addresses and a config file.
    #[cfg(feature = "demo")]
    DemoServer,
    /// The local triage of calls (marks, notes, tags) and its access log.
    Triage {
        #[command(subcommand)]
        command: TriageCommand,
    },
    /// The triage store itself: its schema (`migrate`), where it is and how it is (`status`),
    /// and moving this machine's SQLite triage into the team's PostgreSQL database (`copy`).
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Bring the configured store's schema up to date: the team database (`[store] url`) is
    /// only ever migrated this way; a SQLite file is backed up first. Prints the versions and
    /// each migration run.
    Migrate(StoreMigrateArgs),
    /// Copy this machine's SQLite triage (entries and their history) into a team database.
    /// Run it twice and nothing is copied twice; a call the team database has already is kept
    /// as it is there.
    Copy(StoreCopyArgs),
    /// Which store is configured, its schema, how many calls it holds, the changes waiting for
    /// the team database, and whether it answers (exit status 1 when it does not).
    Status(StoreArgOnly),
}

#[derive(Args, Debug)]
pub struct StoreMigrateArgs {
    /// Say what would be run, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Args, Debug)]
pub struct StoreCopyArgs {
    /// The team database, postgres://user@host/database (the password comes from [store]
    /// password_env or password_command, else from PGPASSWORD; never in the address).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Count what would be copied, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The SQLite store to copy from (default: [store] path, else the platform's).
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Args, Debug)]
pub struct StoreArgOnly {
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Subcommand, Debug)]
pub enum TriageCommand {
    /// Every triaged call, oldest first, with its mark, note, tags and the call as last seen
    /// (`--format table` by default).
    List(TriageListArgs),
    /// The same as `list`, as CSV by default, for spreadsheets; recorded in the access log.
    Export(TriageListArgs),
    /// Mark a call (followup, done or clear), with a note and tags: the call is read from its
    /// provider first, so the triage keeps a snapshot of it.
    Mark(TriageMarkArgs),
    /// The access log: which calls were opened, played or exported, by whom and when.
    Audit(TriageAuditArgs),
}

/// Where the triage is kept.
#[derive(Args, Debug)]
pub struct StoreArg {
    /// The triage store (default: triage.sqlite in the platform's data folder).
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum TriageFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct TriageListArgs {
    /// A filter line, as in the Follow-ups view: `triage:followup tag:billing note:rückruf`,
    /// plus free text found in the caller, number, summary or note.
    #[arg(long, short, default_value = "")]
    pub filter: String,
    /// table, json or csv (default: table for list, csv for export).
    #[arg(long, value_enum)]
    pub format: Option<TriageFormat>,
    /// Start the CSV with a UTF-8 byte order mark, so Excel reads it as UTF-8.
    #[arg(long)]
    pub bom: bool,
    #[command(flatten)]
    pub store: StoreArg,
}

/// A triage mark as typed on the command line.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MarkArg {
    #[value(alias = "follow-up")]
    Followup,
    Done,
    #[value(alias = "none")]
    Clear,
}

#[derive(Args, Debug)]
pub struct TriageMarkArgs {
    /// The call's id.
    pub id: String,
    /// followup, done or clear.
    #[arg(value_enum)]
    pub mark: MarkArg,
    /// The configured provider's name.
    #[arg(long)]
    pub provider: String,
    /// The call's parent (a TalkPilot agent id); searched when not given.
    #[arg(long)]
    pub scope: Option<String>,
    /// The note to keep with the call (replaces its note; `--note ""` empties it).
    #[arg(long)]
    pub note: Option<String>,
    /// A tag to add (one word of letters, digits, - or _); repeat for more.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// A tag to remove; repeat for more.
    #[arg(long = "untag", value_name = "TAG")]
    pub untags: Vec<String>,
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Args, Debug)]
pub struct TriageAuditArgs {
    #[arg(long, value_enum, default_value_t = TriageFormat::Table)]
    pub format: TriageFormat,
    /// Start the CSV with a UTF-8 byte order mark, so Excel reads it as UTF-8.
    #[arg(long)]
    pub bom: bool,
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Args, Debug)]
pub struct ProvidersArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Write a commented template to the config path.
    Init,
    /// Print where the config file is read from.
    Path,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// `list`'s formats: a table, JSON, or CSV (RFC 4180, UTF-8) with the JSON calls' fields.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// The configured provider's name (default: every provider, merged; with --scope, the first).
    #[arg(long)]
    pub provider: Option<String>,
    /// The parent to list under (a TalkPilot agent id, …).
    #[arg(long)]
    pub scope: Option<String>,
    /// A filter line, as in the TUI: `done:false since:7d rechnung`.
    #[arg(long, short, default_value = "")]
    pub filter: String,
    /// The first page to fetch (1-based).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Calls per page, 1 or more (more than the API allows is lowered, with a note).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Fetch every page from --page on (at most `max_list_calls` of [ui] calls; a server that
    /// repeats a page or sends empty pages while claiming more is stopped, with a note).
    #[arg(long)]
    pub all: bool,
    /// Sort by a column: time, duration, caller, status, provider — `duration`, `caller:desc`,
    /// `-duration`. Another column than time sorts every call of the list.
    #[arg(long)]
    pub sort: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The call's id.
    pub id: String,
    #[arg(long)]
    pub provider: Option<String>,
    /// The call's parent (a TalkPilot agent id); searched when not given.
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct RecordingArgs {
    /// The call's id.
    pub id: String,
    #[arg(long)]
    pub provider: Option<String>,
    /// The call's parent (a TalkPilot agent id); searched when not given.
    #[arg(long)]
    pub scope: Option<String>,
    /// The file to write (default: PROVIDER-ID.EXT here); `-` writes to standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PlayArgs {
    /// The call's id.
    pub id: String,
    #[arg(long)]
    pub provider: Option<String>,
    /// The call's parent (a TalkPilot agent id); searched when not given.
    #[arg(long)]
    pub scope: Option<String>,
    /// Do not open the audio device: play silently (the timeline, turns and saving still work).
    #[arg(long)]
    pub no_audio: bool,
}

/// A private folder for the demo's triage store.
fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("callbrowser-demo-{}", std::process::id()));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&dir)?;
    Ok(dir)
}

/// Where logs go; shown by `--help` and `--version`.
pub fn log_path() -> PathBuf {
    crate::config::dirs().state_dir.join("callbrowser.log")
}

/// The configuration to use: `--config`, else the platform file, else `None` (the demo).
fn load_config(cli: &Cli) -> anyhow::Result<Option<Config>> {
    if let Some(p) = &cli.config {
        return Ok(Some(Config::load(p)?));
    }
    let default = crate::config::dirs().config_file;
    if default.exists() {
        return Ok(Some(Config::load(&default)?));
    }
    Ok(None)
}

fn tz(cli: &Cli, cfg: &Config) -> TimeZoneSetting {
    if cli.utc {
        TimeZoneSetting::Utc
    } else {
        cfg.ui.time_zone
    }
}

/// The zone triage tables show times in: `--utc`, else the config's (a config that cannot be
/// read is no reason to refuse the triage: local time then).
fn triage_tz(cli: &Cli) -> TimeZoneSetting {
    if cli.utc {
        return TimeZoneSetting::Utc;
    }
    match load_config(cli) {
        Ok(Some(cfg)) => cfg.ui.time_zone,
        _ => TimeZoneSetting::Local,
    }
}

/// The TUI reads keys from stdin and draws on stdout: both must be a terminal.
fn require_terminal() -> Result<(), Usage> {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(Usage(
        "the call browser needs a terminal (standard input and output are not one); without \
         one, use the command line: callbrowser list, show, providers, config init|path or \
         demo-server (callbrowser --help says more)"
            .into(),
    ))
}

/// The configuration to run with and the demo standing in for it (kept alive while it runs).
async fn config_or_demo(cli: &Cli) -> anyhow::Result<(Config, Option<demo::Running>)> {
    if let Some(cfg) = load_config(cli)? {
        return Ok((cfg, None));
    }
    let running = demo::start().await?;
    Ok((running.config(), Some(running)))
}

pub async fn run(cli: Cli, started: Instant) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Some(Command::Config { command }) => {
            let path = cli
                .config
                .clone()
                .unwrap_or_else(|| crate::config::dirs().config_file);
            let mut out = out::Out::new();
            match command {
                ConfigCommand::Init => {
                    crate::config::write_template(&path)?;
                    out.line(format!(
                        "wrote {} (edit it, then run callbrowser)",
                        path.display()
                    ))?;
                }
                ConfigCommand::Path => out.line(path.display())?,
            }
            out.flush()?;
            return Ok(ExitCode::from(exit::OK));
        }
        #[cfg(feature = "demo")]
        Some(Command::DemoServer) => return demo::serve().await,
        // The store alone: no provider is asked, no demo started.
        Some(Command::Triage { command }) if !matches!(command, TriageCommand::Mark(_)) => {
            let cfg = load_config(&cli).ok().flatten();
            crate::privacy::set_redacting(cli.redact || cfg.as_ref().is_some_and(|c| c.ui.privacy));
            let store = cfg.map(|c| c.store).unwrap_or_default();
            let tz = triage_tz(&cli);
            return tokio::task::block_in_place(|| triage::local(command, &store, tz));
        }
        Some(Command::Store { .. }) => return store_cmd::run(&cli).await,
        None => require_terminal()?,
        _ => {}
    }
    let (cfg, demo) = config_or_demo(&cli).await?;
    let tz = tz(&cli, &cfg);
    let redact = cli.redact || cfg.ui.privacy;
    crate::privacy::set_redacting(redact);
    let demo_note = |what: &str| {
        if demo.is_some() {
            out::note(format!("no config file; {what}"));
        }
    };
    match cli.command {
        None => {
            let path = match (&demo, &cli.config) {
                (Some(_), _) => None,
                (None, Some(p)) => Some(p.clone()),
                (None, None) => Some(crate::config::dirs().config_file),
            };
            let screen = Screen {
                demo: demo.is_some(),
                config_path: path.map(|p| p.display().to_string()),
                tz,
                redact,
            };
            tui(&cfg, screen, started).await?;
            Ok(ExitCode::from(exit::OK))
        }
        Some(Command::List(args)) => {
            demo_note("showing demo data from the built-in emulators");
            list::list(&cfg, args, tz).await
        }
        Some(Command::Show(args)) => {
            demo_note("showing demo data from the built-in emulators");
            show::show(&cfg, args, tz).await
        }
        Some(Command::Recording(args)) => {
            demo_note("saving a recording from the built-in emulators");
            recording::recording(&cfg, args).await
        }
        Some(Command::Play(args)) => {
            demo_note("playing a recording from the built-in emulators");
            // ALSA and JACK write to fd 2 when the device opens: to the log, not over the
            // progress line, which goes to the terminal's own descriptor.
            let stderr = crate::logging::StderrToLog::redirect(&log_path());
            let term: Box<dyn std::io::Write + Send> = match stderr.original() {
                Some(f) => Box::new(f),
                None => Box::new(std::io::stderr()),
            };
            let r = play::play(&cfg, args, term).await;
            drop(stderr);
            r
        }
        Some(Command::Providers(args)) => {
            demo_note("checking the built-in emulators");
            check::providers(&cfg, args).await
        }
        Some(Command::Triage {
            command: TriageCommand::Mark(args),
        }) => {
            demo_note("marking a call of the built-in emulators");
            triage::mark(&cfg, args).await
        }
        Some(Command::Triage { .. }) => Ok(ExitCode::from(exit::OK)),
        Some(Command::Store { .. }) => Ok(ExitCode::from(exit::OK)),
        Some(Command::Config { .. }) => Ok(ExitCode::from(exit::OK)),
        #[cfg(feature = "demo")]
        Some(Command::DemoServer) => Ok(ExitCode::from(exit::OK)),
    }
}

/// What the TUI says about where its data comes from.
struct Screen {
    demo: bool,
    /// The config file read (`None` for the demo).
    config_path: Option<String>,
    tz: TimeZoneSetting,
    /// Privacy mode from the start (`--redact`, `[ui] privacy`).
    redact: bool,
}

async fn tui(cfg: &Config, screen: Screen, started: Instant) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Msg>();
    let notifier_for = |provider: ProviderId| -> crate::http::Notifier {
        let tx = tx.clone();
        Arc::new(move |notice| {
            let _ = tx.send(Msg::Http { provider, notice });
        })
    };
    let built = build_providers(cfg, Some(&notifier_for)).await;
    let mut entries = Vec::new();
    let mut adapters = Vec::new();
    for b in built {
        entries.push(ProviderEntry::new(
            b.info,
            b.provider.as_ref().map(|_| ()).map_err(String::clone),
        ));
        adapters.push(b.provider.ok());
    }
    let mut state = State::new(entries, screen.demo, screen.tz);
    state.page_size = cfg.http.page_size;
    state.max_list_calls = cfg.ui.max_list_calls;
    state.privacy = crate::app::state::PrivacyState::new(screen.redact, cfg.ui.privacy_idle_secs);
    state.config_path = screen.config_path;
    state.save_dir = crate::audio::save_dir();
    // The demo's triage goes to a store of its own that lasts as long as the demo (its
    // emulators' accounts change from run to run); a real configuration's to the data folder.
    let demo_store = if screen.demo {
        tempfile_dir().ok()
    } else {
        None
    };
    // The demo's store is a file of its own, never the team database.
    let target = match &demo_store {
        Some(d) => crate::store::StoreTarget::sqlite(d.join("triage.sqlite")),
        None => crate::store::StoreTarget::from_config(&cfg.store, None),
    };
    state.triage.path = Some(target.path);
    state.triage.team = target.team;
    state.triage.claim_minutes = Some(target.claim_minutes);
    state.triage.who = crate::store::target::who(&cfg.store);
    let trace = std::env::var_os("CALLBROWSER_TRACE").map(PathBuf::from);
    let stderr = crate::logging::StderrToLog::redirect(&log_path());
    let result = crate::tui::run(&mut state, adapters, tx, &mut rx, started, trace).await;
    drop(stderr);
    if let Some(d) = demo_store {
        let _ = std::fs::remove_dir_all(d);
    }
    result
}

/// The provider named `name` (default: the first), built alone: no other provider's key is
/// read, so another's slow `api_key_command` costs nothing here.
async fn provider(cfg: &Config, name: Option<&str>) -> anyhow::Result<Arc<dyn Provider>> {
    let index = crate::setup::find(cfg, name).map_err(anyhow::Error::msg)?;
    match crate::setup::build(cfg, index, None).await {
        Some(b) => b.provider.map_err(anyhow::Error::msg),
        None => anyhow::bail!("no provider {index}"),
    }
}
