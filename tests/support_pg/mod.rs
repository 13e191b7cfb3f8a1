//! A PostgreSQL server of the tests' own: Debian's `postgresql` binaries
//! (`/usr/lib/postgresql/*/bin`), a cluster made by `initdb` in a temporary folder, run as the
//! unprivileged `postgres` user when the tests run as root (PostgreSQL refuses root), on a free
//! port of 127.0.0.1 with its Unix socket in the same folder; one database per test; stopped and
//! removed when dropped. Without the binaries the tests fail with a sentence saying what to
//! install — unless `CALLBROWSER_SKIP_PG=1`, which skips them (and says so).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use callbrowser::store::{PasswordSource, TeamDb};

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    /// Run the server's commands as this user (when the tests run as root).
    run_as: Option<String>,
    count: AtomicUsize,
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` in it.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

fn uid_gid(user: &str) -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, user])
            .output()
            .expect("id runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|_| {
                panic!("the user {user} does not exist (Debian's postgresql package creates it)")
            })
    };
    (id("-u"), id("-g"))
}

/// A cluster, or `None` when PostgreSQL is missing and `CALLBROWSER_SKIP_PG=1` says to skip.
pub fn cluster() -> Option<Cluster> {
    let Some(bin) = bin_dir() else {
        if std::env::var("CALLBROWSER_SKIP_PG").is_ok_and(|v| v == "1") {
            eprintln!("PostgreSQL is not installed: this test is skipped (CALLBROWSER_SKIP_PG=1)");
            return None;
        }
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run \
             `apt-get install postgresql`, or set CALLBROWSER_SKIP_PG=1 to skip these tests"
        );
    };
    let dir = tempfile::Builder::new()
        .prefix("callbrowser-pg-")
        .tempdir()
        .expect("a temporary folder");
    let root = unsafe { libc::geteuid() } == 0;
    let run_as = root.then(|| "postgres".to_string());
    if let Some(user) = &run_as {
        let (uid, gid) = uid_gid(user);
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
            .expect("chown the cluster folder");
    }
    let c = Cluster {
        dir,
        bin,
        port: free_port(),
        run_as,
        count: AtomicUsize::new(0),
    };
    let data = c.data();
    let out = c.pg(
        "initdb",
        &[
            "-D",
            &data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ],
    );
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    c.start();
    Some(c)
}

impl Cluster {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs one of the server's programs (as the unprivileged user when we are root).
    pub fn pg(&self, program: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{program} cannot run: {e}"))
    }

    pub fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        let out = self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Writes `contents` to `name` in the cluster's folder, owned by the user the server runs as
    /// and with `mode` (PostgreSQL wants its TLS key readable by itself alone); its path.
    pub fn server_file(&self, name: &str, contents: &[u8], mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write a file for the server");
        if let Some(user) = &self.run_as {
            let (uid, gid) = uid_gid(user);
            std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown a server file");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .expect("chmod a server file");
        path
    }

    /// Appends `lines` to `postgresql.conf` (a later setting wins over an earlier one) and
    /// restarts the server, which reads `pg_hba.conf` again too.
    pub fn configure(&self, lines: &[String]) {
        use std::io::Write;
        let conf = self.dir.path().join("data/postgresql.conf");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .expect("open postgresql.conf");
        for line in lines {
            writeln!(f, "{line}").expect("write postgresql.conf");
        }
        drop(f);
        self.stop();
        self.start();
    }

    /// `pg_ctl stop -m fast`: every session is ended, as when the server is shut down.
    pub fn stop(&self) {
        let out = self.pg("pg_ctl", &["-D", &self.data(), "-w", "-m", "fast", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A new empty database.
    pub fn database(&self) -> String {
        let name = format!("triage{}", self.count.fetch_add(1, Ordering::SeqCst));
        let port = self.port.to_string();
        let out = self.pg(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", &name],
        );
        assert!(
            out.status.success(),
            "createdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        name
    }

    /// The address of `db` (no TLS: this is loopback).
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    pub fn team(&self, db: &str) -> TeamDb {
        TeamDb {
            url: self.url(db),
            password: PasswordSource::None,
            ca_file: None,
        }
    }

    /// Runs SQL with psql; its output, unaligned, without headers.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        let port = self.port.to_string();
        let out = self.pg(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                db,
                "-XAtq",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],
        );
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-w", "-m", "immediate", "stop"],
        );
    }
}
