//! The release `dist/` from the split build's pieces: content-hashed file names, the references
//! between the files rewritten to those names, and `index.html` from the repository's.
//!
//! Every file whose content can change between builds is named after a hash of it
//! (`herald_bg.<hash>.wasm`), so the server may cache it for good (`static_app.rs`); only
//! `index.html`, `config.json` and the icon keep their names. A name is hashed after the
//! references inside its file were rewritten, so it covers them. The wasm-bindgen glue and the
//! split loader are the one exception that cannot be ordered that way: each imports the other.
//! They share one hash, of both texts with every other reference already rewritten, so a change
//! in either renames both.
//!
//! Everything here is text in, text out, checked strictly: wasm-bindgen's and wasm-split's
//! output is matched exactly, so a new version that writes it differently fails the build
//! with a message instead of leaving a name unrewritten.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use crate::Result;

/// The app's name in the build's files: `herald.js`, `herald_bg.wasm`.
pub const APP_NAME: &str = "herald";
/// The split loader `wasm-split-cli` writes, which the main wasm imports its chunks' loaders from.
pub const LOADER: &str = "__wasm_split.js";

/// What the split, wasm-bindgen and wasm-opt steps made.
pub struct Pieces {
    /// wasm-bindgen's glue, `herald.js`.
    pub glue: String,
    /// The main wasm, `herald_bg.wasm`, after wasm-opt.
    pub main_wasm: Vec<u8>,
    /// `__wasm_split.js`, which fetches the chunks.
    pub loader: String,
    /// Each chunk's file name as the loader names it (`split_x.wasm`, `chunk_0.wasm`), with its
    /// content after wasm-opt.
    pub chunks: Vec<(String, Vec<u8>)>,
    /// Each stylesheet index.html links, by its href, with its content.
    pub stylesheets: Vec<(String, Vec<u8>)>,
    /// `public/start.js`.
    pub start_js: Vec<u8>,
}

/// `dist/`'s files, by name, and what index.html names.
pub struct Dist {
    pub files: Vec<(String, Vec<u8>)>,
    pub page: PageNames,
}

/// The hashed names index.html refers to.
#[derive(Debug, PartialEq, Eq)]
pub struct PageNames {
    pub start_js: String,
    pub glue: String,
    pub main_wasm: String,
    pub loader: String,
    /// In the order the app needs them: see [`load_order`].
    pub chunks: Vec<String>,
    /// Each stylesheet's href in index.html, with its hashed name.
    pub stylesheets: Vec<(String, String)>,
    /// Whether the glue imports the loader: not when the app has no split point.
    pub glue_imports_loader: bool,
}

/// The split modules a signed-in page waits for: `signed_in`, the services, the header and the
/// toaster (`src/services.rs`'s `load` and `src/signed_in.rs`'s `views`: the socket opens once
/// they are in). Their pieces come first in `data-chunks`, so that a reload with a stored
/// session fetches them first. The app names this module itself (`wasm_split(signed_in, …)`):
/// `#[lazy]` would add a hash of where it is written to the name.
pub const NEEDED_FIRST: [&str; 1] = ["signed_in"];

/// Names every piece after its content and rewrites the references between them; the chunks
/// of the split modules `needed_first` names come first in [`PageNames::chunks`].
pub fn assemble(pieces: Pieces, needed_first: &[&str]) -> Result<Dist> {
    let mut files = Vec::new();
    let mut chunk_names = Vec::new();
    for (name, bytes) in pieces.chunks {
        let hashed = hashed_name(&name, &bytes);
        chunk_names.push((name, hashed.clone()));
        files.push((hashed, bytes));
    }
    chunk_names.sort();
    let order = load_order(&pieces.loader, needed_first)?;

    let main_wasm = hashed_name(&format!("{APP_NAME}_bg.wasm"), &pieces.main_wasm);
    files.push((main_wasm.clone(), pieces.main_wasm));

    let glue_file = format!("{APP_NAME}.js");
    let loader = rewrite_loader_chunks(&pieces.loader, &chunk_names)?;
    let glue = rewrite_glue_wasm(&pieces.glue, &format!("{APP_NAME}_bg.wasm"), &main_wasm)?;
    let pair = content_hash(format!("{glue}\0{loader}").as_bytes());
    let glue_name = with_hash(&glue_file, &pair);
    let loader_name = with_hash(LOADER, &pair);
    let loader = replace_once(
        &loader,
        &format!("import {{ initSync }} from \"./{glue_file}\";"),
        &format!("import {{ initSync }} from \"./{glue_name}\";"),
        LOADER,
    )?;
    let (glue, glue_imports_loader) = rewrite_glue_loader(&glue, &loader_name)?;
    files.push((glue_name.clone(), glue.into_bytes()));
    files.push((loader_name.clone(), loader.into_bytes()));

    let mut stylesheets = Vec::new();
    for (href, bytes) in pieces.stylesheets {
        let hashed = hashed_name(file_name(&href), &bytes);
        stylesheets.push((href, hashed.clone()));
        files.push((hashed, bytes));
    }
    let start_js = hashed_name("start.js", &pieces.start_js);
    files.push((start_js.clone(), pieces.start_js));

    let page = PageNames {
        start_js,
        glue: glue_name,
        main_wasm,
        loader: loader_name,
        chunks: order
            .iter()
            .filter_map(|name| chunk_names.iter().find(|(chunk, _)| chunk == name))
            .map(|(_, hashed)| hashed.clone())
            .collect(),
        stylesheets,
        glue_imports_loader,
    };
    Ok(Dist { files, page })
}

/// The loader's chunk files in the order they are needed: for each split module of
/// `needed_first`, the shared chunks it imports (in the loader's order), then its own; then every
/// other chunk, by name. A split module of `needed_first` the loader does not have fails the
/// build: a renamed module would otherwise quietly lose its place.
///
/// wasm-split writes each split module (the split points that name the same module) as
/// `export const __wasm_split_load_<module> = wrapAsyncCb(makeLoad(() => { … new
/// URL("./<file>", … }, [__chunk_<n>, …]));`.
pub fn load_order(loader: &str, needed_first: &[&str]) -> Result<Vec<String>> {
    const EXPORT: &str = "export const __wasm_split_load_";
    let mut modules = Vec::new();
    for part in loader.split(EXPORT).skip(1) {
        // The statement ends with the list of chunks it imports.
        let part = part.split_once("]));").map_or(part, |(statement, _)| statement);
        let module = part.split(" =").next().unwrap_or_default();
        let file =
            part.split_once("new URL(\"./").and_then(|(_, rest)| rest.split_once('"')).map(|(file, _)| file);
        let deps = part
            .rfind('[')
            .map_or("", |start| &part[start + 1..])
            .split(',')
            .filter_map(|dep| dep.trim().strip_prefix("__chunk_"))
            .map(|n| format!("chunk_{n}.wasm"));
        modules.push((module, file, deps.collect::<Vec<_>>()));
    }
    let mut order: Vec<String> = Vec::new();
    for wanted in needed_first {
        let (_, file, deps) = modules.iter().find(|(module, ..)| module == wanted).ok_or_else(|| {
            format!("{LOADER} has no split module `{wanted}`, which xtask/src/dist.rs's NEEDED_FIRST names")
        })?;
        for name in deps.iter().cloned().chain(file.map(str::to_owned)) {
            if !order.contains(&name) {
                order.push(name);
            }
        }
    }
    let mut rest: Vec<String> = loader
        .split("new URL(\"./")
        .skip(1)
        .filter_map(|part| part.split_once('"').map(|(file, _)| file.to_owned()))
        .filter(|file| !order.contains(file))
        .collect();
    rest.sort();
    order.extend(rest);
    Ok(order)
}

/// The first 16 hex digits of the content's SHA-256: 64 bits, plenty to tell builds apart.
/// (`static_app.rs` recognises a hash by a digit among letters; the odds that all 16 are
/// letters are about 1 in 7 million, and such a file would only be revalidated each time.)
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// `name` with the hash of `content` before its extension: `main.css` → `main.<hash>.css`.
pub fn hashed_name(name: &str, content: &[u8]) -> String {
    with_hash(name, &content_hash(content))
}

fn with_hash(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{name}.{hash}"),
    }
}

/// The loader with each chunk's hashed name, fetched through `public/start.js`'s
/// `heraldFetchChunk` (which waits and retries instead of failing) instead of `fetch`.
///
/// wasm-split writes one fetch per chunk, exactly
/// `fetch(new URL("./<chunk>", import.meta.url))`; anything else fails the build, since the
/// loader would then fetch a name that is not in `dist/` or without the retry.
pub fn rewrite_loader_chunks(loader: &str, chunks: &[(String, String)]) -> Result<String> {
    const FETCH: &str = "fetch(new URL(";
    let fetches = loader.matches(FETCH).count();
    if fetches != chunks.len() {
        return Err(format!(
            "{LOADER} has {fetches} `{FETCH}` but wasm-split wrote {} chunks: the split loader is not \
             what xtask/src/dist.rs expects (a new wasm-split-cli?), so the chunks' fetches cannot be \
             renamed and routed through heraldFetchChunk",
            chunks.len()
        ));
    }
    let mut rewritten = loader.to_owned();
    for (name, hashed) in chunks {
        rewritten = replace_once(
            &rewritten,
            &format!("{FETCH}\"./{name}\", import.meta.url))"),
            &format!("globalThis.heraldFetchChunk(new URL(\"./{hashed}\", import.meta.url))"),
            LOADER,
        )?;
    }
    // A chunk's name is never a prefix of another's fetch (they end in `.wasm"`), but the
    // count above and this check together make sure every fetch went through the hook.
    if rewritten.contains(FETCH) {
        return Err(format!("{LOADER} still fetches something other than the chunks after rewriting"));
    }
    Ok(rewritten)
}

/// The glue's default URL of the main wasm (used when `init` is given none; `start.js` always
/// gives one) with its hashed name.
fn rewrite_glue_wasm(glue: &str, wasm: &str, hashed: &str) -> Result<String> {
    replace_once(
        glue,
        &format!("new URL('{wasm}', import.meta.url)"),
        &format!("new URL('{hashed}', import.meta.url)"),
        &format!("{APP_NAME}.js"),
    )
}

/// The glue importing the loader by its hashed name, and whether it imports it at all (a main
/// wasm with no split point imports nothing from it). wasm-bindgen writes one
/// `import * as importN from "./__wasm_split.js"` per function the main wasm imports from it,
/// and puts each in the import object under `"./__wasm_split.js": importN`: only the `import`
/// statements change, as the import object keys the modules by the names the wasm's import
/// section uses.
fn rewrite_glue_loader(glue: &str, loader: &str) -> Result<(String, bool)> {
    let statement = format!(" from \"./{LOADER}\"");
    let statements = glue.matches(&statement).count();
    let keys = glue.matches(&format!("\"./{LOADER}\": import")).count();
    if glue.matches(LOADER).count() != statements + keys || (statements == 0) != (keys == 0) {
        return Err(format!(
            "{APP_NAME}.js names {LOADER} other than in `import * as importN from \"./{LOADER}\"` and \
             `\"./{LOADER}\": importN`: wasm-bindgen's glue is not what xtask/src/dist.rs expects"
        ));
    }
    Ok((glue.replace(&statement, &format!(" from \"./{loader}\"")), statements > 0))
}

/// `text` with `from` replaced by `to`, which must occur exactly once in it.
fn replace_once(text: &str, from: &str, to: &str, file: &str) -> Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        count => Err(format!(
            "{file} has `{from}` {count} times, not once: it is not what xtask/src/dist.rs expects"
        )),
    }
}

/// The `<link data-trunk ...>` elements of the repository's index.html, which Trunk's
/// development build reads, and what the release build makes of each.
#[derive(Debug, PartialEq, Eq)]
pub enum TrunkLink {
    /// `rel="rust"`: the app, started by the start script.
    Rust,
    /// `rel="css"`: a stylesheet, hashed.
    Css(String),
    /// `rel="copy-file"` of `start.js`: the start script, hashed.
    StartScript(String),
    /// Any other `rel="copy-file"`: copied under its own name.
    CopyFile(String),
}

/// Reads index.html's `data-trunk` links, each of which must be a line of its own.
pub fn trunk_links(html: &str) -> Result<Vec<TrunkLink>> {
    html.lines().filter_map(|line| trunk_link(line).transpose()).collect()
}

/// The `data-trunk` link on `line`, if it has one.
fn trunk_link(line: &str) -> Result<Option<TrunkLink>> {
    if !line.contains("data-trunk") {
        return Ok(None);
    }
    let element = line.trim();
    let one_element = element.starts_with("<link ")
        && element.ends_with('>')
        && element.matches('<').count() == 1
        && element.contains(" data-trunk");
    if !one_element {
        return Err(format!(
            "index.html: `{element}` is not one `<link data-trunk ...>` on a line of its own, which \
             is all the release build (xtask/src/dist.rs) reads"
        ));
    }
    let href = || {
        attribute(element, "href")
            .map(str::to_owned)
            .ok_or_else(|| format!("index.html: `{element}` has no href"))
    };
    match attribute(element, "rel") {
        Some("rust") => Ok(Some(TrunkLink::Rust)),
        Some("css") => Ok(Some(TrunkLink::Css(href()?))),
        Some("copy-file") => {
            let href = href()?;
            Ok(Some(if file_name(&href) == "start.js" {
                TrunkLink::StartScript(href)
            } else {
                TrunkLink::CopyFile(href)
            }))
        }
        rel => Err(format!(
            "index.html: the release build (xtask/src/dist.rs) does not know `{element}` (rel {rel:?}); \
             it knows rel=\"rust\", \"css\" and \"copy-file\""
        )),
    }
}

/// The value of `name="..."` in an element.
fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    element[start..].split_once('"').map(|(value, _)| value)
}

/// The last part of a path in an href.
pub fn file_name(href: &str) -> &str {
    href.rsplit('/').next().unwrap_or(href)
}

/// The release `index.html`: the repository's with each `data-trunk` link replaced by what the
/// release build made of it (the start script and its preloads, the hashed stylesheet) or, for
/// copied files, removed. Everything else, the Content-Security-Policy and the config.json
/// preload among it, stays as it is.
pub fn render_index(template: &str, page: &PageNames) -> Result<String> {
    let mut html = String::with_capacity(template.len() + 512);
    let mut started = false;
    for line in template.split_inclusive('\n') {
        let Some(link) = trunk_link(line)? else {
            html.push_str(line);
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        match link {
            TrunkLink::Rust => {
                started = true;
                // Fetched at once rather than when start.js, then the glue, ask for them.
                let mut modules = vec![&page.glue];
                if page.glue_imports_loader {
                    modules.push(&page.loader);
                }
                for module in modules {
                    writeln!(
                        html,
                        r#"{indent}<link rel="modulepreload" href="/{module}" crossorigin="anonymous" />"#
                    )
                    .expect("writing to a String");
                }
                writeln!(
                    html,
                    r#"{indent}<link rel="preload" href="/{}" as="fetch" type="application/wasm" crossorigin="anonymous" />"#,
                    page.main_wasm
                )
                .expect("writing to a String");
                let chunks =
                    page.chunks.iter().map(|chunk| format!("/{chunk}")).collect::<Vec<_>>().join(" ");
                writeln!(
                    html,
                    r#"{indent}<script defer src="/{}" data-js="/{}" data-wasm="/{}" data-chunks="{chunks}"></script>"#,
                    page.start_js, page.glue, page.main_wasm
                )
                .expect("writing to a String");
            }
            TrunkLink::Css(href) => {
                let (_, hashed) =
                    page.stylesheets.iter().find(|(linked, _)| *linked == href).ok_or_else(|| {
                        format!("index.html links the stylesheet {href}, which the build did not read")
                    })?;
                writeln!(html, r#"{indent}<link rel="stylesheet" href="/{hashed}" />"#)
                    .expect("writing to a String");
            }
            TrunkLink::StartScript(_) | TrunkLink::CopyFile(_) => {}
        }
    }
    if !started {
        return Err(
            "index.html has no `<link data-trunk rel=\"rust\" ...>`: nothing says where the app starts"
                .into(),
        );
    }
    Ok(html)
}

#[cfg(test)]
mod tests {
    use crate::dist::{
        PageNames, Pieces, TrunkLink, assemble, content_hash, hashed_name, load_order, render_index,
        rewrite_loader_chunks, trunk_links,
    };

    /// What wasm-split-cli 0.2.4 writes for `--out-name herald --target web` (shortened).
    const LOADER: &str = r#"import { initSync } from "./herald.js";

let sharedImports = undefined;
function getSharedImports() {
    if (sharedImports === undefined) {
        sharedImports = { __wasm_split: {  } };
        const { __indirect_function_table, memory,  } = initSync(undefined, undefined);
        Object.assign(sharedImports.__wasm_split, { __indirect_function_table, memory,  });
    }
    return sharedImports;
}
function makeLoad(fetcher, deps) { /* ... */ }
/* a, b */
const __chunk_1 = makeLoad(() => {
    const src = fetch(new URL("./chunk_1.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_b_17 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_b.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_1]));
export const __wasm_split_load_a_42 = wrapAsyncCb(makeLoad(() => async (_imp) => ({}), [__chunk_1]));
"#;

    /// The parts of wasm-bindgen 0.2.130's `--target web` glue that name other files.
    const GLUE: &str = r#"import * as import1 from "./__wasm_split.js"
import * as import2 from "./__wasm_split.js"

function __wbg_get_imports() {
    return {
        __proto__: null,
        "./herald_bg.js": import0,
        "./__wasm_split.js": import1,
        "./__wasm_split.js": import2,
    };
}
async function __wbg_init(module_or_path) {
    if (typeof module_or_path === 'undefined') {
        module_or_path = new URL('herald_bg.wasm', import.meta.url);
    }
}
export { initSync, __wbg_init as default };
"#;

    fn pieces(loader: &str, glue: &str, chunks: &[(&str, &[u8])]) -> Pieces {
        Pieces {
            glue: glue.to_owned(),
            main_wasm: b"main".to_vec(),
            loader: loader.to_owned(),
            chunks: chunks.iter().map(|(name, bytes)| (name.to_string(), bytes.to_vec())).collect(),
            stylesheets: vec![("style/main.css".into(), b"body {}".to_vec())],
            start_js: b"start".to_vec(),
        }
    }

    #[test]
    fn names_carry_the_hash_of_the_content_before_the_extension() {
        let hash = content_hash(b"abc");
        assert_eq!(hash, "ba7816bf8f01cfea", "the first 16 hex digits of SHA-256");
        assert_eq!(hashed_name("main.css", b"abc"), format!("main.{hash}.css"));
        assert_eq!(hashed_name("herald_bg.wasm", b"abc"), format!("herald_bg.{hash}.wasm"));
        assert_eq!(hashed_name("__wasm_split.js", b"abc"), format!("__wasm_split.{hash}.js"));
        assert_ne!(hashed_name("a.wasm", b"1"), hashed_name("a.wasm", b"2"));
    }

    #[test]
    fn the_loader_fetches_hashed_chunks_through_herald_fetch_chunk() {
        let chunks = [
            ("chunk_1.wasm".to_owned(), "chunk_1.0123456789abcdef.wasm".to_owned()),
            ("split_b.wasm".to_owned(), "split_b.fedcba9876543210.wasm".to_owned()),
        ];
        let rewritten = rewrite_loader_chunks(LOADER, &chunks).unwrap();
        assert!(rewritten.contains(
            r#"const src = globalThis.heraldFetchChunk(new URL("./chunk_1.0123456789abcdef.wasm", import.meta.url));"#
        ));
        assert!(rewritten.contains(
            r#"const src = globalThis.heraldFetchChunk(new URL("./split_b.fedcba9876543210.wasm", import.meta.url));"#
        ));
        assert!(!rewritten.contains("fetch(new URL(") && !rewritten.contains("chunk_1.wasm"));
        // The rest of the text is untouched.
        assert_eq!(rewritten.replace("globalThis.heraldFetchChunk", "fetch").len(), LOADER.len() + 2 * 17);
    }

    #[test]
    fn a_loader_written_otherwise_fails_the_build() {
        let chunk = |name: &str| vec![(name.to_owned(), "x.1.wasm".to_owned())];
        // One chunk too many or too few, or a fetch written differently.
        assert!(rewrite_loader_chunks(LOADER, &chunk("chunk_1.wasm")).is_err());
        let one = LOADER.replace(r#"fetch(new URL("./split_b.wasm", import.meta.url))"#, "other()");
        assert!(rewrite_loader_chunks(&one, &chunk("chunk_1.wasm")).is_ok());
        assert!(rewrite_loader_chunks(&one, &chunk("chunk_9.wasm")).is_err());
        let spaced = one.replace("import.meta.url)", "import.meta.url )");
        let error = rewrite_loader_chunks(&spaced, &chunk("chunk_1.wasm")).unwrap_err();
        assert!(error.contains("__wasm_split.js") && error.contains("not once"), "{error}");
        assert!(rewrite_loader_chunks("fetch('x')", &[]).is_ok(), "only `fetch(new URL(` is the loader's");
    }

    #[test]
    fn the_chunks_a_signed_in_page_waits_for_come_first() {
        let loader = format!(
            "{LOADER}{}",
            r#"const __chunk_2 = makeLoad(() => {
    const src = fetch(new URL("./chunk_2.wasm", import.meta.url));
}
, []);
export const __wasm_split_load_c_99 = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_c.wasm", import.meta.url));
}
, [__chunk_2, __chunk_1]));
"#
        );
        let all = ["chunk_1.wasm", "chunk_2.wasm", "split_b.wasm", "split_c.wasm"];
        assert_eq!(load_order(&loader, &[]).unwrap(), all, "by name when nothing comes first");
        assert_eq!(
            load_order(&loader, &["c_99", "b_17"]).unwrap(),
            ["chunk_2.wasm", "chunk_1.wasm", "split_c.wasm", "split_b.wasm"],
            "each split module after what it imports, each file once"
        );
        assert_eq!(load_order(&loader, &["a_42"]).unwrap(), all, "a split module with no code of its own");
        let error = load_order(&loader, &["signed_in"]).unwrap_err();
        assert!(error.contains("no split module `signed_in`"), "{error}");
        for part in ["b", "b_1"] {
            assert!(load_order(&loader, &[part]).is_err(), "a name is matched whole: {part}");
        }
    }

    #[test]
    fn the_glue_and_the_loader_name_each_other_by_one_shared_hash() {
        let dist =
            assemble(pieces(LOADER, GLUE, &[("chunk_1.wasm", b"one"), ("split_b.wasm", b"bee")]), &["b_17"])
                .unwrap();
        let page = &dist.page;
        let file = |name: &str| {
            let (_, bytes) =
                dist.files.iter().find(|(file, _)| file == name).unwrap_or_else(|| panic!("{name}"));
            String::from_utf8_lossy(bytes).into_owned()
        };
        let hash = page.glue.strip_prefix("herald.").unwrap().strip_suffix(".js").unwrap();
        assert_eq!(page.loader, format!("__wasm_split.{hash}.js"));
        assert_eq!(page.main_wasm, hashed_name("herald_bg.wasm", b"main"));
        assert_eq!(page.chunks, [hashed_name("chunk_1.wasm", b"one"), hashed_name("split_b.wasm", b"bee")]);
        assert_eq!(page.stylesheets, [("style/main.css".to_owned(), hashed_name("main.css", b"body {}"))]);
        assert_eq!(page.start_js, hashed_name("start.js", b"start"));
        assert!(page.glue_imports_loader);

        let glue = file(&page.glue);
        let imports =
            format!("import * as import1 from \"./{0}\"\nimport * as import2 from \"./{0}\"\n", page.loader);
        assert!(glue.starts_with(&imports), "{glue}");
        assert!(glue.contains(r#""./__wasm_split.js": import2,"#), "the wasm's import module keeps its name");
        assert!(glue.contains(&format!("new URL('{}', import.meta.url)", page.main_wasm)));
        let loader = file(&page.loader);
        assert!(loader.starts_with(&format!("import {{ initSync }} from \"./{}\";", page.glue)), "{loader}");
        assert!(loader.contains(&format!("heraldFetchChunk(new URL(\"./{}\"", page.chunks[1])));
        assert_eq!(dist.files.len(), 7, "2 chunks, the main wasm, glue, loader, stylesheet, start.js");

        // A change in a chunk renames the loader that names it, and the glue that imports that.
        let changed =
            assemble(pieces(LOADER, GLUE, &[("chunk_1.wasm", b"two"), ("split_b.wasm", b"bee")]), &["b_17"])
                .unwrap();
        assert_ne!(changed.page.loader, page.loader);
        assert_ne!(changed.page.glue, page.glue);
        assert_eq!(changed.page.main_wasm, page.main_wasm);
    }

    #[test]
    fn an_app_with_no_split_point_still_gets_a_loader() {
        let loader = LOADER.split("/* a, b */").next().unwrap();
        let mut glue = GLUE.to_owned();
        for line in [
            "import * as import1 from \"./__wasm_split.js\"\n",
            "import * as import2 from \"./__wasm_split.js\"\n",
            "        \"./__wasm_split.js\": import1,\n",
            "        \"./__wasm_split.js\": import2,\n",
        ] {
            glue = glue.replace(line, "");
        }
        let dist = assemble(pieces(loader, &glue, &[]), &[]).unwrap();
        assert!(!dist.page.glue_imports_loader);
        assert!(dist.page.chunks.is_empty());
        assert_eq!(dist.files.len(), 5);
        // A glue that names the loader some other way is refused.
        let odd = glue.replace("export {", "import \"./__wasm_split.js\";\nexport {");
        assert!(assemble(pieces(loader, &odd, &[]), &[]).is_err());
    }

    const INDEX: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta http-equiv="Content-Security-Policy" content="script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'" />
    <title>Herald</title>
    <link data-trunk rel="rust" data-wasm-opt="z" />
    <link data-trunk rel="css" href="style/main.css" />
    <link data-trunk rel="copy-file" href="public/config.json" />
    <link rel="preload" href="/config.json" as="fetch" crossorigin="anonymous" />
    <link data-trunk rel="copy-file" href="public/start.js" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
  </head>
  <body></body>
</html>
"#;

    #[test]
    fn index_html_links_become_the_release_files() {
        assert_eq!(
            trunk_links(INDEX).unwrap(),
            [
                TrunkLink::Rust,
                TrunkLink::Css("style/main.css".into()),
                TrunkLink::CopyFile("public/config.json".into()),
                TrunkLink::StartScript("public/start.js".into()),
            ]
        );
        let page = PageNames {
            start_js: "start.s1.js".into(),
            glue: "herald.g1.js".into(),
            main_wasm: "herald_bg.w1.wasm".into(),
            loader: "__wasm_split.g1.js".into(),
            chunks: vec!["chunk_0.c0.wasm".into(), "split_x.c1.wasm".into()],
            stylesheets: vec![("style/main.css".into(), "main.m1.css".into())],
            glue_imports_loader: true,
        };
        let expected = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta http-equiv="Content-Security-Policy" content="script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'" />
    <title>Herald</title>
    <link rel="modulepreload" href="/herald.g1.js" crossorigin="anonymous" />
    <link rel="modulepreload" href="/__wasm_split.g1.js" crossorigin="anonymous" />
    <link rel="preload" href="/herald_bg.w1.wasm" as="fetch" type="application/wasm" crossorigin="anonymous" />
    <script defer src="/start.s1.js" data-js="/herald.g1.js" data-wasm="/herald_bg.w1.wasm" data-chunks="/chunk_0.c0.wasm /split_x.c1.wasm"></script>
    <link rel="stylesheet" href="/main.m1.css" />
    <link rel="preload" href="/config.json" as="fetch" crossorigin="anonymous" />
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
  </head>
  <body></body>
</html>
"#;
        assert_eq!(render_index(INDEX, &page).unwrap(), expected);

        let unsplit = PageNames { chunks: vec![], glue_imports_loader: false, ..page };
        let html = render_index(INDEX, &unsplit).unwrap();
        assert!(html.contains(r#"data-chunks=""></script>"#) && !html.contains("__wasm_split"), "{html}");
    }

    /// The repository's own index.html, which Trunk's development build reads too.
    #[test]
    fn the_repositorys_index_html_is_one_the_release_build_reads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../index.html");
        let html = std::fs::read_to_string(&path).unwrap();
        let links = trunk_links(&html).unwrap();
        assert!(
            links.contains(&TrunkLink::Rust)
                && links.contains(&TrunkLink::StartScript("public/start.js".into()))
        );
    }

    #[test]
    fn index_html_links_the_release_build_cannot_read_fail_it() {
        let bad = |line: &str| INDEX.replace("  <body></body>", &format!("{line}\n  <body></body>"));
        for line in [
            r#"<link data-trunk rel="copy-dir" href="assets" />"#,
            r#"<link data-trunk rel="scss" href="a.scss" />"#,
            r#"<link data-trunk rel="css" />"#,
            r#"<link data-trunk rel="css" href="a.css" /><link rel="icon" href="x" />"#,
            r#"<script data-trunk src="x.js"></script>"#,
        ] {
            assert!(trunk_links(&bad(line)).is_err(), "{line}");
        }
        assert!(
            render_index(
                "<head></head>",
                &PageNames {
                    start_js: String::new(),
                    glue: String::new(),
                    main_wasm: String::new(),
                    loader: String::new(),
                    chunks: vec![],
                    stylesheets: vec![],
                    glue_imports_loader: false,
                }
            )
            .is_err()
        );
    }
}
