//! Writing files so that nothing is lost, whatever happens.
//!
//! - Every file goes to a temporary file in the same folder first; keys are mode 0600 from the
//!   moment they exist; an existing file is replaced only when the caller says so.
//! - A folder that several processes change (the workspace) is changed under an advisory lock
//!   ([`DirLock`]); a second process waits briefly, then says who holds it.
//! - A change of several files is committed through a journal ([`commit`]): the temporary files
//!   and a journal naming each rename are made durable first, then the renames happen, the
//!   manifest last. A process killed at any point leaves either the old state or a journal that
//!   the next locked change ([`recover`]) completes; temporary files of a change that never got
//!   its journal are removed then.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What can go wrong writing files: each variant a sentence a user can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    #[error("{} already exists; nothing was written", path.display())]
    FileExists { path: PathBuf },

    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the workspace {} is being changed by another certbench ({}); waited {} s: try again when it has finished",
        dir.display(), crate::text::display_safe(if holder.is_empty() { "it did not say which" } else { holder }, 200), waited.as_secs()
    )]
    Busy {
        dir: PathBuf,
        /// What the other process wrote into the lock file: its pid and command line.
        holder: String,
        waited: std::time::Duration,
    },

    #[error(
        "{} appeared while certbench was writing (another program made it): it was kept, and certbench's new file was not put in its place",
        path.display()
    )]
    ChangedMeanwhile { path: PathBuf },
}

pub type Result<T, E = FsError> = std::result::Result<T, E>;

impl FsError {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FsError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Temporary files are `.certbench-XXXXXX.tmp`: hidden, and known to [`recover`].
const TMP_PREFIX: &str = ".certbench-";
const TMP_SUFFIX: &str = ".tmp";
/// The lock file of a folder (never removed: removing a lock file races with its next user).
pub const LOCK_FILE: &str = ".certbench.lock";
/// The journal of a change in progress.
pub const JOURNAL_FILE: &str = ".certbench-journal";
/// The first line of a journal, and the last (a journal without it was cut short).
const JOURNAL_HEADER: &str = "certbench journal 1";
const JOURNAL_END: &str = "end";

/// One file to write.
#[derive(Debug, Clone)]
pub struct FileWrite {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    /// Private keys and secrets: mode 0600. Everything else: 0644.
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

/// `base` with `suffix` appended to its last part (the path may not be UTF-8).
pub fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let mut p = base.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// A name no file has yet: `<dir>/<stem>-<time><suffix>` (`<dir>/<time><suffix>` without a
/// stem), then `-2`, `-3`, ... if taken.
pub fn free_path(dir: &Path, stem: &str, suffixes: &[&str], at: time::OffsetDateTime) -> PathBuf {
    let time = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    let stamp = if stem.is_empty() {
        time
    } else {
        format!("{stem}-{time}")
    };
    (1..)
        .map(|n| match n {
            1 => dir.join(&stamp),
            n => dir.join(format!("{stamp}-{n}")),
        })
        .find(|base| {
            suffixes
                .iter()
                .all(|s| fs::symlink_metadata(with_suffix(base, s)).is_err())
        })
        .unwrap_or_else(|| dir.join(stamp))
}

/// The first of `paths` that exists already, if any.
pub fn first_existing<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Option<&'a Path> {
    paths.into_iter().find(|p| fs::symlink_metadata(p).is_ok())
}

/// Write every file, or none when one that is not replaceable exists and `overwrite` is false.
/// All contents are written and flushed to temporary files before the first rename, so a full
/// disk or a failed write leaves the old files as they were. For files in different folders that
/// no other process changes; a folder shared with other processes uses [`commit`].
pub fn write_files(files: &[FileWrite], overwrite: bool) -> Result<()> {
    refuse_existing(files.iter(), overwrite)?;
    let staged = stage(files)?;
    let handles: Vec<(&fs::File, &Path)> = staged
        .iter()
        .map(|(t, f)| (t.as_file(), f.path.as_path()))
        .collect();
    sync_all(&handles)?;
    for (tmp, f) in staged {
        persist(tmp, f, overwrite)?;
    }
    Ok(())
}

fn refuse_existing<'a>(files: impl Iterator<Item = &'a FileWrite>, overwrite: bool) -> Result<()> {
    let protected = files.filter(|f| !f.replaceable).map(|f| f.path.as_path());
    if !overwrite && let Some(p) = first_existing(protected) {
        return Err(FsError::FileExists {
            path: p.to_path_buf(),
        });
    }
    Ok(())
}

/// Every file's contents in a temporary file beside it, not yet flushed to the disk. A temporary
/// file is removed when its handle is dropped, unless it is kept.
fn stage(files: &[FileWrite]) -> Result<Vec<(tempfile::NamedTempFile, &FileWrite)>> {
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let dir = parent_dir(&f.path);
        fs::create_dir_all(dir).map_err(|e| FsError::io("create the folder", dir, e))?;
        // tempfile creates the file with mode 0600, so a key is never readable by others.
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .suffix(TMP_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| FsError::io("create a temporary file in", dir, e))?;
        if !f.private {
            set_mode(tmp.path(), 0o644).map_err(|e| FsError::io("set the mode of", &f.path, e))?;
        }
        tmp.write_all(&f.contents)
            .map_err(|e| FsError::io("write", &f.path, e))?;
        staged.push((tmp, f));
    }
    Ok(staged)
}

/// Flush files to the disk, at once: the file system can commit them together instead of one
/// journal commit (and device flush) per file.
fn sync_all(files: &[(&fs::File, &Path)]) -> Result<()> {
    sync_together(files, None)
}

/// Flush files' data, and a folder (its entries: the files' names) when given, all at once.
fn sync_together(files: &[(&fs::File, &Path)], folder: Option<(&fs::File, &Path)>) -> Result<()> {
    let mut work: Vec<(&fs::File, &Path, bool)> =
        files.iter().map(|(f, p)| (*f, *p, false)).collect();
    work.extend(folder.map(|(f, p)| (f, p, true)));
    let flush = |(f, path, whole): &(&fs::File, &Path, bool)| {
        if *whole { f.sync_all() } else { f.sync_data() }
            .map_err(|e| FsError::io("write", *path, e))
    };
    if work.len() < 2 {
        return work.iter().try_for_each(flush);
    }
    // A few threads: enough for the flushes to overlap, few enough that starting them costs
    // less than the flushes they overlap.
    let sync =
        |group: &[(&fs::File, &Path, bool)]| -> Result<()> { group.iter().try_for_each(flush) };
    let groups: Vec<&[(&fs::File, &Path, bool)]> = work.chunks(work.len().div_ceil(4)).collect();
    std::thread::scope(|scope| {
        let (first, rest) = groups
            .split_first()
            .map_or((&[][..], &[][..]), |(f, r)| (*f, r));
        let handles: Vec<_> = rest.iter().map(|g| scope.spawn(|| sync(g))).collect();
        let mut result = sync(first);
        for h in handles {
            let r = h.join().unwrap_or_else(|_| {
                Err(FsError::io(
                    "write",
                    Path::new("."),
                    std::io::Error::other("a flush failed"),
                ))
            });
            result = result.and(r);
        }
        result
    })
}

fn persist(tmp: tempfile::NamedTempFile, f: &FileWrite, overwrite: bool) -> Result<()> {
    let path = &f.path;
    let result = if overwrite || f.replaceable {
        tmp.persist(path).map(|_| ())
    } else {
        tmp.persist_noclobber(path).map(|_| ())
    };
    result.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            FsError::FileExists { path: path.clone() }
        } else {
            FsError::io("write", path, e.error)
        }
    })
}

/// An advisory lock on a folder, held until dropped (or until the process ends, however it ends).
#[derive(Debug)]
pub struct DirLock {
    dir: PathBuf,
    _file: fs::File,
}

impl DirLock {
    /// How long a second process waits for the first one by default.
    pub const WAIT: Duration = Duration::from_secs(10);

    /// Lock `dir` (made if missing), waiting up to `wait` for another process to let go.
    pub fn acquire(dir: &Path, wait: Duration) -> Result<DirLock> {
        fs::create_dir_all(dir).map_err(|e| FsError::io("create the folder", dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| FsError::io("open the lock file", &path, e))?;
        match wait_for(wait, || file.try_lock(), || notice_wait(dir, wait)) {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = (&file).take(512).read_to_string(&mut holder);
                return Err(FsError::Busy {
                    dir: dir.to_path_buf(),
                    holder: holder.trim().to_string(),
                    waited: wait,
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(FsError::io("lock", &path, e)),
        }
        // Say who holds it, for whoever waits next.
        // (args_os: a folder name need not be UTF-8, and `args` would panic on it.)
        let args: Vec<String> = std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let who = format!("process {} ({})", std::process::id(), args.join(" "));
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(who.chars().take(300).collect::<String>().as_bytes()));
        Ok(DirLock {
            dir: dir.to_path_buf(),
            _file: file,
        })
    }

    /// A shared lock on `dir`, for reading several of its files as one state (a certificate and
    /// its key, say) while no change is under way; changes wait for it to be let go. `None` when
    /// the folder cannot hold a lock file (it does not exist, or cannot be written): the reader
    /// goes on without, as before there was a lock.
    pub fn shared(dir: &Path, wait: Duration) -> Option<DirLock> {
        let path = dir.join(LOCK_FILE);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(dir.is_dir())
            .truncate(false)
            .open(&path)
            .ok()?;
        wait_for(wait, || file.try_lock_shared(), || notice_wait(dir, wait)).ok()?;
        Some(DirLock {
            dir: dir.to_path_buf(),
            _file: file,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Try `lock` until it succeeds, fails otherwise than by another holder, or `wait` has passed;
/// `waiting` is called once, when the first try finds another holder.
fn wait_for(
    wait: Duration,
    mut lock: impl FnMut() -> std::result::Result<(), fs::TryLockError>,
    waiting: impl FnOnce(),
) -> std::result::Result<(), fs::TryLockError> {
    let deadline = Instant::now() + wait;
    let mut waiting = Some(waiting);
    loop {
        match lock() {
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                if let Some(say) = waiting.take() {
                    say();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            done => return done,
        }
    }
}

/// Who is told that a lock is being waited for: the folder, who holds it (as its lock file
/// says), and how long at most the wait is. Set once by the program's edge (the CLI says it on
/// stderr); a library says nothing itself.
pub type LockWaitNotice = fn(dir: &Path, holder: &str, up_to: Duration);

static LOCK_WAIT_NOTICE: std::sync::OnceLock<LockWaitNotice> = std::sync::OnceLock::new();

/// Say when a lock is waited for (see [`LockWaitNotice`]). The first call counts.
pub fn notice_lock_waits(notice: LockWaitNotice) {
    let _ = LOCK_WAIT_NOTICE.set(notice);
}

fn notice_wait(dir: &Path, wait: Duration) {
    if let Some(notice) = LOCK_WAIT_NOTICE.get() {
        // Read apart from the handle that locks (its position is the holder's text's too).
        let holder = fs::read(dir.join(LOCK_FILE)).unwrap_or_default();
        let holder = String::from_utf8_lossy(&holder[..holder.len().min(512)]).into_owned();
        notice(dir, holder.trim(), wait);
    }
}

/// What [`recover`] found of an earlier change that did not finish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Files put in place (or moved aside) from a journal: a change interrupted after its
    /// commit point, finished now.
    pub completed: Vec<PathBuf>,
    /// A journal whose change never reached its commit point (cut short, or its files never
    /// reached the disk whole): undone.
    pub rolled_back: bool,
    /// Temporary files of changes that never committed, removed.
    pub removed_temporary: usize,
}

/// One step of a journal, relative to the locked folder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// Rename a staged temporary file onto its name; without `replace`, only if the name is free.
    /// The file's length and SHA-256 say whether it reached the disk whole.
    Put {
        tmp: String,
        to: String,
        replace: bool,
        len: u64,
        sha256: String,
    },
    /// Move an existing file aside, into a subfolder (of replaced files).
    Move { from: String, to: String },
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::text::hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// Commit a change of several files in the locked folder: `moves` (existing files set aside:
/// relative source and destination) happen first, then `files` are put in place in order (put
/// the manifest last). Without `overwrite`, an existing file that is not replaceable stops it
/// before anything is written.
pub fn commit(
    lock: &DirLock,
    files: &[FileWrite],
    moves: &[(String, String)],
    overwrite: bool,
) -> Result<()> {
    let dir = lock.dir();
    for f in files {
        if parent_dir(&f.path) != dir {
            return Err(FsError::io(
                "write",
                &f.path,
                std::io::Error::other("a journaled file must be in the locked folder"),
            ));
        }
    }
    let moving: Vec<PathBuf> = moves.iter().map(|(from, _)| dir.join(from)).collect();
    refuse_existing(
        files.iter().filter(|f| !moving.contains(&f.path)),
        overwrite,
    )?;
    let staged = stage(files)?;
    let mut steps: Vec<Step> = moves
        .iter()
        .map(|(from, to)| Step::Move {
            from: from.clone(),
            to: to.clone(),
        })
        .collect();
    for (tmp, f) in &staged {
        steps.push(Step::Put {
            tmp: file_name(tmp.path())?,
            to: file_name(&f.path)?,
            replace: overwrite || f.replaceable,
            len: f.contents.len() as u64,
            sha256: sha256_hex(&f.contents),
        });
    }
    let journal = write_journal(dir, &steps)?;
    // The files and the journal reach the disk together, then the journal's name. A journal
    // whose files did not all arrive whole (a power cut in between) is undone by recovery: it
    // checks each file's length and SHA-256.
    let mut handles: Vec<(&fs::File, &Path)> = staged
        .iter()
        .map(|(t, f)| (t.as_file(), f.path.as_path()))
        .collect();
    let journal_path = dir.join(JOURNAL_FILE);
    handles.push((&journal, &journal_path));
    // The folder too (the journal's name), in the same wave.
    let committed = fs::File::open(dir)
        .map_err(|e| FsError::io("write", dir, e))
        .and_then(|folder| sync_together(&handles, cfg!(unix).then_some((&folder, dir))));
    drop(handles);
    if let Err(e) = committed {
        let _ = fs::remove_file(&journal_path);
        return Err(e);
    }
    // The commit point. The temporary files now belong to the journal: a failure from here on
    // leaves them for recovery instead of removing them.
    for (tmp, _) in staged {
        tmp.into_temp_path()
            .keep()
            .map_err(|e| FsError::io("keep a temporary file in", dir, e.error))?;
    }
    // Every step below is repeated by recovery if this process dies part way.
    debug_crash_point("committed");
    let applied = apply(dir, &steps)?;
    finish(dir, &steps)?;
    match applied.conflicts.first() {
        // Only something other than certbench can make a file appear under the lock, after the
        // check above: theirs was kept.
        Some(path) => Err(FsError::ChangedMeanwhile { path: path.clone() }),
        None => Ok(()),
    }
}

/// Complete or undo a change an earlier process left unfinished, and remove temporary files no
/// journal names. Call with the lock held, before reading the folder's state.
pub fn recover(lock: &DirLock) -> Result<Recovery> {
    let dir = lock.dir();
    let mut recovery = Recovery::default();
    let journal = dir.join(JOURNAL_FILE);
    match fs::read_to_string(&journal) {
        Ok(text) => match parse_journal(&text).filter(|steps| files_whole(dir, steps)) {
            Some(steps) => {
                recovery.completed = apply(dir, &steps)?.done;
                finish(dir, &steps)?;
            }
            None => {
                // Cut short, or its files never reached the disk whole: the change never
                // committed, and nothing of it was put in place (that happens only after the
                // files are on the disk).
                fs::remove_file(&journal).map_err(|e| FsError::io("remove", &journal, e))?;
                recovery.rolled_back = true;
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(FsError::io("read", journal, e)),
    }
    // Under the lock, every temporary file left is from a process that is gone.
    let entries = fs::read_dir(dir).map_err(|e| FsError::io("list", dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if is_temporary(&name) {
            let path = entry.path();
            fs::remove_file(&path).map_err(|e| FsError::io("remove", &path, e))?;
            recovery.removed_temporary += 1;
        }
    }
    Ok(recovery)
}

fn is_temporary(name: &str) -> bool {
    name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX) && !name.contains('/')
}

/// Whether every file a journal puts in place is whole, wherever it is now (still staged, or
/// already renamed onto its name).
fn files_whole(dir: &Path, steps: &[Step]) -> bool {
    steps.iter().all(|step| match step {
        Step::Put {
            tmp,
            to,
            len,
            sha256,
            ..
        } => {
            let staged = dir.join(tmp);
            let path = if fs::symlink_metadata(&staged).is_ok() {
                staged
            } else {
                dir.join(to)
            };
            fs::read(&path)
                .is_ok_and(|bytes| bytes.len() as u64 == *len && sha256_hex(&bytes) == *sha256)
        }
        Step::Move { .. } => true,
    })
}

/// The journal, written but not yet flushed.
fn write_journal(dir: &Path, steps: &[Step]) -> Result<fs::File> {
    let mut text = format!("{JOURNAL_HEADER}\n");
    for s in steps {
        match s {
            Step::Put {
                tmp,
                to,
                replace,
                len,
                sha256,
            } => {
                let kind = if *replace { "put" } else { "new" };
                text.push_str(&format!("{kind}\t{tmp}\t{to}\t{len}\t{sha256}\n"));
            }
            Step::Move { from, to } => text.push_str(&format!("move\t{from}\t{to}\n")),
        }
    }
    text.push_str(JOURNAL_END);
    text.push('\n');
    let path = dir.join(JOURNAL_FILE);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| FsError::io("write the journal", &path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| FsError::io("write the journal", &path, e))?;
    Ok(f)
}

/// The steps of a journal, or `None` when it is not whole (cut short, or not one of ours).
/// Every path stays inside the folder; a file put in place comes from a temporary file of its
/// own folder; a file moved aside goes into a subfolder.
fn parse_journal(text: &str) -> Option<Vec<Step>> {
    let mut lines = text.lines();
    if lines.next()? != JOURNAL_HEADER {
        return None;
    }
    let mut steps = Vec::new();
    for line in lines {
        if line == JOURNAL_END {
            return Some(steps);
        }
        let parts: Vec<&str> = line.split('\t').collect();
        let step = match parts.as_slice() {
            [kind @ ("put" | "new"), tmp, to, len, sha256]
                if is_temporary(tmp)
                    && safe_relative(to)
                    && !to.contains('/')
                    && sha256.len() == 64
                    && sha256.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Step::Put {
                    tmp: (*tmp).into(),
                    to: (*to).into(),
                    replace: *kind == "put",
                    len: len.parse().ok()?,
                    sha256: (*sha256).into(),
                }
            }
            ["move", from, to]
                if safe_relative(from)
                    && !from.contains('/')
                    && safe_relative(to)
                    && to.contains('/') =>
            {
                Step::Move {
                    from: (*from).into(),
                    to: (*to).into(),
                }
            }
            _ => return None,
        };
        steps.push(step);
    }
    None
}

/// For the fuzz target: any text, read as a journal, is refused or understood, and an understood
/// journal names only paths inside the folder: files put in place from temporary files beside
/// them, files moved aside into a subfolder.
#[doc(hidden)]
pub fn check_journal_text(text: &str) {
    let Some(steps) = parse_journal(text) else {
        return;
    };
    let plain = |p: &str| {
        Path::new(p)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    for step in steps {
        match &step {
            Step::Put { tmp, to, .. } => {
                assert!(is_temporary(tmp), "{step:?}");
                assert!(
                    plain(to) && Path::new(to).components().count() == 1,
                    "{step:?}"
                );
            }
            Step::Move { from, to } => {
                assert!(
                    plain(from) && Path::new(from).components().count() == 1,
                    "{step:?}"
                );
                assert!(
                    plain(to) && Path::new(to).components().count() >= 2,
                    "{step:?}"
                );
            }
        }
    }
}

/// A relative path that stays inside the folder: plain parts, no `..`, no root.
fn safe_relative(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
}

/// What [`apply`] did: the paths it put in place or moved to, and those it had to leave alone.
struct Applied {
    done: Vec<PathBuf>,
    conflicts: Vec<PathBuf>,
}

/// Do each step whose source is still there (so doing them twice is harmless). A step that would
/// replace a file it must not leaves that file as it is (something other than certbench made it
/// after the change was checked) and is reported.
fn apply(dir: &Path, steps: &[Step]) -> Result<Applied> {
    let mut applied = Applied {
        done: vec![],
        conflicts: vec![],
    };
    for step in steps {
        let (from, to, protect) = match step {
            Step::Put {
                tmp, to, replace, ..
            } => (dir.join(tmp), dir.join(to), !replace),
            Step::Move { from, to } => (dir.join(from), dir.join(to), true),
        };
        if fs::symlink_metadata(&from).is_err() {
            continue; // done before
        }
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| FsError::io("create the folder", parent, e))?;
        }
        if protect && fs::symlink_metadata(&to).is_ok() {
            applied.conflicts.push(to);
            continue;
        }
        fs::rename(&from, &to).map_err(|e| FsError::io("write", &to, e))?;
        applied.done.push(to);
        debug_crash_point("renamed");
    }
    Ok(applied)
}

/// The change is done: its renames reach the disk (the folder, and the folders files were moved
/// into), then the journal goes. Until the journal is gone, recovery can do them again.
fn finish(dir: &Path, steps: &[Step]) -> Result<()> {
    sync_dir(dir)?;
    let mut aside: Vec<PathBuf> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Move { to, .. } => dir.join(to).parent().map(Path::to_path_buf),
            Step::Put { .. } => None,
        })
        .collect();
    aside.dedup();
    for folder in aside {
        sync_dir(&folder)?;
    }
    debug_crash_point("synced");
    let journal = dir.join(JOURNAL_FILE);
    fs::remove_file(&journal).map_err(|e| FsError::io("remove", &journal, e))
}

/// Tests of what a crash leaves: `CERTBENCH_CRASH_AT=NAME` (debug builds only) makes the process
/// abort, as a kill would, at that point of a commit: `committed` (the journal on the disk, no
/// rename yet), `renamed` (after the first rename), `synced` (every rename done, the journal not
/// yet removed).
fn debug_crash_point(name: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("CERTBENCH_CRASH_AT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| FsError::io("write", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(String::from)
        .ok_or_else(|| {
            FsError::io(
                "write",
                path,
                std::io::Error::other("not a plain file name"),
            )
        })
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

/// Where secrets can be appended: a regular file, or a new one in an existing folder. A device
/// or a FIFO is refused (its mode is not certbench's to change, and a FIFO without a reader
/// never takes the write).
pub fn check_secret_path(path: &Path) -> std::result::Result<(), SecretPathError> {
    match fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) if m.is_dir() => Err(SecretPathError::Folder {
            path: path.to_path_buf(),
        }),
        Ok(_) => Err(SecretPathError::NotRegular {
            path: path.to_path_buf(),
        }),
        Err(_) => {
            let folder = parent_dir(path);
            if folder.is_dir() {
                Ok(())
            } else {
                Err(SecretPathError::NoFolder {
                    folder: folder.to_path_buf(),
                })
            }
        }
    }
}

/// Why secrets cannot go to a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretPathError {
    #[error("{} is a folder, not a file", path.display())]
    Folder { path: PathBuf },
    #[error(
        "{} is not a regular file (a device or a FIFO): secrets go to a file of their own",
        path.display()
    )]
    NotRegular { path: PathBuf },
    #[error("the folder {} does not exist", folder.display())]
    NoFolder { folder: PathBuf },
}

/// Append `text` to a file that holds secrets (a key log): made 0600 if new, and an existing one
/// loses its group and other permissions (a key log readable by others gives away every
/// connection it covers). Only a regular file (see [`check_secret_path`]).
pub fn append_secret(path: &Path, text: &str) -> std::io::Result<()> {
    check_secret_path(path).map_err(std::io::Error::other)?;
    let mut f = open_private_append(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_data()
}

/// Open a file of the user's alone for appending (a key log, certbench's own log): made 0600 if
/// new; an existing one loses its group and other permissions; only a regular file (a FIFO in
/// its place is refused, not waited on).
pub fn open_private_append(path: &Path) -> std::io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    make_private(&f)?;
    Ok(f)
}

/// Make an open file readable by its owner alone (mode 0600 on Unix), if it was not: a file that
/// existed before, made by another tool or an older certbench, keeps its mode otherwise.
fn make_private(f: &fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = f.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            f.set_permissions(fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = f;
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
            matches!(err, FsError::FileExists { ref path } if path == &existing),
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != LOCK_FILE)
            .collect();
        v.sort();
        v
    }

    /// A journal's "put" line for `contents`.
    fn put(tmp: &str, to: &str, contents: &str) -> String {
        format!(
            "put\t{tmp}\t{to}\t{}\t{}\n",
            contents.len(),
            sha256_hex(contents.as_bytes())
        )
    }

    #[test]
    fn a_journal_left_by_a_dead_process_is_completed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // What a process killed right after its first rename leaves: one file in place, two
        // staged, the journal.
        fs::write(d.join("a.crt"), "a").unwrap();
        fs::write(d.join(".certbench-2.tmp"), "b").unwrap();
        fs::write(d.join(".certbench-3.tmp"), "manifest").unwrap();
        fs::write(
            d.join(JOURNAL_FILE),
            format!(
                "{JOURNAL_HEADER}\n{}{}{}end\n",
                put(".certbench-1.tmp", "a.crt", "a"),
                put(".certbench-2.tmp", "b.crt", "b"),
                put(".certbench-3.tmp", "m.toml", "manifest")
            ),
        )
        .unwrap();
        let lock = DirLock::acquire(d, Duration::ZERO).unwrap();
        let r = recover(&lock).unwrap();
        assert_eq!(names(d), ["a.crt", "b.crt", "m.toml"]);
        assert_eq!(fs::read_to_string(d.join("m.toml")).unwrap(), "manifest");
        assert!(!r.rolled_back);
        assert_eq!(r.completed.len(), 2, "what was left to do: {r:?}");
    }

    #[test]
    fn a_journal_whose_files_never_reached_the_disk_whole_is_undone() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("old.toml"), "old").unwrap();
        // A power cut: the journal arrived, a staged key did not (empty).
        fs::write(d.join(".certbench-1.tmp"), "").unwrap();
        fs::write(
            d.join(JOURNAL_FILE),
            format!(
                "{JOURNAL_HEADER}\n{}end\n",
                put(".certbench-1.tmp", "new.key", "secret key")
            ),
        )
        .unwrap();
        let lock = DirLock::acquire(d, Duration::ZERO).unwrap();
        let r = recover(&lock).unwrap();
        assert!(r.rolled_back);
        assert_eq!(names(d), ["old.toml"], "no empty key put in place");
    }

    #[test]
    fn a_journal_cut_short_is_undone_with_its_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("old.crt"), "old").unwrap();
        fs::write(d.join(".certbench-1.tmp"), "secret key").unwrap();
        fs::write(
            d.join(JOURNAL_FILE),
            format!(
                "{JOURNAL_HEADER}\n{}",
                put(".certbench-1.tmp", "new.key", "secret key")
            ),
        )
        .unwrap();
        let lock = DirLock::acquire(d, Duration::ZERO).unwrap();
        let r = recover(&lock).unwrap();
        assert_eq!(names(d), ["old.crt"]);
        assert!(r.rolled_back);
        assert_eq!(r.removed_temporary, 1);
    }

    #[test]
    fn a_journal_cannot_reach_outside_its_folder() {
        let hash = sha256_hex(b"");
        for bad in ["../x", "/etc/passwd", "a/../../b", "", "a//b", "sub/x"] {
            let text = format!("{JOURNAL_HEADER}\nput\t.certbench-1.tmp\t{bad}\t0\t{hash}\nend\n");
            assert_eq!(parse_journal(&text), None, "{bad}");
        }
        // Only temporary files are put in place; moves go into a subfolder.
        let text = format!("{JOURNAL_HEADER}\nput\tca.key\tother.key\t0\t{hash}\nend\n");
        assert_eq!(parse_journal(&text), None);
        let text = format!("{JOURNAL_HEADER}\nmove\tca.crt\tca2.crt\nend\n");
        assert_eq!(parse_journal(&text), None);
        let text = format!("{JOURNAL_HEADER}\nmove\tca.crt\treplaced/1/ca.crt\nend\n");
        assert!(parse_journal(&text).is_some());
    }

    #[test]
    fn a_commit_moves_old_files_aside_then_puts_new_ones_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("ca.crt"), "old").unwrap();
        let lock = DirLock::acquire(d, Duration::ZERO).unwrap();
        commit(
            &lock,
            &[
                FileWrite::public(d.join("ca.crt"), "new"),
                FileWrite::replaceable(d.join("m.toml"), "m"),
            ],
            &[("ca.crt".into(), "replaced/1/ca.crt".into())],
            false,
        )
        .unwrap();
        assert_eq!(fs::read_to_string(d.join("ca.crt")).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(d.join("replaced/1/ca.crt")).unwrap(),
            "old"
        );
        assert_eq!(names(d), ["ca.crt", "m.toml", "replaced"]);
    }

    #[test]
    fn a_second_lock_waits_then_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _held = DirLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let e = DirLock::acquire(dir.path(), Duration::from_millis(50)).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&format!("process {}", std::process::id())),
            "{text}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_key_log_readable_by_others_becomes_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.log");
        fs::write(&path, "old\n").unwrap();
        set_mode(&path, 0o644).unwrap();
        append_secret(&path, "CLIENT_RANDOM a b\n").unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "old\nCLIENT_RANDOM a b\n"
        );
    }
}
