//! Building the app into `dist/`, skipping Trunk when nothing it reads or writes has changed.
//!
//! Trunk re-runs wasm-bindgen and wasm-opt on every build, about 10 s, even when cargo has
//! nothing to do. So xtask first runs the cargo build Trunk would run (a no-op when the code is
//! unchanged), then compares a fingerprint of the files Trunk reads and writes (paths, sizes,
//! modification times) with the one recorded after the last successful `trunk build`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::Result;
use crate::process::run;
use crate::tools::Tools;

/// Builds the release app into `root/dist` unless it is already built from the current files.
pub fn build(root: &Path, tools: &Tools) -> Result {
    let target_dir = release_target_dir(root);
    // The same build Trunk runs first, so that a changed crate shows as a changed .wasm below.
    run(tools.release_rust.cargo_command(root, &target_dir).args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--package",
        "herald",
    ]))?;
    let stamp = crate::target_dir(root).join("herald/trunk-build.stamp");
    if fs::read_to_string(&stamp).ok() == Some(fingerprint(root)?) {
        println!("xtask: dist/ is already built from these files; not running trunk");
        return Ok(());
    }
    run(&mut tools.release_trunk_command(root, &target_dir))?;
    let parent = stamp.parent().expect("the stamp is in a folder");
    fs::create_dir_all(parent).map_err(|error| format!("{}: {error}", parent.display()))?;
    fs::write(&stamp, fingerprint(root)?).map_err(|error| format!("{}: {error}", stamp.display()))
}

/// The release build's cargo folder, apart from the other builds' (see `tools::ReleaseRust`).
fn release_target_dir(root: &Path) -> PathBuf {
    crate::target_dir(root).join("release-wasm")
}

/// One line per file Trunk reads or writes: index.html, Trunk.toml, the folders holding the
/// assets index.html links with `data-trunk` (the whole folder, as a stylesheet may import its
/// neighbours; a linked folder itself), the .wasm files cargo built, and everything in dist/.
fn fingerprint(root: &Path) -> Result<String> {
    let index = root.join("index.html");
    let html = fs::read_to_string(&index).map_err(|error| format!("{}: {error}", index.display()))?;
    let mut files = vec![index, root.join("Trunk.toml")];
    for href in trunk_asset_hrefs(&html) {
        let asset = root.join(href);
        let folder = Path::new(href).parent().filter(|folder| !folder.as_os_str().is_empty());
        match folder {
            _ if asset.is_dir() => collect_files(&asset, true, &mut files),
            Some(folder) => collect_files(&root.join(folder), true, &mut files),
            None => files.push(asset),
        }
    }
    let wasm_dir = release_target_dir(root).join("wasm32-unknown-unknown/release");
    let mut built = Vec::new();
    collect_files(&wasm_dir, false, &mut built);
    files.extend(built.into_iter().filter(|file| file.extension().is_some_and(|ext| ext == "wasm")));
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

/// The `href`s of index.html's `<link data-trunk ...>` elements.
fn trunk_asset_hrefs(html: &str) -> Vec<&str> {
    html.split('<')
        .filter(|element| element.starts_with("link") && element.contains("data-trunk"))
        .filter_map(|element| element.split_once("href=\"")?.1.split_once('"').map(|(href, _)| href))
        .collect()
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

#[cfg(test)]
mod tests {
    use crate::app_build::trunk_asset_hrefs;

    #[test]
    fn trunk_asset_hrefs_reads_only_trunk_links() {
        let html = r#"<head>
    <link data-trunk rel="rust" data-wasm-opt="z" />
    <link data-trunk rel="css" href="style/main.css" />
    <link data-trunk rel="copy-file" href="public/config.json" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <link data-trunk rel="copy-dir" href="assets" />
</head>"#;
        assert_eq!(trunk_asset_hrefs(html), ["style/main.css", "public/config.json", "assets"]);
    }
}
