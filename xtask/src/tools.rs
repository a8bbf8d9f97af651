//! The tools Herald's commands need, installed on first use.
//!
//! Each tool lives in `$HERALD_TOOLS/<tool>-<version>` (default `~/.cache/herald/tools`),
//! outside the checkout, so every clone on the machine, CI's included, reuses it instead of
//! spending 25 minutes rebuilding it. The recipes and their traps are in TOOLCHAIN.md.
//! Checking that the tools are there costs a few file lookups, `rustup toolchain list` and two
//! `rustc --print`s.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::process::run;

/// Trunk 0.22 needs a newer rustc than the one the project builds with.
pub const TRUNK_VERSION: &str = "0.21.14";
pub const SOCKUDO_VERSION: &str = "5.2.0";
/// Debian's binaryen is too old for what rustc emits; npm's is current.
pub const BINARYEN_VERSION: &str = "132.0.0";
/// Where Debian's `chromium` and `chromium-driver` packages put the browser and its driver.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The splitter of the release wasm: `wasm-split-cli` from the Rust registry (the one
/// cargo-leptos uses; `wasm-split-cli` 0.8 is Dioxus's, a different tool).
pub const WASM_SPLIT_VERSION: &str = "0.2.4";
/// The nightly the release wasm is built with, compiling its standard library with the app
/// (`-Zbuild-std`). Pinned: a nightly's flags and output change from day to day.
pub const RELEASE_NIGHTLY: &str = "nightly-2026-05-19";

/// Paths to the installed tools.
pub struct Tools {
    pub trunk: PathBuf,
    pub sockudo: PathBuf,
    /// Holds `wasm-bindgen` and `wasm-bindgen-test-runner`.
    pub wasm_bindgen_bin: PathBuf,
    /// Holds `wasm-opt`.
    pub wasm_opt_bin: PathBuf,
    /// `wasm-split-cli`, which splits the release wasm at the app's `#[lazy]` split points.
    pub wasm_split: PathBuf,
    /// The toolchain the release wasm is built with.
    pub release_rust: ReleaseRust,
}

impl Tools {
    /// Installs whatever is missing: the wasm32 target, Trunk, wasm-bindgen (the version in
    /// Cargo.lock), wasm-opt, wasm-split, Sockudo and the release build's nightly.
    pub fn ensure(root: &Path, apt: &mut Apt) -> Result<Tools> {
        let dir = tools_dir()?;
        let wasm_bindgen_version = wasm_bindgen_version(root)?;
        check_trunk_pins(root, &wasm_bindgen_version)?;
        ensure_wasm_target()?;

        let trunk = cargo_install(
            &dir.join(format!("trunk-{TRUNK_VERSION}")),
            "trunk",
            TRUNK_VERSION,
            &["--locked"],
            "trunk",
        )?;
        // Not --locked: the CLI's own lockfile pins a webpki-roots the registry here lacks.
        let wasm_bindgen = cargo_install(
            &dir.join(format!("wasm-bindgen-{wasm_bindgen_version}")),
            "wasm-bindgen-cli",
            &wasm_bindgen_version,
            &[],
            "wasm-bindgen",
        )?;
        let wasm_split = cargo_install(
            &dir.join(format!("wasm-split-{WASM_SPLIT_VERSION}")),
            "wasm_split_cli_support",
            WASM_SPLIT_VERSION,
            &["--locked", "--features", "build-binary"],
            "wasm-split-cli",
        )?;
        let sockudo_dir = dir.join(format!("sockudo-{SOCKUDO_VERSION}"));
        if !binary(&sockudo_dir, "sockudo").is_file() {
            // Sockudo's build script runs protoc, and it links OpenSSL.
            if find_on_path("protoc").is_none()
                || find_on_path("pkg-config").is_none()
                || !openssl_dev_present()
            {
                apt.install(&["protobuf-compiler", "libssl-dev", "pkg-config"], "to build Sockudo")?;
            }
        }
        let sockudo = cargo_install(
            &sockudo_dir,
            "sockudo",
            SOCKUDO_VERSION,
            &["--locked", "--no-default-features"],
            "sockudo",
        )?;
        let wasm_opt_bin = npm_install_binaryen(&dir.join(format!("binaryen-{BINARYEN_VERSION}")))?;
        let release_rust = ReleaseRust::ensure();

        Ok(Tools {
            trunk,
            sockudo,
            wasm_bindgen_bin: wasm_bindgen.parent().expect("a binary is in a folder").to_path_buf(),
            wasm_opt_bin,
            wasm_split,
            release_rust,
        })
    }

    /// `PATH` with wasm-bindgen and wasm-opt in front: with the versions pinned in Trunk.toml
    /// and `--offline`, Trunk then uses them instead of trying to download its own.
    pub fn path_for_trunk(&self) -> OsString {
        let current = std::env::var_os("PATH").unwrap_or_default();
        let dirs = [self.wasm_bindgen_bin.clone(), self.wasm_opt_bin.clone()]
            .into_iter()
            .chain(std::env::split_paths(&current));
        std::env::join_paths(dirs).expect("tool folders contain no path separator")
    }

    pub fn wasm_bindgen(&self) -> PathBuf {
        self.wasm_bindgen_bin.join("wasm-bindgen")
    }

    pub fn wasm_bindgen_test_runner(&self) -> PathBuf {
        self.wasm_bindgen_bin.join("wasm-bindgen-test-runner")
    }

    pub fn wasm_opt(&self) -> PathBuf {
        self.wasm_opt_bin.join("wasm-opt")
    }
}

/// The toolchain the release wasm is built with: rustup's [`RELEASE_NIGHTLY`], which compiles
/// the standard library with the app (`-Zbuild-std`, its `optimize_for_size` variants, and
/// `-Cpanic=immediate-abort`: no panic message, location or formatting code is left in the
/// wasm), or, where that nightly cannot be installed, rustup's stable with its prebuilt
/// standard library: about 35 KB more gzipped wasm, 20 KB of it in the first load (issue 18). Both link with
/// `--emit-relocs`, which `wasm-split-cli` needs to split the wasm.
pub enum ReleaseRust {
    Nightly,
    Stable,
}

impl ReleaseRust {
    /// The nightly, installed with its standard library's source when missing; stable, with
    /// one line saying so, when that fails.
    fn ensure() -> ReleaseRust {
        match ensure_nightly() {
            Ok(()) => ReleaseRust::Nightly,
            Err(why) => {
                println!(
                    "xtask: {why}; building the release wasm with stable Rust instead, without \
                     -Zbuild-std: about 35 KB more gzipped wasm, 20 KB of it in the first load (issue 18)"
                );
                ReleaseRust::Stable
            }
        }
    }

    /// `cargo build --release` of the app for wasm32 with the `split` feature, into its own
    /// target folder under `target_root`: each toolchain's standard library and flags would
    /// otherwise make the other builds rebuild everything, and the other way round.
    pub fn build_command(&self, root: &Path, target_root: &Path) -> Command {
        let mut command = match self {
            ReleaseRust::Nightly => {
                // rustup's `cargo` runs the toolchain named after `+`.
                let mut command = Command::new("cargo");
                command.arg(format!("+{RELEASE_NIGHTLY}"));
                command
            }
            ReleaseRust::Stable => Command::new(cargo()),
        };
        command.current_dir(root).args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--package",
            "herald",
            "--features",
            "split",
        ]);
        if let ReleaseRust::Nightly = self {
            // The standard library's smaller variants of its algorithms (sorting, formatting).
            command.args(["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"]);
        }
        command
            // Cargo adds these to .cargo/config.toml's flags for the target (`-v` shows both);
            // a RUSTFLAGS from the environment would replace them all, so it is left out.
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", self.rustflags())
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            // The compiler is the toolchain's own, whatever the caller's environment says.
            .env_remove("RUSTC")
            .env("CARGO_TARGET_DIR", self.target_dir(target_root));
        command
    }

    /// The target folder of this toolchain's build: `target/release-wasm` for the nightly.
    pub fn target_dir(&self, target_root: &Path) -> PathBuf {
        target_root.join(match self {
            ReleaseRust::Nightly => "release-wasm",
            ReleaseRust::Stable => "release-wasm-stable",
        })
    }

    /// The flags added to .cargo/config.toml's for the wasm32 target.
    pub fn rustflags(&self) -> &'static str {
        match self {
            ReleaseRust::Nightly => "-Zunstable-options -Cpanic=immediate-abort -Clink-args=--emit-relocs",
            ReleaseRust::Stable => "-Clink-args=--emit-relocs",
        }
    }
}

/// Installs [`RELEASE_NIGHTLY`] (rustup's minimal profile) and its `rust-src` when missing.
/// Its prebuilt wasm32 standard library is not published (`rustup target add` fails);
/// `-Zbuild-std` compiles it from `rust-src` instead. The toolchain brings its own `rust-lld`.
fn ensure_nightly() -> Result {
    let listed = output(Command::new("rustup").args(["toolchain", "list"]))?;
    let installed_prefix = format!("{RELEASE_NIGHTLY}-");
    if !listed.lines().any(|line| line.starts_with(&installed_prefix)) {
        println!("xtask: installing Rust {RELEASE_NIGHTLY} with rustup (once per machine)");
        output(Command::new("rustup").args([
            "toolchain",
            "install",
            RELEASE_NIGHTLY,
            "--profile",
            "minimal",
        ]))?;
    }
    let sysroot =
        output(Command::new("rustc").arg(format!("+{RELEASE_NIGHTLY}")).args(["--print", "sysroot"]))?;
    if !Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/std").is_dir() {
        println!("xtask: adding the standard library's source (rust-src) to Rust {RELEASE_NIGHTLY}");
        output(Command::new("rustup").args([
            "component",
            "add",
            "rust-src",
            "--toolchain",
            RELEASE_NIGHTLY,
        ]))?;
    }
    Ok(())
}

/// What `command` printed, or why it failed in one line (the last line of its errors).
fn output(command: &mut Command) -> Result<String> {
    let shown = crate::process::display(command);
    let output = command.output().map_err(|error| format!("could not run `{shown}`: {error}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().map(str::trim).rfind(|line| !line.is_empty()).unwrap_or("no message");
    Err(format!("`{shown}` failed ({}): {last}", output.status))
}

/// Installs Debian packages, running `apt-get update` at most once per command.
#[derive(Default)]
pub struct Apt {
    updated: bool,
}

impl Apt {
    pub fn install(&mut self, packages: &[&str], why: &str) -> Result {
        println!("xtask: installing {} with apt-get ({why})", packages.join(", "));
        if !self.updated {
            run(&mut self.apt_get(&["update"]))?;
            self.updated = true;
        }
        run(self.apt_get(&["install", "-y"]).args(packages))
    }

    fn apt_get(&self, args: &[&str]) -> Command {
        // SAFETY: geteuid(2) has no preconditions and cannot fail.
        let is_root = unsafe { libc::geteuid() } == 0;
        let mut command = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    }
}

/// Chromium and ChromeDriver, for the browser unit tests and Playwright.
pub fn ensure_chromium(apt: &mut Apt) -> Result {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        return Ok(());
    }
    apt.install(&["chromium", "chromium-driver"], "for the browser tests")
}

/// Installs `e2e/node_modules` when it is missing or `package-lock.json` changed since the last
/// install. Browsers are never downloaded: the tests use Debian's Chromium.
pub fn ensure_playwright(e2e: &Path) -> Result {
    let lock = e2e.join("package-lock.json");
    // A copy of the lockfile the installed node_modules came from.
    let stamp = e2e.join("node_modules/.herald-installed-package-lock.json");
    let wanted = fs::read(&lock).ok();
    if wanted.is_some() && fs::read(&stamp).ok() == wanted {
        return Ok(());
    }
    let mut npm = Command::new("npm");
    // `npm ci` installs exactly what the lockfile says; without one, `npm install` writes it.
    npm.arg(if wanted.is_some() { "ci" } else { "install" })
        .args(["--no-audit", "--no-fund"])
        .current_dir(e2e)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    run(&mut npm)?;
    let installed = fs::read(&lock).map_err(|error| format!("{}: {error}", lock.display()))?;
    fs::write(&stamp, installed).map_err(|error| format!("{}: {error}", stamp.display()))
}

/// Absolute, because the tools run from other folders than the one xtask was started in.
pub fn tools_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("HERALD_TOOLS") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cache/herald/tools"))
            .ok_or("set HOME or HERALD_TOOLS: tools are installed under ~/.cache/herald/tools")?,
    };
    std::path::absolute(&dir).map_err(|error| format!("{}: {error}", dir.display()))
}

fn binary(root: &Path, name: &str) -> PathBuf {
    root.join("bin").join(name)
}

/// `cargo install`s `krate` into `root` unless `root/bin/<binary>` is already there.
fn cargo_install(
    root: &Path,
    krate: &str,
    version: &str,
    flags: &[&str],
    binary_name: &str,
) -> Result<PathBuf> {
    let path = binary(root, binary_name);
    if path.is_file() {
        return Ok(path);
    }
    println!(
        "xtask: installing {krate} {version} into {} (once per machine; this takes minutes)",
        root.display()
    );
    run(Command::new(cargo())
        .args(["install", krate, "--version", version, "--root"])
        .arg(root)
        .args(flags))?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("`cargo install {krate}` did not produce {}", path.display()))
    }
}

/// Installs binaryen from npm into `root`; returns the folder holding `wasm-opt`.
fn npm_install_binaryen(root: &Path) -> Result<PathBuf> {
    let bin = root.join("node_modules/.bin");
    if bin.join("wasm-opt").is_file() {
        return Ok(bin);
    }
    println!("xtask: installing binaryen {BINARYEN_VERSION} into {}", root.display());
    fs::create_dir_all(root).map_err(|error| format!("{}: {error}", root.display()))?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(root)
        .arg(format!("binaryen@{BINARYEN_VERSION}")))?;
    Ok(bin)
}

/// Adds the wasm32 target to rustup's stable toolchain, the one `cargo` runs for xtask, when
/// it lacks it: the browser unit tests and Trunk's development build use it.
fn ensure_wasm_target() -> Result {
    let sysroot = output(Command::new("rustc").args(["--print", "sysroot"]))?;
    if !Path::new(sysroot.trim()).join("lib/rustlib/wasm32-unknown-unknown").is_dir() {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The wasm-bindgen version in Cargo.lock: the CLI must be exactly the library's version.
fn wasm_bindgen_version(root: &Path) -> Result<String> {
    let path = root.join("Cargo.lock");
    let lock = fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    match locked_versions(&lock, "wasm-bindgen").as_slice() {
        [version] => Ok(version.clone()),
        [] => Err("Cargo.lock has no wasm-bindgen package".into()),
        versions => Err(format!(
            "Cargo.lock has several wasm-bindgen versions ({}); pin one with `wasm-bindgen = \"=X.Y.Z\"`",
            versions.join(", ")
        )),
    }
}

/// Every version of `package` in a Cargo.lock.
fn locked_versions(lock: &str, package: &str) -> Vec<String> {
    let mut versions = Vec::new();
    let mut in_package = false;
    for line in lock.lines().map(str::trim) {
        if line == "[[package]]" {
            in_package = false;
        } else if let Some(name) = string_value(line, "name") {
            in_package = name == package;
        } else if let Some(version) = string_value(line, "version").filter(|_| in_package) {
            versions.push(version.to_string());
        }
    }
    versions
}

/// Trunk.toml names the wasm-bindgen and wasm-opt versions Trunk looks for; when they differ
/// from what is installed, Trunk tries to download and fails far from the cause.
fn check_trunk_pins(root: &Path, wasm_bindgen_version: &str) -> Result {
    let path = root.join("Trunk.toml");
    let trunk_toml = fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let binaryen_major = BINARYEN_VERSION.split('.').next().expect("split yields one item");
    let pins = [
        ("wasm_bindgen", wasm_bindgen_version.to_string()),
        ("wasm_opt", format!("version_{binaryen_major}")),
    ];
    for (key, wanted) in pins {
        let pinned = trunk_toml.lines().find_map(|line| string_value(line.trim(), key));
        if pinned != Some(wanted.as_str()) {
            return Err(format!(
                "Trunk.toml's [tools] {key} is {pinned:?} but xtask provides {wanted:?} \
                 (wasm-bindgen comes from Cargo.lock, wasm-opt from xtask/src/tools.rs); make them agree"
            ));
        }
    }
    Ok(())
}

/// The value of a `key = "value"` line.
fn string_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
    rest.strip_prefix('"')?.strip_suffix('"')
}

fn cargo() -> OsString {
    // Set by cargo for the programs it runs: the same toolchain that runs xtask.
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

pub fn cargo_command(root: &Path) -> Command {
    let mut command = Command::new(cargo());
    command.current_dir(root);
    command
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|path| path.is_file())
}

fn openssl_dev_present() -> bool {
    Command::new("pkg-config").args(["--exists", "openssl"]).status().is_ok_and(|status| status.success())
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::path::Path;

    use crate::tools::{RELEASE_NIGHTLY, ReleaseRust, locked_versions, string_value};

    #[test]
    fn the_release_build_is_split_and_keeps_its_relocations() {
        let env = |command: &std::process::Command, key: &str| {
            command
                .get_envs()
                .find(|(name, _)| *name == OsStr::new(key))
                .and_then(|(_, value)| value)
                .map(|value| value.to_string_lossy().into_owned())
        };
        let nightly = ReleaseRust::Nightly.build_command(Path::new("/repo"), Path::new("/repo/target"));
        let args: Vec<_> = nightly.get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
        assert_eq!(args[0], format!("+{RELEASE_NIGHTLY}"));
        for arg in ["split", "-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"] {
            assert!(args.iter().any(|given| given == arg), "{arg} in {args:?}");
        }
        let flags = env(&nightly, "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS").unwrap();
        assert_eq!(flags, "-Zunstable-options -Cpanic=immediate-abort -Clink-args=--emit-relocs");
        assert_eq!(env(&nightly, "CARGO_TARGET_DIR").as_deref(), Some("/repo/target/release-wasm"));

        let stable = ReleaseRust::Stable.build_command(Path::new("/repo"), Path::new("/repo/target"));
        let args: Vec<_> = stable.get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
        assert!(args.iter().all(|arg| !arg.starts_with('+') && !arg.starts_with("-Z")), "{args:?}");
        assert!(args.iter().any(|arg| arg == "split"), "{args:?}");
        let flags = env(&stable, "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS").unwrap();
        assert_eq!(flags, "-Clink-args=--emit-relocs");
        assert_eq!(env(&stable, "CARGO_TARGET_DIR").as_deref(), Some("/repo/target/release-wasm-stable"));
    }

    #[test]
    fn locked_versions_reads_only_the_named_package() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
dependencies = [
 "cfg-if",
]

[[package]]
name = "web-sys"
version = "0.3.77"
"#;
        check(lock, "wasm-bindgen", &["0.2.130"]);
        check(lock, "web-sys", &["0.3.77"]);
        check(lock, "leptos", &[]);
    }

    #[test]
    fn locked_versions_lists_every_copy_of_a_package() {
        let lock = "[[package]]\nname = \"syn\"\nversion = \"1.0.109\"\n\n[[package]]\nname = \"syn\"\nversion = \"2.0.100\"\n";
        check(lock, "syn", &["1.0.109", "2.0.100"]);
    }

    #[test]
    fn string_value_needs_the_exact_key() {
        assert_eq!(string_value(r#"wasm_bindgen = "0.2.130""#, "wasm_bindgen"), Some("0.2.130"));
        assert_eq!(string_value(r#"wasm_opt="version_132""#, "wasm_opt"), Some("version_132"));
        assert_eq!(string_value(r#"wasm_bindgen_x = "1""#, "wasm_bindgen"), None);
        assert_eq!(string_value("port = 8080", "port"), None);
    }

    fn check(lock: &str, package: &str, expect: &[&str]) {
        assert_eq!(locked_versions(lock, package), expect, "versions of {package}");
    }
}
