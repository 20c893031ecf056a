//! The `--out DIR` folder, written so that a failure never leaves it half-written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use lamsim_sim::summary::Summary;

use crate::{Exporter, JsonExporter};

/// Name of the summary in an output folder.
pub const SUMMARY_JSON_FILE: &str = "summary.json";

/// Name of the resolved workload (every default and the seed filled in) in an output folder.
pub const RESOLVED_TOML_FILE: &str = "workload.resolved.toml";

/// Writes the `--out DIR` folder of `lamsim run`: `DIR/summary.json` (exactly what
/// [`Format::Json`](crate::Format::Json) prints) and `DIR/workload.resolved.toml`
/// (`resolved_toml` as given).
///
/// See [`write_dir_files`] for how a failure is kept from leaving a partial folder;
/// `summary.json` is put in place last, so its presence means the folder is complete.
pub fn write_output_dir(dir: &Path, summary: &Summary, resolved_toml: &str) -> io::Result<()> {
    let json = JsonExporter.render(summary);
    write_dir_files(
        dir,
        &[
            (RESOLVED_TOML_FILE, resolved_toml.as_bytes()),
            (SUMMARY_JSON_FILE, json.as_bytes()),
        ],
    )
}

/// Writes `files` (`(file name, contents)`) into the folder `dir`, all or nothing as far as
/// the file system allows:
///
/// - **`dir` does not exist**: its parents are created, the files are written (and synced)
///   into a fresh hidden temporary folder next to it (`.DIR.tmp-…`, same file system), and
///   that folder is renamed to `dir` in one step. On any failure the temporary folder is
///   removed, so `dir` either does not appear or appears complete.
/// - **`dir` is an existing folder** (a re-run with the same `--out`): each file is written
///   (and synced) to a hidden temporary name inside `dir` (`.NAME.tmp-…`); only when all are
///   written are they renamed over their targets, in the order given. A failure while
///   writing removes the temporary files and leaves the previous contents untouched. Other
///   files in `dir` are kept. Renames in one folder do not fail in practice once the files are
///   written; targets that are folders are refused before anything is written.
///
/// Names are relative paths with `/` between parts (`report.html`, `charts/cdf.svg`): no
/// empty part, no `.` or `..`, no absolute path, no `\\`, distinct, and no name may be the
/// folder of another. Subfolders are created as needed (in the temporary folder when `dir` is
/// new; inside `dir` otherwise, and removed again if they were created empty and writing
/// fails). Errors name the path involved. `dir` must not be a file.
pub fn write_dir_files(dir: &Path, files: &[(&str, &[u8])]) -> io::Result<()> {
    for (i, (name, _)) in files.iter().enumerate() {
        let relative = !name.is_empty()
            && !name.contains('\\')
            && name
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..")
            && Path::new(name)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !relative {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "output file name `{name}` must be a relative path without `.` or `..` (e.g. charts/cdf.svg)"
                ),
            ));
        }
        for (other, _) in &files[..i] {
            if other == name {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("output file `{name}` is given twice"),
                ));
            }
            let (a, b) = if other.len() < name.len() {
                (*other, *name)
            } else {
                (*name, *other)
            };
            if b.strip_prefix(a).is_some_and(|rest| rest.starts_with('/')) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("output file `{a}` would be the folder of `{b}`"),
                ));
            }
        }
    }
    if existing_folder(dir)? {
        replace_files_in(dir, files)
    } else {
        create_dir_with(dir, files)
    }
}

/// Whether `dir` is an existing folder (false: it does not exist); an error when it is
/// something else, or cannot be looked at.
fn existing_folder(dir: &Path) -> io::Result<bool> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(true),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{}: exists and is not a folder; choose another --out",
                dir.display()
            ),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(with_path(e, dir)),
    }
}

/// Writes the folder `dir` with `make`, which streams its files into the empty folder it is
/// given (for files too large to hold in memory, such as a synthesized population), all or
/// nothing as [`write_dir_files`]: `make` writes into a fresh hidden temporary folder next to
/// `dir` (`.DIR.tmp-…`, same file system). If it fails, that folder is removed and `dir` is
/// untouched. If it succeeds, the folder is renamed to `dir` when `dir` does not exist, or
/// else each entry it made is renamed over the one of the same name in `dir` (a subfolder
/// replaces the previous one whole); other entries of `dir` are kept.
pub fn write_dir_streamed<E: From<io::Error>>(
    dir: &Path,
    make: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let existing = existing_folder(dir)?;
    let (parent, tmp) = temp_folder_beside(dir)?;
    if let Err(e) = make(&tmp) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let moved = (|| {
        if !existing {
            return fs::rename(&tmp, dir).map_err(|e| with_path(e, dir));
        }
        for entry in fs::read_dir(&tmp).map_err(|e| with_path(e, &tmp))? {
            let entry = entry.map_err(|e| with_path(e, &tmp))?;
            let target = dir.join(entry.file_name());
            if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
                fs::remove_dir_all(&target).map_err(|e| with_path(e, &target))?;
            }
            fs::rename(entry.path(), &target).map_err(|e| with_path(e, &target))?;
        }
        fs::remove_dir(&tmp).map_err(|e| with_path(e, &tmp))
    })();
    if moved.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    sync_dir(&parent);
    sync_dir(dir);
    moved.map_err(E::from)
}

/// A fresh hidden temporary folder next to `dir` (`.DIR.tmp-…`, on the same file system so it
/// can be renamed to `dir`), its parents created: `(parent, temporary folder)`.
fn temp_folder_beside(dir: &Path) -> io::Result<(PathBuf, PathBuf)> {
    let Some(name) = dir.file_name() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a folder name", dir.display()),
        ));
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| with_path(e, &parent))?;
    let tmp = parent.join(temp_name(&name.to_string_lossy()));
    fs::create_dir(&tmp).map_err(|e| with_path(e, &tmp))?;
    Ok((parent, tmp))
}

/// `dir` does not exist: build it beside its final place, then rename it there.
fn create_dir_with(dir: &Path, files: &[(&str, &[u8])]) -> io::Result<()> {
    let (parent, tmp) = temp_folder_beside(dir)?;
    let result = (|| {
        for (file, contents) in files {
            let path = tmp.join(file);
            if let Some(sub) = path.parent() {
                fs::create_dir_all(sub).map_err(|e| with_path(e, sub))?;
            }
            write_new_synced(&path, contents)?;
        }
        fs::rename(&tmp, dir).map_err(|e| with_path(e, dir))
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    } else {
        sync_dir(&parent);
    }
    result
}

/// `dir` exists: write every file to a temporary name, then rename them all into place.
fn replace_files_in(dir: &Path, files: &[(&str, &[u8])]) -> io::Result<()> {
    for (file, _) in files {
        let target = dir.join(file);
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{}: is a folder, cannot write a file there; remove it or choose another --out",
                    target.display()
                ),
            ));
        }
    }
    // Subfolders that do not exist yet, outermost first (removed again on failure).
    let mut created: Vec<PathBuf> = Vec::new();
    let mut written: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    let mut failure = None;
    for (file, contents) in files {
        let target = dir.join(file);
        let folder = target.parent().unwrap_or(dir).to_path_buf();
        if let Err(e) = create_folders(dir, &folder, &mut created) {
            failure = Some(e);
            break;
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = folder.join(temp_name(&name));
        if let Err(e) = write_new_synced(&tmp, contents) {
            let _ = fs::remove_file(&tmp);
            failure = Some(e);
            break;
        }
        written.push((tmp, target));
    }
    if let Some(e) = failure {
        for (tmp, _) in &written {
            let _ = fs::remove_file(tmp);
        }
        for folder in created.iter().rev() {
            let _ = fs::remove_dir(folder);
        }
        return Err(e);
    }
    let mut result = Ok(());
    for (tmp, target) in &written {
        if result.is_ok() {
            result = fs::rename(tmp, target).map_err(|e| with_path(e, target));
        }
        if result.is_err() {
            let _ = fs::remove_file(tmp);
        }
    }
    for folder in written.iter().filter_map(|(_, t)| t.parent()) {
        sync_dir(folder);
    }
    sync_dir(dir);
    result
}

/// Creates `folder` (inside `dir`) and its missing parents, recording each one created.
fn create_folders(dir: &Path, folder: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut f = folder;
    while f != dir && fs::symlink_metadata(f).is_err() {
        missing.push(f.to_path_buf());
        match f.parent() {
            Some(p) => f = p,
            None => break,
        }
    }
    for m in missing.into_iter().rev() {
        fs::create_dir(&m).map_err(|e| with_path(e, &m))?;
        created.push(m);
    }
    Ok(())
}

/// Creates `path` (which must not exist), writes `contents` and syncs it to disk.
fn write_new_synced(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| with_path(e, path))?;
    f.write_all(contents).map_err(|e| with_path(e, path))?;
    f.sync_all().map_err(|e| with_path(e, path))
}

/// Best effort: persist the renames in `dir` (not supported on every platform).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `.NAME.tmp-PID-N`: hidden, and unique within this process and across processes.
fn temp_name(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{name}.tmp-{}-{n}", std::process::id())
}

/// Prefixes an error with the path it concerns.
fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
