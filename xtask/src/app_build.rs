//! The release app in `dist/`, which `cargo xtask test`, the bench and a deployment serve: the
//! sign-in page's wasm first, the signed-in pages' chunks after (ARCHITECTURE.md, "Size").
//!
//! 1. cargo builds the app with its `split` feature, linked with `--emit-relocs`
//!    ([`ReleaseRust`](crate::tools::ReleaseRust): the pinned nightly, with the standard
//!    library compiled in), into `target/release-wasm`;
//! 2. `wasm-split-cli` splits that wasm at the app's split points (`#[lazy]`, `#[lazy_route]`)
//!    into the main module, one wasm per chunk and the loader that fetches them,
//!    `__wasm_split.js`;
//! 3. wasm-bindgen makes the main module's JavaScript glue (`--keep-lld-exports`: the chunks
//!    link against the main module's exports);
//! 4. `wasm-opt -Oz` shrinks the main wasm and every chunk, as Trunk's `data-wasm-opt="z"` did;
//! 5. [`crate::dist`] names every piece after its content, rewrites the names inside the files
//!    that refer to each other, routes the loader's fetches through `public/start.js`, and
//!    writes `dist/index.html` from the repository's `index.html`.
//!
//! Trunk cannot split; it still makes the development build (`cargo xtask demo`) from the same
//! `index.html`, without the `split` feature.
//!
//! Steps 2 to 5 take about a minute on two cores (wasm-opt, on dozens of files) even when
//! nothing changed. So after step 1 (a no-op when the code is unchanged) xtask compares a
//! fingerprint of everything they read and write (paths, sizes, modification times) with the
//! one recorded after the last successful build.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::UNIX_EPOCH;

use crate::Result;
use crate::dist::{self, APP_NAME, LOADER, Pieces, TrunkLink};
use crate::process::{self, run};
use crate::tools::Tools;

/// Builds the release app into `root/dist` unless it is already built from the current files.
pub fn build(root: &Path, tools: &Tools) -> Result {
    let target_root = crate::target_dir(root);
    let rust = &tools.release_rust;
    run(&mut rust.build_command(root, &target_root))?;
    let wasm = rust.target_dir(&target_root).join(format!("wasm32-unknown-unknown/release/{APP_NAME}.wasm"));
    let template = read_text(&root.join("index.html"))?;
    let links = dist::trunk_links(&template)?;

    let stamp = target_root.join("herald/release-build.stamp");
    if fs::read_to_string(&stamp).ok() == Some(fingerprint(root, tools, &wasm, &links)?) {
        println!("xtask: dist/ is already built from these files; not splitting and bundling again");
        return Ok(());
    }
    let work = target_root.join("herald/release-build");
    let pieces = split_bindgen_opt(tools, &wasm, &work)?;
    write_dist(root, &template, &links, pieces, &work)?;
    let parent = stamp.parent().expect("the stamp is in a folder");
    fs::create_dir_all(parent).map_err(|error| format!("{}: {error}", parent.display()))?;
    fs::write(&stamp, fingerprint(root, tools, &wasm, &links)?)
        .map_err(|error| format!("{}: {error}", stamp.display()))
}

/// Steps 2 to 4 in `work`, emptied first; the pieces [`crate::dist`] names, except the files
/// index.html links, which [`write_dist`] adds.
fn split_bindgen_opt(tools: &Tools, wasm: &Path, work: &Path) -> Result<Pieces> {
    let _ = fs::remove_dir_all(work);
    let (split, bindgen, opt) = (work.join("split"), work.join("bindgen"), work.join("opt"));
    for dir in [&split, &bindgen, &opt] {
        fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    }
    // The main module goes to split/herald.wasm, the chunks and the loader beside it; the
    // loader imports `initSync` from "./herald.js", the glue wasm-bindgen writes next.
    run(Command::new(&tools.wasm_split).arg(wasm).arg(&split).args([
        "--out-name",
        APP_NAME,
        "--target",
        "web",
    ]))?;
    let main_module = split.join(format!("{APP_NAME}.wasm"));
    run(Command::new(tools.wasm_bindgen())
        .args([
            "--target",
            "web",
            "--keep-lld-exports",
            "--no-demangle",
            "--no-typescript",
            "--out-name",
            APP_NAME,
        ])
        .arg("--out-dir")
        .arg(&bindgen)
        .arg(&main_module))?;

    let mut chunk_names = Vec::new();
    for entry in fs::read_dir(&split).map_err(|error| format!("{}: {error}", split.display()))? {
        let name = entry.map_err(|error| format!("{}: {error}", split.display()))?.file_name();
        let name = name.to_string_lossy().into_owned();
        if name.ends_with(".wasm") && name != format!("{APP_NAME}.wasm") {
            chunk_names.push(name);
        }
    }
    chunk_names.sort();
    // The main wasm first: it takes longest.
    let main_wasm = format!("{APP_NAME}_bg.wasm");
    let jobs: Vec<(PathBuf, PathBuf)> = std::iter::once((bindgen.join(&main_wasm), opt.join(&main_wasm)))
        .chain(chunk_names.iter().map(|name| (split.join(name), opt.join(name))))
        .collect();
    optimise(&tools.wasm_opt(), &jobs)?;
    let main_wasm = read(&opt.join(&main_wasm))?;
    let mut chunks = Vec::new();
    for name in chunk_names {
        let bytes = read(&opt.join(&name))?;
        chunks.push((name, bytes));
    }
    Ok(Pieces {
        glue: read_text(&bindgen.join(format!("{APP_NAME}.js")))?,
        main_wasm,
        loader: read_text(&split.join(LOADER))?,
        chunks,
        stylesheets: Vec::new(),
        start_js: Vec::new(),
    })
}

/// `wasm-opt -Oz INPUT -o OUTPUT` for each pair, as many at a time as there are cores (a split
/// app has dozens of chunks). Its output is shown only when it fails: it warns about every
/// chunk's name section, harmlessly.
fn optimise(wasm_opt: &Path, jobs: &[(PathBuf, PathBuf)]) -> Result {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(jobs.len()).max(1);
    // The level Trunk ran for `data-wasm-opt="z"`, with no other flag, as it did.
    println!(
        "$ {} -Oz INPUT -o OUTPUT, for the main wasm and {} chunks, {threads} at a time",
        wasm_opt.display(),
        jobs.len() - 1
    );
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result {
                    while let Some((input, output)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let mut command = Command::new(wasm_opt);
                        command.arg("-Oz").arg(input).arg("-o").arg(output);
                        let shown = process::display(&command);
                        let done = command
                            .output()
                            .map_err(|error| format!("could not start `{shown}`: {error}"))?;
                        if !done.status.success() {
                            return Err(format!(
                                "`{shown}` failed ({}):\n{}{}",
                                done.status,
                                String::from_utf8_lossy(&done.stdout),
                                String::from_utf8_lossy(&done.stderr)
                            ));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| worker.join().unwrap_or_else(|_| Err("a wasm-opt thread panicked".into())))
    })
}

/// Step 5: `dist/`, emptied first, from the pieces and the files index.html links.
fn write_dist(root: &Path, template: &str, links: &[TrunkLink], mut pieces: Pieces, work: &Path) -> Result {
    let mut copies = Vec::new();
    for link in links {
        match link {
            TrunkLink::Rust => {}
            TrunkLink::Css(href) => pieces.stylesheets.push((href.clone(), read(&root.join(href))?)),
            TrunkLink::StartScript(href) => pieces.start_js = read(&root.join(href))?,
            TrunkLink::CopyFile(href) => {
                copies.push((dist::file_name(href).to_owned(), read(&root.join(href))?))
            }
        }
    }
    if pieces.start_js.is_empty() {
        return Err("index.html copies no start.js (`<link data-trunk rel=\"copy-file\" href=\"public/start.js\" />`), \
                    and nothing else can start the app under its Content-Security-Policy"
            .into());
    }
    let assembled = dist::assemble(pieces, &dist::NEEDED_FIRST)?;
    let index = dist::render_index(template, &assembled.page)?;

    let dist = root.join("dist");
    let _ = fs::remove_dir_all(&dist);
    fs::create_dir_all(&dist).map_err(|error| format!("{}: {error}", dist.display()))?;
    let files =
        assembled.files.into_iter().chain(copies).chain([("index.html".to_owned(), index.into_bytes())]);
    for (name, bytes) in files {
        let path = dist.join(name);
        fs::write(&path, bytes).map_err(|error| format!("{}: {error}", path.display()))?;
    }
    // JavaScript the app's crates bring (`#[wasm_bindgen(module = ...)]`, `inline_js`), which
    // the glue imports by these names.
    let snippets = work.join("bindgen/snippets");
    if snippets.is_dir() {
        copy_dir(&snippets, &dist.join("snippets"))?;
    }
    Ok(())
}

/// One line per file the build reads or writes: the wasm cargo built, the tools that process
/// it and xtask itself, index.html and the files it links (a stylesheet's whole folder, as it
/// may import its neighbours), and everything in dist/.
fn fingerprint(root: &Path, tools: &Tools, wasm: &Path, links: &[TrunkLink]) -> Result<String> {
    let mut files =
        vec![root.join("index.html"), wasm.to_path_buf(), tools.wasm_split.clone(), tools.wasm_bindgen()];
    files.push(tools.wasm_opt());
    files.extend(std::env::current_exe().ok());
    for link in links {
        match link {
            TrunkLink::Rust => {}
            TrunkLink::Css(href) => {
                match Path::new(href).parent().filter(|folder| !folder.as_os_str().is_empty()) {
                    Some(folder) => collect_files(&root.join(folder), true, &mut files),
                    None => files.push(root.join(href)),
                }
            }
            TrunkLink::StartScript(href) | TrunkLink::CopyFile(href) => files.push(root.join(href)),
        }
    }
    collect_files(&root.join("dist"), true, &mut files);

    files.sort();
    files.dedup();
    let mut lines = String::new();
    for file in files {
        let (size, modified) = fs::metadata(&file)
            .ok()
            .map(|metadata| {
                let modified = metadata.modified().ok().and_then(|time| time.duration_since(UNIX_EPOCH).ok());
                (metadata.len(), modified.map_or(0, |since| since.as_nanos()))
            })
            .unwrap_or_default();
        lines.push_str(&format!("{}\t{size}\t{modified}\n", file.display()));
    }
    Ok(lines)
}

/// The files in `dir` (and, if `recursive`, its subfolders); nothing if it does not exist.
fn collect_files(dir: &Path, recursive: bool, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() && recursive => collect_files(&path, true, files),
            Ok(kind) if kind.is_file() => files.push(path),
            _ => {}
        }
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let mut files = Vec::new();
    collect_files(from, true, &mut files);
    for file in files {
        let target = to.join(file.strip_prefix(from).expect("collected under `from`"));
        let parent = target.parent().expect("a file is in a folder");
        fs::create_dir_all(parent).map_err(|error| format!("{}: {error}", parent.display()))?;
        fs::copy(&file, &target)
            .map_err(|error| format!("{} → {}: {error}", file.display(), target.display()))?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|error| format!("{}: {error}", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))
}
