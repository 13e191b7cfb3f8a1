//! The team store over verified TLS, against a server of the tests' own with a certificate from
//! a private CA made here with the `openssl` command: with the CA file given, the address
//! `…?sslmode=verify-full` connects (the session is encrypted, as the server itself says),
//! migrates and keeps a change; without the CA file (Mozilla's roots only) the server is refused,
//! and so is a certificate that names another host, each in one sentence that names the
//! certificate and never the password; a password travels over TLS to `scram-sha-256`
//! authentication, also with channel binding required.
//!
//! Needs PostgreSQL (see `support_pg`) and the `openssl` command; `CALLBROWSER_SKIP_PG=1` skips
//! these tests when either is missing.

mod support_pg;

use std::path::{Path, PathBuf};
use std::process::Command;

use callbrowser::model::{Account, CallRef, ProviderKind};
use callbrowser::store::{Change, Mark, PasswordSource, PgStore, StoreError, TeamDb, TriageStore};

const CANARY: &str = "s3cret-CANARY-77";

fn call(id: &str) -> CallRef {
    CallRef {
        account: Account::new(
            ProviderKind::Voxeme,
            "https://api.voxeme.example",
            Some("AC1"),
        ),
        id: id.into(),
    }
}

/// Whether the `openssl` command runs; without it the tests fail with what to install, unless
/// `CALLBROWSER_SKIP_PG=1`.
fn openssl_present() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("CALLBROWSER_SKIP_PG").is_ok_and(|v| v == "1") {
            eprintln!(
                "the openssl command is missing: this test is skipped (CALLBROWSER_SKIP_PG=1)"
            );
            return false;
        }
        panic!(
            "the openssl command is missing: run `apt-get install openssl`, or set \
             CALLBROWSER_SKIP_PG=1 to skip these tests"
        );
    }
    true
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private CA (ECDSA P-256, so the certificates it signs are signed with SHA-256) in `dir`.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::Builder::new()
            .prefix("callbrowser-pki-")
            .tempdir()
            .expect("a temporary folder");
        std::fs::write(
            dir.path().join("ca.cnf"),
            "[req]\ndistinguished_name = dn\nprompt = no\n\
             [dn]\nCN = callbrowser test CA\n\
             [v3_ca]\nbasicConstraints = critical,CA:TRUE\n\
             keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n",
        )
        .unwrap();
        openssl(
            dir.path(),
            &[
                "req",
                "-x509",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-config",
                "ca.cnf",
                "-extensions",
                "v3_ca",
            ],
        );
        Pki { dir }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// A server certificate signed by the CA for `san` (`DNS:localhost,IP:127.0.0.1`): the
    /// certificate and its key, PEM.
    fn server(&self, name: &str, san: &str) -> (Vec<u8>, Vec<u8>) {
        let d = self.dir.path();
        std::fs::write(
            d.join(format!("{name}.cnf")),
            format!("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = {name}\n"),
        )
        .unwrap();
        std::fs::write(
            d.join(format!("{name}.ext")),
            format!(
                "basicConstraints = critical,CA:FALSE\n\
                 keyUsage = critical,digitalSignature\n\
                 extendedKeyUsage = serverAuth\n\
                 authorityKeyIdentifier = keyid\n\
                 subjectAltName = {san}\n"
            ),
        )
        .unwrap();
        let (key, csr, crt, cnf, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
            format!("{name}.cnf"),
            format!("{name}.ext"),
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-config",
                &cnf,
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-sha256",
                "-extfile",
                &ext,
                "-out",
                &crt,
            ],
        );
        (
            std::fs::read(d.join(crt)).unwrap(),
            std::fs::read(d.join(key)).unwrap(),
        )
    }
}

/// A cluster that speaks TLS with `cert`/`key` and accepts nothing unencrypted over TCP.
fn tls_cluster(cert: &[u8], key: &[u8]) -> Option<support_pg::Cluster> {
    let cluster = support_pg::cluster()?;
    let crt = cluster.server_file("server.crt", cert, 0o644);
    let key = cluster.server_file("server.key", key, 0o600);
    let hba = cluster.path().join("data/pg_hba.conf");
    let rules = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!(
            "hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n\
             hostssl all anna 127.0.0.1/32 scram-sha-256\n\
             hostssl all all 127.0.0.1/32 trust\n{rules}"
        ),
    )
    .unwrap();
    cluster.configure(&[
        "ssl = on".into(),
        format!("ssl_cert_file = '{}'", crt.display()),
        format!("ssl_key_file = '{}'", key.display()),
    ]);
    Some(cluster)
}

fn team(url: String, password: PasswordSource, ca: Option<PathBuf>) -> TeamDb {
    TeamDb {
        url,
        password,
        ca_file: ca,
    }
}

/// Whether the server says the session of `store` is encrypted.
fn encrypted(cluster: &support_pg::Cluster, db: &str, store: &PgStore) -> String {
    cluster.sql(
        db,
        &format!(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = {}",
            store.backend_pid()
        ),
    )
}

/// A refusal: one sentence naming the certificate, without the password; its text.
fn refused(what: &str, r: Result<PgStore, StoreError>) -> String {
    match r {
        Err(e @ StoreError::Refused { .. }) => {
            let text = e.to_string();
            eprintln!("{what}: {text}");
            assert!(!text.contains('\n'), "one sentence: {text}");
            assert!(text.to_lowercase().contains("certificate"), "{text}");
            assert!(
                text.contains("set [store] ca_file"),
                "says what to do: {text}"
            );
            assert!(!text.contains(CANARY), "the password is shown: {text}");
            text
        }
        Err(e) => panic!("{what}: refused, but not as a refusal: {e:?}"),
        Ok(s) => panic!("{what}: connected (to {}) instead of refusing", s.label()),
    }
}

#[test]
fn a_private_ca_given_verifies_the_server_and_keeps_changes_and_passwords_over_tls() {
    if !openssl_present() {
        return;
    }
    let pki = Pki::new();
    let (cert, key) = pki.server("localhost", "DNS:localhost,IP:127.0.0.1");
    let Some(cluster) = tls_cluster(&cert, &key) else {
        return;
    };
    let db = cluster.database();
    let port = cluster.port;
    let url = format!("postgres://postgres@localhost:{port}/{db}?sslmode=verify-full");

    // 1. Verified with the CA: connects, migrates, and a change round-trips.
    let verified = team(url.clone(), PasswordSource::None, Some(pki.ca()));
    let admin = PgStore::connect(&verified, "admin").expect("connects over verified TLS");
    assert_eq!(encrypted(&cluster, &db, &admin), "t");
    let mut admin = admin;
    admin.migrate(false).expect("migrates over TLS");
    drop(admin);
    let c = call("CA1");
    let mut s = PgStore::open(&verified, "anna").expect("opens over verified TLS");
    assert_eq!(encrypted(&cluster, &db, &s), "t");
    s.apply(&c, None, Change::Mark(Mark::FollowUp)).unwrap();
    s.apply(
        &c,
        None,
        Change::Note {
            text: "über TLS".into(),
            base: 1,
        },
    )
    .unwrap();
    drop(s);
    let mut s = PgStore::open(&verified, "ben").unwrap();
    let e = s.get(&c).unwrap().expect("kept");
    assert_eq!(
        (e.mark, e.note.as_str(), e.updated_by.as_str()),
        (Mark::FollowUp, "über TLS", "anna")
    );
    drop(s);
    // The default mode (no sslmode) is verified the same way.
    let default = team(
        format!("postgres://postgres@localhost:{port}/{db}"),
        PasswordSource::None,
        Some(pki.ca()),
    );
    PgStore::open(&default, "anna").expect("the default mode verifies with the CA file");
    // By address: the certificate names 127.0.0.1 too.
    let by_ip = team(
        format!("postgres://postgres@127.0.0.1:{port}/{db}?sslmode=verify-full"),
        PasswordSource::None,
        Some(pki.ca()),
    );
    PgStore::open(&by_ip, "anna").expect("127.0.0.1 is in the certificate");

    // 2. Mozilla's roots alone do not know the private CA: refused, in both modes.
    for u in [
        url.clone(),
        format!("postgres://postgres@localhost:{port}/{db}"),
    ] {
        let t = team(u, PasswordSource::Given(CANARY.into()), None);
        refused("no CA file", PgStore::open(&t, "anna"));
    }

    passwords_over_tls(&cluster, &db, &pki);
}

/// 4. A password over TLS to scram-sha-256: the right one is used (with channel binding
///    preferred, and required), a wrong one refused without being shown.
fn passwords_over_tls(cluster: &support_pg::Cluster, db: &str, pki: &Pki) {
    let (db, port) = (db.to_string(), cluster.port);
    cluster.sql(
        &db,
        &format!(
            "CREATE ROLE anna LOGIN PASSWORD 'right-{CANARY}'; \
             GRANT ALL ON ALL TABLES IN SCHEMA public TO anna; \
             GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anna;"
        ),
    );
    let as_anna = |query: &str, password: &str| {
        team(
            format!("postgres://anna@localhost:{port}/{db}?sslmode=verify-full{query}"),
            PasswordSource::Given(password.into()),
            Some(pki.ca()),
        )
    };
    let right = format!("right-{CANARY}");
    let mut s = PgStore::open(&as_anna("", &right), "anna").expect("the password is used");
    assert_eq!(encrypted(cluster, &db, &s), "t");
    assert_eq!(
        cluster.sql(
            &db,
            &format!(
                "SELECT usename FROM pg_stat_activity WHERE pid = {}",
                s.backend_pid()
            )
        ),
        "anna"
    );
    s.apply(&call("CA2"), None, Change::Mark(Mark::Done))
        .unwrap();
    drop(s);
    let mut s = PgStore::open(&as_anna("&channel_binding=require", &right), "anna")
        .expect("SCRAM with channel binding to the TLS certificate");
    assert_eq!(s.get(&call("CA2")).unwrap().expect("kept").mark, Mark::Done);
    drop(s);
    match PgStore::open(&as_anna("", &format!("wrong-{CANARY}")), "anna") {
        Err(e @ StoreError::Refused { .. }) => {
            let text = e.to_string();
            eprintln!("wrong password: {text}");
            assert!(
                text.contains("password") && !text.contains(CANARY) && !text.contains('\n'),
                "{text}"
            );
        }
        other => panic!("a wrong password must be refused: {:?}", other.err()),
    }
}

#[test]
fn a_certificate_for_another_host_is_refused_even_with_its_ca() {
    if !openssl_present() {
        return;
    }
    let pki = Pki::new();
    let (cert, key) = pki.server("otherhost", "DNS:otherhost");
    let Some(cluster) = tls_cluster(&cert, &key) else {
        return;
    };
    let db = cluster.database();
    // 3. The chain is good (the CA is given) but the name is not: refused, by address and by
    //    name, in the default mode too.
    for host in ["127.0.0.1", "localhost"] {
        for mode in ["?sslmode=verify-full", ""] {
            let t = team(
                format!("postgres://postgres@{host}:{}/{db}{mode}", cluster.port),
                PasswordSource::Given(CANARY.into()),
                Some(pki.ca()),
            );
            let text = refused(&format!("{host}{mode}"), PgStore::connect(&t, "anna"));
            assert!(
                text.contains(host) && text.to_lowercase().contains("name"),
                "the name is what is wrong: {text}"
            );
        }
    }
}
