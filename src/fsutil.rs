//! Writing files so that nothing is lost: every file goes to a temporary file in the same folder
//! first, then all are renamed into place; keys are mode 0600 from the moment they exist; an
//! existing file is replaced only when the caller says so.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One file to write.
#[derive(Debug, Clone)]
pub struct FileWrite {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    /// Private keys: mode 0600. Everything else: 0644.
    pub private: bool,
    /// Files certbench owns and remakes (the manifest, CRLs): replaced without asking.
    pub replaceable: bool,
}

impl FileWrite {
    pub fn public(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        FileWrite {
            path: path.into(),
            contents: contents.into(),
            private: false,
            replaceable: false,
        }
    }
    pub fn replaceable(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        FileWrite {
            path: path.into(),
            contents: contents.into(),
            private: false,
            replaceable: true,
        }
    }
    pub fn private(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        FileWrite {
            path: path.into(),
            contents: contents.into(),
            private: true,
            replaceable: false,
        }
    }
}

/// The first of `paths` that exists already, if any.
pub fn first_existing<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Option<&'a Path> {
    paths.into_iter().find(|p| fs::symlink_metadata(p).is_ok())
}

/// Write every file, or none when one that is not replaceable exists and `overwrite` is false. All contents are written
/// and flushed to temporary files before the first rename, so a full disk or a failed write leaves
/// the old files as they were.
pub fn write_files(files: &[FileWrite], overwrite: bool) -> Result<()> {
    let protected = files
        .iter()
        .filter(|f| !f.replaceable)
        .map(|f| f.path.as_path());
    if !overwrite && let Some(p) = first_existing(protected) {
        return Err(Error::FileExists {
            path: p.to_path_buf(),
        });
    }
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let dir = parent_dir(&f.path);
        fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
        // tempfile creates the file with mode 0600, so a key is never readable by others.
        let mut tmp = tempfile::Builder::new()
            .prefix(".certbench-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io("create a temporary file in", dir, e))?;
        if !f.private {
            set_mode(tmp.path(), 0o644).map_err(|e| Error::io("set the mode of", &f.path, e))?;
        }
        tmp.write_all(&f.contents)
            .and_then(|()| tmp.as_file().sync_data())
            .map_err(|e| Error::io("write", &f.path, e))?;
        staged.push((tmp, f));
    }
    for (tmp, f) in staged {
        let path = &f.path;
        let result = if overwrite || f.replaceable {
            tmp.persist(path).map(|_| ())
        } else {
            tmp.persist_noclobber(path).map(|_| ())
        };
        result.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::FileExists { path: path.clone() }
            } else {
                Error::io("write", path, e.error)
            }
        })?;
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_written_when_one_file_exists() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("b.crt");
        fs::write(&existing, b"old").unwrap();
        let files = [
            FileWrite::public(dir.path().join("a.crt"), "a"),
            FileWrite::public(&existing, "new"),
        ];
        let err = write_files(&files, false).unwrap_err();
        assert!(
            matches!(err, Error::FileExists { ref path } if path == &existing),
            "{err}"
        );
        assert!(!dir.path().join("a.crt").exists());
        assert_eq!(fs::read(&existing).unwrap(), b"old");
        write_files(&files, true).unwrap();
        assert_eq!(fs::read(&existing).unwrap(), b"new");
    }

    #[test]
    fn a_write_that_fails_part_way_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        // The second file's folder cannot be made: its "parent" is a regular file.
        fs::write(dir.path().join("blocker"), b"").unwrap();
        let files = [
            FileWrite::private(dir.path().join("a.key"), "a"),
            FileWrite::public(dir.path().join("blocker/b.crt"), "b"),
        ];
        let err = write_files(&files, false).unwrap_err();
        assert!(err.to_string().contains("blocker"), "{err}");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["blocker"], "no key, no temporary file");
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_0600_and_certificates_0644() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = [
            FileWrite::private(dir.path().join("k.key"), "k"),
            FileWrite::public(dir.path().join("c.crt"), "c"),
        ];
        write_files(&files, false).unwrap();
        let mode = |p: &str| {
            fs::metadata(dir.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("k.key"), 0o600);
        assert_eq!(mode("c.crt"), 0o644);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
