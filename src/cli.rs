//! The command line: the TUI by default, and subcommands for scripts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::msg::Msg;
use crate::app::state::{ProviderEntry, State};
use crate::config::Config;
use crate::model::{Filter, PageRequest, ProviderId, TimeZoneSetting};
use crate::output::{ListOut, ShowOut, calls_table, detail_text};
use crate::providers::Provider;
use crate::setup::{Built, build_providers};

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
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List calls of one provider (and one agent, patient, … where the provider has them).
    List(ListArgs),
    /// Show one call with its transcript and every field.
    Show(ShowArgs),
    /// Configuration file helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Check each configured provider's credentials and reachability (one cheap request each);
    /// the exit status is 1 if any fails.
    Providers(ProvidersArgs),
    /// Run the built-in provider emulators alone and print their addresses and a config file.
    #[cfg(feature = "demo")]
    DemoServer,
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

#[derive(Args, Debug)]
pub struct ListArgs {
    /// The configured provider's name (default: the first one).
    #[arg(long)]
    pub provider: Option<String>,
    /// The parent to list under (a TalkPilot agent id, …).
    #[arg(long)]
    pub scope: Option<String>,
    /// A filter line, as in the TUI: `done:false since:7d rechnung`.
    #[arg(long, short, default_value = "")]
    pub filter: String,
    /// The first page to fetch (1-based).
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    /// Calls per page (capped at what the API allows).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Fetch every page from --page on.
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
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

pub async fn run(cli: Cli, started: Instant) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Some(Command::Config { command }) => {
            let path = cli
                .config
                .clone()
                .unwrap_or_else(|| crate::config::dirs().config_file);
            match command {
                ConfigCommand::Init => {
                    crate::config::write_template(&path)?;
                    println!("wrote {} (edit it, then run callbrowser)", path.display());
                }
                ConfigCommand::Path => println!("{}", path.display()),
            }
            return Ok(ExitCode::SUCCESS);
        }
        #[cfg(feature = "demo")]
        Some(Command::DemoServer) => return demo_server().await,
        _ => {}
    }
    let loaded = load_config(&cli)?;
    let demo = match loaded {
        Some(_) => None,
        None => Some(start_demo().await?),
    };
    let cfg = match (&loaded, &demo) {
        (Some(c), _) => c.clone(),
        (None, Some(d)) => d.config(),
        (None, None) => unreachable!("demo started when no config"),
    };
    let tz = tz(&cli, &cfg);
    match cli.command {
        None => {
            tui(&cfg, demo.is_some(), tz, started).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List(args)) => {
            if demo.is_some() {
                eprintln!(
                    "callbrowser: no config file; showing demo data from the built-in emulators"
                );
            }
            list(&cfg, args, tz).await
        }
        Some(Command::Show(args)) => {
            if demo.is_some() {
                eprintln!(
                    "callbrowser: no config file; showing demo data from the built-in emulators"
                );
            }
            show(&cfg, args, tz).await
        }
        Some(Command::Providers(args)) => {
            if demo.is_some() {
                eprintln!("callbrowser: no config file; checking the built-in emulators");
            }
            providers(&cfg, args).await
        }
        Some(Command::Config { .. }) => Ok(ExitCode::SUCCESS),
        #[cfg(feature = "demo")]
        Some(Command::DemoServer) => Ok(ExitCode::SUCCESS),
    }
}

async fn tui(
    cfg: &Config,
    demo: bool,
    tz: TimeZoneSetting,
    started: Instant,
) -> anyhow::Result<()> {
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
    let mut state = State::new(entries, demo, tz);
    state.page_size = cfg.http.page_size;
    let trace = std::env::var_os("CALLBROWSER_TRACE").map(PathBuf::from);
    let stderr = crate::logging::StderrToLog::redirect(&log_path());
    let result = crate::tui::run(&mut state, adapters, tx, &mut rx, started, trace).await;
    drop(stderr);
    result
}

/// Picks the provider named `name`, or the first configured one.
fn pick(built: Vec<Built>, name: Option<&str>) -> anyhow::Result<Arc<dyn Provider>> {
    let names: Vec<String> = built.iter().map(|b| b.name().to_string()).collect();
    let chosen = match name {
        Some(n) => built.into_iter().find(|b| b.name() == n),
        None => built.into_iter().next(),
    };
    match chosen {
        Some(b) => b.provider.map_err(|e| anyhow::anyhow!(e)),
        None if names.is_empty() => anyhow::bail!("no providers are configured"),
        None => anyhow::bail!(
            "no provider named '{}'; configured: {}",
            name.unwrap_or_default(),
            names.join(", ")
        ),
    }
}

/// The scope to use: the one given, the pinned one, or an error listing the choices.
async fn scope_for(p: &dyn Provider, given: Option<String>) -> anyhow::Result<Option<String>> {
    if given.is_some() {
        return Ok(given);
    }
    if let Some(s) = p.pinned_scope() {
        return Ok(Some(s.id.clone()));
    }
    let Some(noun) = p.capabilities().scope_noun else {
        return Ok(None);
    };
    let scopes = p
        .list_scopes(None, PageRequest { page: 1, size: 100 })
        .await?;
    let mut msg = format!(
        "{} lists calls per {noun}: pass --scope with one of:",
        p.label()
    );
    for s in &scopes.items {
        msg.push_str(&format!(
            "\n  {}  {}",
            crate::display::sanitize(&s.id),
            crate::display::sanitize(&s.name)
        ));
    }
    anyhow::bail!(msg)
}

async fn list(cfg: &Config, args: ListArgs, tz: TimeZoneSetting) -> anyhow::Result<ExitCode> {
    let p = pick(build_providers(cfg, None).await, args.provider.as_deref())?;
    let scope = scope_for(p.as_ref(), args.scope).await?;
    let filter = Filter::parse_at(&args.filter, p.capabilities(), chrono::Utc::now(), tz)?;
    let local = filter.local_keys(p.capabilities());
    if !local.is_empty() {
        eprintln!(
            "callbrowser: {} cannot filter on {}; applied to the fetched calls",
            p.label(),
            local.join(", ")
        );
    }
    let size = args
        .limit
        .unwrap_or(cfg.http.page_size)
        .clamp(1, p.capabilities().max_page_size);
    let mut pages = Vec::new();
    let mut page = args.page.max(1);
    loop {
        let mut got = p
            .list_calls(scope.as_deref(), &filter, PageRequest { page, size })
            .await?;
        got.items
            .retain(|c| filter.matches_local(c, p.capabilities()));
        let more = got.has_more;
        pages.push(got);
        if !args.all || !more {
            break;
        }
        page += 1;
    }
    let unreadable: usize = pages.iter().map(|p| p.unreadable).sum();
    if unreadable > 0 {
        eprintln!(
            "callbrowser: {unreadable} record(s) from {} could not be read",
            p.label()
        );
    }
    match args.format {
        Format::Json => {
            let out = ListOut::new(p.name(), scope.as_deref(), &pages);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let calls: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
            print!("{}", calls_table(&calls, tz));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(cfg: &Config, args: ShowArgs, tz: TimeZoneSetting) -> anyhow::Result<ExitCode> {
    let p = pick(build_providers(cfg, None).await, args.provider.as_deref())?;
    let scopes: Vec<Option<String>> =
        match (&args.scope, p.pinned_scope(), p.capabilities().scope_noun) {
            (Some(s), _, _) => vec![Some(s.clone())],
            (None, Some(s), _) => vec![Some(s.id.clone())],
            (None, None, None) => vec![None],
            // No scope given: look for the call under each one.
            (None, None, Some(_)) => p
                .list_scopes(None, PageRequest { page: 1, size: 100 })
                .await?
                .items
                .into_iter()
                .map(|s| Some(s.id))
                .collect(),
        };
    let mut last_err = None;
    for scope in scopes {
        match p.get_call(scope.as_deref(), &args.id).await {
            Ok(d) => {
                match args.format {
                    Format::Json => {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&ShowOut::new(p.name(), &d))?
                        )
                    }
                    Format::Table => print!("{}", detail_text(&d, tz)),
                }
                return Ok(ExitCode::SUCCESS);
            }
            Err(e @ crate::providers::ProviderError::NotFound { .. }) => last_err = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    match last_err {
        Some(e) => Err(e.into()),
        None => anyhow::bail!(
            "{}: no call {}",
            p.label(),
            crate::display::sanitize(&args.id)
        ),
    }
}

/// One line per provider, like `gh auth status`: who it is, where, and whether it answers.
#[derive(serde::Serialize)]
struct ProviderCheck {
    name: String,
    kind: &'static str,
    label: String,
    host: String,
    ok: bool,
    /// What was checked ("3 agents visible"), or why it failed and what to do.
    message: String,
}

async fn providers(cfg: &Config, args: ProvidersArgs) -> anyhow::Result<ExitCode> {
    if cfg.providers.is_empty() {
        anyhow::bail!(
            "no providers are configured: add a [[providers]] block (callbrowser config init writes a template)"
        );
    }
    let built = build_providers(cfg, None).await;
    // Every check runs at once; the HTTP layer bounds each, this bounds the whole.
    let checks = built
        .into_iter()
        .zip(&cfg.providers)
        .map(|(b, pc)| async move {
            let host = url::Url::parse(&pc.base_url())
                .ok()
                .and_then(|u| {
                    u.host_str()
                        .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
                })
                .unwrap_or_default();
            let (ok, message) = match b.provider {
                Err(e) => (false, e),
                Ok(p) => match tokio::time::timeout(std::time::Duration::from_secs(60), p.check())
                    .await
                {
                    Ok(Ok(line)) => (true, line),
                    Ok(Err(e)) => (false, e.to_string()),
                    Err(_) => (false, format!("{}: no answer within 60 s", b.info.label)),
                },
            };
            ProviderCheck {
                name: b.info.name,
                kind: pc.kind.kind().label(),
                label: b.info.label,
                host,
                ok,
                message: crate::display::sanitize(&message).into_owned(),
            }
        });
    let results = futures_util::future::join_all(checks).await;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        Format::Table => {
            for r in &results {
                let mark = if r.ok { "✓" } else { "✗" };
                println!("{mark} {} ({}) · {}", r.name, r.kind, r.host);
                println!("    {}", r.message);
            }
            let bad = results.iter().filter(|r| !r.ok).count();
            if bad > 0 {
                println!("\n{bad} of {} provider(s) failed", results.len());
            }
        }
    }
    Ok(if results.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// No config file: the built-in emulators stand in for the providers.
#[cfg(feature = "demo")]
async fn start_demo() -> anyhow::Result<crate::demo::Demo> {
    Ok(crate::demo::Demo::start(crate::demo::demo_options()).await?)
}

/// A build without the emulators has no demo to fall back on.
#[cfg(not(feature = "demo"))]
async fn start_demo() -> anyhow::Result<NoDemo> {
    anyhow::bail!(
        "no config file at {}: run `callbrowser config init` and add your providers (this build has no demo)",
        crate::config::dirs().config_file.display()
    )
}

#[cfg(not(feature = "demo"))]
enum NoDemo {}

#[cfg(not(feature = "demo"))]
impl NoDemo {
    fn config(&self) -> Config {
        match *self {}
    }
}

#[cfg(feature = "demo")]
async fn demo_server() -> anyhow::Result<ExitCode> {
    let demo = crate::demo::Demo::start(crate::demo::demo_options()).await?;
    println!("callbrowser demo server — emulated provider APIs with generated data\n");
    for (label, url) in demo.urls() {
        println!("  {label:<14} {url}");
    }
    let dir = std::env::temp_dir().join(format!("callbrowser-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("config.toml");
    std::fs::write(&path, demo.config_toml())?;
    set_private(&path);
    println!(
        "\nA config file for these servers (it holds the demo keys):\n  {}\n",
        path.display()
    );
    println!(
        "Point callbrowser at them from another terminal:\n  callbrowser --config {}\n",
        path.display()
    );
    println!("Press Ctrl-C to stop.");
    // Ctrl-C, SIGTERM or SIGHUP: remove the config file (it holds the demo keys), then stop.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "demo")]
fn set_private(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}
