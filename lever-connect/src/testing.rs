//! A throwaway PostgreSQL cluster for tests and examples (feature `testing`).
//!
//! [`TempPostgres::start`] runs `initdb` into a temporary directory and `pg_ctl start` on a
//! free loopback port, and [`TempPostgres::stop`] (or dropping it) stops the server and
//! deletes the directory. Debian's `postgresql` package installs the binaries outside `PATH`
//! (`/usr/lib/postgresql/<version>/bin`); both places are searched. PostgreSQL refuses to run
//! as root, so as root the server runs as the `postgres` user (created by that package).
//!
//! Set `DATABASE_URL` to use an existing server instead: [`TempPostgres::url_or_start`].

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a throwaway cluster could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TempPostgresError {
    /// `initdb` and `pg_ctl` were found neither on `PATH` nor under `/usr/lib/postgresql`.
    #[error(
        "PostgreSQL binaries not found: install Debian's `postgresql` package (initdb, pg_ctl)"
    )]
    NotInstalled,
    /// A command failed.
    #[error("{command} failed: {output}")]
    Command {
        /// The command.
        command: String,
        /// What it printed.
        output: String,
    },
    /// A file operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// A PostgreSQL server in a temporary directory, stopped and deleted on drop.
#[derive(Debug)]
pub struct TempPostgres {
    bin: PathBuf,
    dir: Option<tempfile::TempDir>,
    port: u16,
    as_postgres_user: bool,
}

fn find_bin_dir() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    // The process's effective user, as the kernel reports it, without libc.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

fn free_port() -> Result<u16, std::io::Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl TempPostgres {
    /// `DATABASE_URL` if set, else a new throwaway cluster (returned so it lives as long as
    /// the caller needs it).
    pub fn url_or_start() -> Result<(String, Option<TempPostgres>), TempPostgresError> {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            if !url.is_empty() {
                return Ok((url, None));
            }
        }
        let pg = TempPostgres::start()?;
        Ok((pg.url(), Some(pg)))
    }

    /// Initialises and starts a cluster on a free loopback port.
    pub fn start() -> Result<TempPostgres, TempPostgresError> {
        let bin = find_bin_dir().ok_or(TempPostgresError::NotInstalled)?;
        let as_postgres_user = is_root();
        let dir = tempfile::Builder::new().prefix("lever-pg-").tempdir()?;
        let data = dir.path().join("data");
        if as_postgres_user {
            std::os::unix::fs::chown(dir.path(), Some(postgres_uid()?), None)?;
        }
        let mut pg = TempPostgres {
            bin,
            dir: Some(dir),
            port: 0,
            as_postgres_user,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        // A port that was free a moment ago can be taken by then: try a few.
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let options = format!(
                "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                pg.dir_path().display()
            );
            let log = pg.dir_path().join("server.log");
            match pg.run(
                "pg_ctl",
                &[
                    "-D",
                    &data.display().to_string(),
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &options,
                    "-w",
                    "start",
                ],
            ) {
                Ok(()) => {
                    pg.port = port;
                    pg.spawn_watchdog(&data);
                    return Ok(pg);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(TempPostgresError::NotInstalled))
    }

    /// Stops the server and deletes its directory when this process dies, however it dies
    /// (a panicking test, `kill -9`, or a cluster kept in a `static` that is never dropped).
    fn spawn_watchdog(&self, data: &Path) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres_user {
            format!("runuser -u postgres -- '{}'", pg_ctl.display())
        } else {
            format!("'{}'", pg_ctl.display())
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; \
             {stop} -D '{data}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            data = data.display(),
            dir = self.dir_path().display(),
        );
        let spawned = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Err(e) = spawned {
            eprintln!("lever-connect testing: no watchdog for PostgreSQL: {e}");
        }
    }

    fn dir_path(&self) -> &Path {
        self.dir
            .as_ref()
            .map_or(Path::new("/nonexistent"), |d| d.path())
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), TempPostgresError> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.arg("-u").arg("postgres").arg("--").arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let output = cmd
            .args(args)
            .current_dir(self.dir_path())
            .stdin(Stdio::null())
            .output()?;
        if output.status.success() {
            Ok(())
        } else {
            Err(TempPostgresError::Command {
                command: format!("{tool} {}", args.join(" ")),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            })
        }
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of the `postgres` database, as user `postgres` (trust authentication).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Creates a new empty database and returns its URL (one per test keeps tests apart).
    pub async fn create_database(url: &str, name: &str) -> Result<String, sqlx::Error> {
        use sqlx::Connection as _;
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query(&format!("CREATE DATABASE \"{}\"", name.replace('"', "")))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
        Ok(format!("{base}/{name}"))
    }

    /// Stops the server (fast shutdown) and deletes its directory.
    pub fn stop(mut self) -> Result<(), TempPostgresError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), TempPostgresError> {
        let Some(dir) = self.dir.as_ref() else {
            return Ok(());
        };
        let data = dir.path().join("data");
        let result = self.run(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        self.dir = None;
        result
    }
}

fn postgres_uid() -> Result<u32, TempPostgresError> {
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    passwd
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some("postgres"))
                .then(|| f.nth(1).and_then(|uid| uid.parse().ok()))
                .flatten()
        })
        .ok_or(TempPostgresError::Command {
            command: "look up user postgres".into(),
            output: "no postgres user (install Debian's postgresql package)".into(),
        })
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            eprintln!("lever-connect testing: could not stop PostgreSQL: {e}");
        }
    }
}
