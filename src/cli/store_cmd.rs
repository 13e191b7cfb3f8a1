//! `callbrowser store migrate|copy|status`: the triage store itself. The team database is only
//! ever migrated by `store migrate` (explicit, with `--dry-run`); `store copy --to postgres://…`
//! moves this machine's SQLite triage into it without duplicates (an entry the team has already
//! is kept as it is there; each history row carries a stable origin id). The store is opened on
//! a thread of its own (it runs its own small runtime). Addresses are printed without password.

use std::process::ExitCode;

use super::out::{Out, Usage};
use super::{Cli, Command, StoreCommand, StoreCopyArgs, exit};
use crate::config::{Config, StoreConfig};
use crate::store::postgres::MigrationPlan;
use crate::store::schema::VERSION;
use crate::store::{
    PasswordSource, PgStore, Store, StoreError, StoreTarget, TeamDb, TriageStore, pg_conn, sqlite,
    target,
};

pub(super) async fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let cfg = super::load_config(cli)?.unwrap_or_else(Config::defaults);
    let Some(Command::Store { command }) = &cli.command else {
        return Ok(ExitCode::from(exit::OK));
    };
    let job = match command {
        StoreCommand::Migrate(a) => Job::Migrate(a.dry_run, a.store.store.clone()),
        StoreCommand::Copy(a) => Job::Copy(copy_args(a)?),
        StoreCommand::Status(a) => Job::Status(a.store.store.clone()),
    };
    let store = cfg.store.clone();
    tokio::task::spawn_blocking(move || job.run(&store))
        .await
        .map_err(|e| anyhow::anyhow!("the store command stopped: {e}"))?
}

struct CopyJob {
    to: String,
    dry_run: bool,
    from: Option<std::path::PathBuf>,
}

enum Job {
    Migrate(bool, Option<std::path::PathBuf>),
    Copy(CopyJob),
    Status(Option<std::path::PathBuf>),
}

fn copy_args(a: &StoreCopyArgs) -> Result<CopyJob, Usage> {
    match url::Url::parse(&a.to) {
        Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") && u.password().is_none() => {
            Ok(CopyJob {
                to: a.to.clone(),
                dry_run: a.dry_run,
                from: a.store.store.clone(),
            })
        }
        Ok(u) if u.password().is_some() => Err(Usage(
            "--to holds a password: give it with PGPASSWORD or [store] password_env instead \
             (an address on the command line is seen by every user of the machine)"
                .into(),
        )),
        _ => Err(Usage(
            "--to takes the team database's address, postgres://user@host/database".into(),
        )),
    }
}

impl Job {
    fn run(self, cfg: &StoreConfig) -> anyhow::Result<ExitCode> {
        let who = target::who(cfg);
        let mut out = Out::new();
        let code = match self {
            Job::Migrate(dry_run, path) => {
                let t = StoreTarget::from_config(cfg, path);
                match &t.team {
                    Some(team) => migrate_team(&mut out, team, &who, dry_run)?,
                    None => migrate_file(&mut out, &t, &who, dry_run)?,
                }
            }
            Job::Copy(job) => copy(&mut out, cfg, job, &who)?,
            Job::Status(path) => status(&mut out, &StoreTarget::from_config(cfg, path), &who)?,
        };
        out.flush()?;
        Ok(ExitCode::from(code))
    }
}

fn plan_lines(out: &mut Out, plan: &MigrationPlan, dry_run: bool) -> anyhow::Result<()> {
    if plan.steps.is_empty() {
        return out.line(format!("schema {}: up to date, nothing to do", plan.from));
    }
    let verb = if dry_run { "would run" } else { "ran" };
    for (version, what) in &plan.steps {
        out.line(format!("{verb} migration {version}: {what}"))?;
    }
    if dry_run {
        out.line("dry run: nothing was changed")
    } else {
        out.line(format!("schema {} → {}: done", plan.from, plan.to))
    }
}

fn migrate_team(out: &mut Out, team: &TeamDb, who: &str, dry_run: bool) -> anyhow::Result<u8> {
    let mut pg = PgStore::connect(team, who)?;
    let from = pg.version()?;
    out.line(format!(
        "the team database at {}: schema {from}, this callbrowser writes {VERSION}",
        pg.label()
    ))?;
    let plan = pg.migrate(dry_run)?;
    plan_lines(out, &plan, dry_run)?;
    Ok(exit::OK)
}

fn migrate_file(out: &mut Out, t: &StoreTarget, who: &str, dry_run: bool) -> anyhow::Result<u8> {
    let path = t.path.display();
    let Some(from) = sqlite::file_version(&t.path)? else {
        out.line(format!(
            "no triage store at {path} yet: it is made at schema {VERSION} when first used"
        ))?;
        return Ok(exit::OK);
    };
    out.line(format!(
        "the triage store {path}: schema {from}, this callbrowser writes {VERSION}"
    ))?;
    if from > VERSION {
        return Err(StoreError::Newer {
            path: t.path.clone(),
            found: from,
            known: VERSION,
        }
        .into());
    }
    let plan = MigrationPlan::from_version(from);
    if !dry_run && from < VERSION {
        // Opening migrates, after a backup copy beside the file.
        Store::open(&t.path, who)?;
    }
    plan_lines(out, &plan, dry_run)?;
    Ok(exit::OK)
}

/// The password for `--to`: the configured source, else PGPASSWORD.
fn password_for(cfg: &StoreConfig) -> PasswordSource {
    match (&cfg.password_env, &cfg.password_command) {
        (Some(v), _) => PasswordSource::Env(v.clone()),
        (None, Some(c)) => PasswordSource::Command(c.clone()),
        (None, None) => match std::env::var("PGPASSWORD") {
            Ok(p) if !p.is_empty() => PasswordSource::Given(p),
            _ => PasswordSource::None,
        },
    }
}

fn copy(out: &mut Out, cfg: &StoreConfig, job: CopyJob, who: &str) -> anyhow::Result<u8> {
    let from = job
        .from
        .clone()
        .or_else(|| cfg.path.clone())
        .unwrap_or_else(crate::store::default_path);
    if sqlite::file_version(&from)?.is_none() {
        anyhow::bail!(
            "there is no triage store at {}: nothing to copy (give the file with --store)",
            from.display()
        );
    }
    let local = Store::open(&from, who)?;
    let entries = local.entries()?;
    let history = local.all_history()?;
    let team = TeamDb {
        url: job.to.clone(),
        password: password_for(cfg),
        ca_file: cfg.ca_file.clone(),
    };
    let mut pg = PgStore::open(&team, who)?;
    let r = pg.import(&entries, &history, job.dry_run)?;
    let verb = if job.dry_run { "would copy" } else { "copied" };
    out.line(format!(
        "{verb} {} of {} triaged call(s) from {} to the team database at {} \
         ({} already there, kept as they are there)",
        r.entries_new,
        entries.len(),
        from.display(),
        pg.label(),
        r.entries_kept
    ))?;
    out.line(format!(
        "{verb} {} of {} history row(s) ({} copied before)",
        r.history_new,
        history.len(),
        r.history_kept
    ))?;
    if job.dry_run {
        out.line("dry run: nothing was changed")?;
    }
    Ok(exit::OK)
}

fn status(out: &mut Out, t: &StoreTarget, who: &str) -> anyhow::Result<u8> {
    out.line(format!("recorded as: {who}"))?;
    out.line(format!("claims last: {} minutes", t.claim_minutes))?;
    let local = match sqlite::file_version(&t.path)? {
        // Read only: a file of another schema is not migrated by looking at it.
        Some(v) if v != VERSION => {
            out.line(format!(
                "local file: {} (schema {v}; `callbrowser store migrate` brings it to {VERSION})",
                t.path.display()
            ))?;
            None
        }
        Some(v) => {
            out.line(format!("local file: {} (schema {v})", t.path.display()))?;
            Some(Store::open(&t.path, who)?)
        }
        None => {
            out.line(format!("local file: {} (not made yet)", t.path.display()))?;
            None
        }
    };
    let Some(team) = &t.team else {
        if let Some(s) = local {
            out.line(format!("triaged calls: {}", s.entries()?.len()))?;
        }
        return Ok(exit::OK);
    };
    out.line(format!("team database: {}", pg_conn::redact(&team.url)))?;
    if let Some(s) = &local {
        out.line(format!(
            "changes waiting for the team database: {}",
            s.pending_count()?
        ))?;
    }
    match PgStore::connect(team, who).and_then(|mut pg| {
        let v = pg.version()?;
        Ok((v, if v == VERSION { pg.entries()?.len() } else { 0 }))
    }) {
        Ok((v, n)) if v == VERSION => {
            out.line(format!(
                "team database answers: schema {v}, {n} triaged call(s)"
            ))?;
            Ok(exit::OK)
        }
        Ok((v, _)) => {
            let e = if v > VERSION {
                StoreError::Newer {
                    path: "in the team database".into(),
                    found: v,
                    known: VERSION,
                }
            } else {
                StoreError::Older {
                    host: pg_conn::redact(&team.url),
                    found: v,
                    known: VERSION,
                }
            };
            out.line(format!("team database: {e}"))?;
            Ok(exit::FAILED)
        }
        Err(e) => {
            out.line(format!("team database: {e}"))?;
            Ok(exit::FAILED)
        }
    }
}
