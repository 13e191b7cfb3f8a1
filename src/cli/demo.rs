//! The demo: the built-in emulators standing in for the providers when there is no config file,
//! and `callbrowser demo-server`, which runs them alone.

#[cfg(not(feature = "demo"))]
use crate::config::Config;

#[cfg(feature = "demo")]
pub(super) type Running = crate::demo::Demo;

/// No config file: the built-in emulators stand in for the providers.
#[cfg(feature = "demo")]
pub(super) async fn start() -> anyhow::Result<Running> {
    Ok(crate::demo::Demo::start(crate::demo::demo_options()).await?)
}

/// A build without the emulators has no demo to fall back on.
#[cfg(not(feature = "demo"))]
pub(super) async fn start() -> anyhow::Result<Running> {
    anyhow::bail!(
        "no config file at {}: run `callbrowser config init` and add your providers (this build has no demo)",
        crate::config::dirs().config_file.display()
    )
}

#[cfg(not(feature = "demo"))]
pub(super) enum Running {}

#[cfg(not(feature = "demo"))]
impl Running {
    pub(super) fn config(&self) -> Config {
        match *self {}
    }
}

/// `callbrowser demo-server`: prints the emulators' addresses and a config file for them, then
/// serves until Ctrl-C, SIGTERM or SIGHUP, and removes the config file (it holds the demo keys).
#[cfg(feature = "demo")]
pub(super) async fn serve() -> anyhow::Result<std::process::ExitCode> {
    // Listening before the addresses are printed: a stop right after them is not missed.
    let stop = Stop::listen()?;
    let demo = start().await?;
    let dir = std::env::temp_dir().join(format!("callbrowser-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("config.toml");
    std::fs::write(&path, demo.config_toml())?;
    set_private(&path);
    let printed = print_addresses(&demo, &path);
    let served = match printed {
        Ok(()) => stop.wait().await,
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_dir_all(&dir);
    served.map(|()| std::process::ExitCode::from(super::exit::OK))
}

#[cfg(feature = "demo")]
fn print_addresses(demo: &Running, config: &std::path::Path) -> anyhow::Result<()> {
    let mut out = super::out::Out::new();
    out.line("callbrowser demo server — emulated provider APIs with generated data\n")?;
    for (label, url) in demo.urls() {
        out.line(format!("  {label:<14} {url}"))?;
    }
    out.line(format!(
        "\nA config file for these servers (it holds the demo keys):\n  {}\n",
        config.display()
    ))?;
    out.line(format!(
        "Point callbrowser at them from another terminal:\n  callbrowser --config {}\n",
        config.display()
    ))?;
    out.line("Press Ctrl-C to stop.")?;
    out.flush()
}

/// Ctrl-C, SIGTERM or SIGHUP.
#[cfg(feature = "demo")]
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

#[cfg(feature = "demo")]
impl Stop {
    fn listen() -> anyhow::Result<Stop> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop {})
    }

    async fn wait(mut self) -> anyhow::Result<()> {
        #[cfg(unix)]
        tokio::select! {
            r = tokio::signal::ctrl_c() => r?,
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await?;
        Ok(())
    }
}

#[cfg(feature = "demo")]
fn set_private(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}
