//! Timing cargo builds for the compile-time benchmarks: copies of the workspace and of the
//! baseline crate, a cargo runner with its own target directory, the one-field spec edit, and
//! the Markdown table the benches print.

#![allow(dead_code)] // Each bench uses its own subset.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Prints progress on stderr (the table goes to stdout).
pub fn progress(msg: &str) {
    eprintln!("[bench] {msg}");
}

/// The sources the builds run on, copied so that the spec edits never touch the real tree.
pub struct Copies {
    /// The workspace (without `target` and `.git`).
    pub workspace: PathBuf,
    /// `tests/bench-baseline`, with the main `Cargo.lock`.
    pub baseline: PathBuf,
    /// `tests/bench-nine-actions` inside the workspace copy, with the main `Cargo.lock`.
    pub nine_actions: PathBuf,
}

impl Copies {
    /// Copies the workspace to `area/workspace` and the baseline crate to `area/baseline-src`.
    /// The main lock file pins the two stand-alone crates to lever-client's exact dependency
    /// versions (cargo drops the entries it does not need).
    pub fn prepare(area: &Path) -> std::io::Result<Copies> {
        let root = workspace_root();
        let workspace = area.join("workspace");
        let _ = std::fs::remove_dir_all(&workspace);
        copy_tree(&root, &workspace)?;
        let baseline = area.join("baseline-src");
        let _ = std::fs::remove_dir_all(&baseline);
        copy_tree(&root.join("tests").join("bench-baseline"), &baseline)?;
        let nine_actions = workspace.join("tests").join("bench-nine-actions");
        for dir in [&baseline, &nine_actions] {
            std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
        }
        Ok(Copies {
            workspace,
            baseline,
            nine_actions,
        })
    }

    /// The spec file that defines `Posting`, in the workspace copy.
    pub fn postings_spec(&self) -> PathBuf {
        self.workspace
            .join("lever-spec/spec/resources/postings.yaml")
    }

    /// The baseline crate's only source file.
    pub fn baseline_lib(&self) -> PathBuf {
        self.baseline.join("src/lib.rs")
    }
}

/// `cargo build` of lever-client with every resource (`full`, its default features).
pub const BUILD_CLIENT_FULL: &[&str] = &["build", "-p", "lever-client"];
/// `cargo build` of lever-client with no resource: its build script and its own few items
/// (lever-runtime, with the webhook and trigger code, is a dependency, built before).
pub const BUILD_CLIENT_NO_RESOURCE: &[&str] =
    &["build", "-p", "lever-client", "--no-default-features"];
/// `cargo clean` of lever-client only, so the next build compiles the crate and its build
/// script while every dependency stays built.
pub const CLEAN_CLIENT: &[&str] = &["clean", "-p", "lever-client"];

/// Runs cargo in one directory with its own target directory, offline by default.
pub struct Cargo {
    dir: PathBuf,
    target: PathBuf,
    offline: bool,
}

impl Cargo {
    pub fn new(dir: &Path, target: PathBuf) -> Self {
        Cargo {
            dir: dir.to_path_buf(),
            target,
            offline: true,
        }
    }

    /// Lets cargo fetch what the lock file or the registry cache lacks (a crate that is not
    /// part of this workspace, such as progenitor's output, on its first build).
    pub fn online(mut self) -> Self {
        self.offline = false;
        self
    }

    /// `cargo <args> --offline` (unless [`Cargo::online`]); the wall-clock seconds it took.
    pub fn run(&self, args: &[&str]) -> Result<f64, String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let t = Instant::now();
        let out = Command::new(cargo)
            .args(args)
            .args(self.offline.then_some("--offline"))
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("CARGO_PRIMARY_PACKAGE")
            .env_remove("RUSTFLAGS")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let secs = t.elapsed().as_secs_f64();
        if out.status.success() {
            Ok(secs)
        } else {
            Err(format!(
                "cargo {args:?} failed in {}:\n{}",
                self.dir.display(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Empties the target directory (a fully cold build follows).
    pub fn wipe(&self) {
        let _ = std::fs::remove_dir_all(&self.target);
    }
}

/// Copies a source tree, leaving out `target` and `.git` folders.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_tree(&entry.path(), &to.join(&name))?;
        } else if ty.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Adds `benchProbe<i>: { type: string }` to the fields of `Posting` (all optional there),
/// after checking that the changed spec still loads.
pub fn add_posting_field(spec_file: &Path, i: usize) {
    let text = std::fs::read_to_string(spec_file).expect("read postings.yaml");
    let mut out = String::with_capacity(text.len() + 64);
    let mut in_posting = false;
    let mut done = false;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if line.trim_end() == "  Posting:" {
            in_posting = true;
        } else if in_posting && !done && line.trim_end() == "    fields:" {
            out.push_str(&format!(
                "      benchProbe{i}: {{ type: string, doc: Added by the compile benchmark. }}\n"
            ));
            done = true;
        }
    }
    assert!(
        done,
        "found `Posting:` / `fields:` in {}",
        spec_file.display()
    );
    std::fs::write(spec_file, out).expect("write postings.yaml");
    let spec_dir = spec_file
        .ancestors()
        .nth(2)
        .expect("spec/resources/postings.yaml");
    if let Err(e) = lever_spec::load(spec_dir, &[]) {
        panic!("the one-field change does not load:\n{e}");
    }
}

/// Adds a field to the baseline crate's `Item` struct (its counterpart of the spec edit).
pub fn add_baseline_field(lib_file: &Path, i: usize) {
    let text = std::fs::read_to_string(lib_file).expect("read baseline lib.rs");
    let changed = text.replace(
        "    pub id: String,\n",
        &format!("    pub id: String,\n    /// Added.\n    pub extra{i}: Option<String>,\n"),
    );
    assert_ne!(text, changed, "baseline lib.rs has the Item struct");
    std::fs::write(lib_file, changed).expect("write baseline lib.rs");
}

/// Restores a file byte for byte (and its modification time) when dropped, also while
/// unwinding from a panic.
pub struct RestoreOnDrop {
    path: PathBuf,
    bytes: Vec<u8>,
    modified: Option<std::time::SystemTime>,
}

impl RestoreOnDrop {
    pub fn new(path: &Path) -> Self {
        let bytes = std::fs::read(path).expect("read the file to restore later");
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        RestoreOnDrop {
            path: path.to_path_buf(),
            bytes,
            modified,
        }
    }
}

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.bytes);
        if let (Some(t), Ok(f)) = (
            self.modified,
            std::fs::File::options().write(true).open(&self.path),
        ) {
            let _ = f.set_modified(t);
        }
    }
}

/// One line of a bench table.
pub struct Row {
    measurement: String,
    figure: String,
    baseline: String,
    ratio: String,
    target: String,
    met: String,
}

impl Row {
    pub fn new(measurement: impl Into<String>) -> Self {
        Row {
            measurement: measurement.into(),
            figure: "—".into(),
            baseline: "—".into(),
            ratio: "—".into(),
            target: "—".into(),
            met: "—".into(),
        }
    }
    pub fn figure(mut self, s: impl Into<String>) -> Self {
        self.figure = s.into();
        self
    }
    pub fn baseline(mut self, s: impl Into<String>) -> Self {
        self.baseline = s.into();
        self
    }
    pub fn ratio(mut self, r: f64) -> Self {
        self.ratio = format!("{r:.2}×");
        self
    }
    pub fn target(mut self, s: impl Into<String>) -> Self {
        self.target = s.into();
        self
    }
    pub fn met(mut self, ok: bool) -> Self {
        self.met = if ok { "yes" } else { "**no**" }.into();
        self
    }
    /// A row that was not measured: why, in the figure column, and the target it has.
    pub fn skipped(measurement: &str, why: &str, target: &str) -> Self {
        Row::new(measurement).figure(why).target(target)
    }
}

/// Prints the rows as a Markdown table.
pub fn print_table(rows: &[Row]) {
    println!();
    println!("| measurement | figure | baseline | ratio | target | met? |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.measurement, r.figure, r.baseline, r.ratio, r.target, r.met
        );
    }
}

pub fn median(v: &mut [f64]) -> f64 {
    assert!(!v.is_empty(), "median of nothing");
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn secs(s: f64) -> String {
    format!("{s:.1} s")
}
