//! The scale trial's server: the AlloMia emulator serving CALLS calls (default 100,000) over its
//! three organizations, and a config file pointing callbrowser at it. `scripts/scale-trial.sh`
//! runs the real program against it and reads the program's resident memory once every call is
//! loaded.
//!
//! `cargo run --release --example scale_server [CALLS] [CONFIG_PATH]` — prints `config: PATH`
//! once it serves, then serves until killed.

use callbrowser_emulators::EmulatorOptions;
use callbrowser_emulators::allomia::{self, AlloMiaOptions};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let calls: usize = match args.next() {
        Some(a) => a.parse()?,
        None => 100_000,
    };
    let path = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("callbrowser-scale.toml"));
    let per_org = calls.div_ceil(3);
    let started = std::time::Instant::now();
    let am = allomia::start_with(
        EmulatorOptions::default(),
        AlloMiaOptions {
            calls_per_org: Some(per_org),
            ..AlloMiaOptions::default()
        },
    )
    .await?;
    let served: usize = am
        .organizations()
        .iter()
        .filter_map(|o| o["id"].as_str().map(|id| am.calls(id).len()))
        .sum();
    // One provider: the program opens on its first organization; `all organizations` merges
    // the three. The list may hold every call.
    let config = format!(
        "[ui]\nmax_list_calls = {}\n\n[[providers]]\nname = \"allomia\"\nkind = \"allomia\"\n\
         label = \"AlloMia\"\nbase_url = {:?}\napi_key = {:?}\n",
        served.max(1),
        am.base_url(),
        am.tenant_key(),
    );
    std::fs::write(&path, config)?;
    // It holds a key: callbrowser refuses a config file others can read.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    println!(
        "serving {served} AlloMia calls (generated in {:.1} s)\nconfig: {}",
        started.elapsed().as_secs_f64(),
        path.display()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
