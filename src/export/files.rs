//! Where export files go and what they are called. An existing file is never overwritten: a
//! generated name gets a `-2`, `-3`… suffix, and an explicit path that exists is refused
//! with a message naming it. Files are created with `create_new`, so even a race with
//! another writer cannot clobber anything.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::{ExportError, FileFormat};

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Full paths of the files written (one workbook, or one CSV per table).
    pub paths: Vec<PathBuf>,
    /// Data rows written, all tables together.
    pub rows: u64,
    /// Money cells no Excel number carries exactly (possible beyond 15 significant digits),
    /// written as text instead of being rounded. Zero for anything GSTN sends today.
    pub money_as_text: u64,
}

/// Where an export goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutTarget {
    /// `--out`: an existing folder (a generated name goes inside it) or the exact path to
    /// create (a file, or a folder for a set of CSV files).
    pub out: Option<PathBuf>,
    /// The configured downloads folder, used when `out` is `None`.
    pub downloads_dir: PathBuf,
    /// Generated name without extension, from [`stem`].
    pub stem: String,
}

/// `ims-27AAPFU0939F1ZV-2025-10-20261123-140455`: what, whose, which period, when.
pub fn stem(kind: &str, gstin: &str, period: &str, at: NaiveDateTime) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .collect()
    };
    format!(
        "{}-{}-{}-{}",
        clean(kind),
        clean(gstin),
        clean(period),
        at.format("%Y%m%d-%H%M%S")
    )
}

/// A file name for table `i` of a CSV set: its name, safe on every platform.
pub fn clean_stem(name: &str, i: usize) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { format!("table-{}", i + 1) } else { s }
}

/// Creates `path`, failing (with the path in the message) if anything is already there.
pub fn create_new(path: &Path) -> Result<File, ExportError> {
    OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ExportError(format!(
                "{} already exists; not overwritten (choose another --out or move the file)",
                path.display()
            ))
        } else {
            ExportError::io(format!("creating {}", path.display()), e)
        }
    })
}

/// Runs a write; on failure removes the half-written file so no broken file is left behind.
pub fn cleanup_on_error<T>(path: &Path, f: impl FnOnce() -> Result<T, ExportError>) -> Result<T, ExportError> {
    let r = f();
    if r.is_err() {
        let _ = std::fs::remove_file(path);
    }
    r
}

fn ensure_dir(dir: &Path) -> Result<(), ExportError> {
    std::fs::create_dir_all(dir).map_err(|e| ExportError::io(format!("creating folder {}", dir.display()), e))
}

impl OutTarget {
    pub fn new(out: Option<PathBuf>, downloads_dir: PathBuf, stem: String) -> Self {
        OutTarget {
            out,
            downloads_dir,
            stem,
        }
    }

    /// Creates the output file: `<dir>/<stem>.<ext>` (or `<stem>-2.<ext>`…) in the downloads
    /// folder or an existing `--out` folder, else exactly `--out`.
    pub fn create_file(&self, format: FileFormat) -> Result<(File, PathBuf), ExportError> {
        let ext = format.ext();
        let dir = match &self.out {
            Some(p) if p.is_dir() => p.clone(),
            Some(p) => {
                let matches = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case(ext));
                if !matches {
                    return Err(ExportError(format!(
                        "--out {}: a {} file should end in .{ext} (or give a folder)",
                        p.display(),
                        ext.to_uppercase()
                    )));
                }
                if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    ensure_dir(parent)?;
                }
                return Ok((create_new(p)?, p.clone()));
            }
            None => {
                ensure_dir(&self.downloads_dir)?;
                self.downloads_dir.clone()
            }
        };
        for n in 1..=1000 {
            let name = if n == 1 {
                format!("{}.{ext}", self.stem)
            } else {
                format!("{}-{n}.{ext}", self.stem)
            };
            let path = dir.join(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => return Ok((f, path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(ExportError::io(format!("creating {}", path.display()), e)),
            }
        }
        Err(ExportError(format!(
            "{}: 1000 files named {}* already exist",
            dir.display(),
            self.stem
        )))
    }

    /// Creates a new, empty folder for a set of CSV files: `<stem>` (or `<stem>-2`…) inside
    /// the downloads folder or an existing `--out` folder, else exactly `--out`.
    pub fn create_dir(&self) -> Result<PathBuf, ExportError> {
        let parent = match &self.out {
            Some(p) if p.is_dir() => p.clone(),
            Some(p) if p.exists() => {
                return Err(ExportError(format!(
                    "--out {} is a file; CSV sets need a folder",
                    p.display()
                )));
            }
            Some(p) => {
                if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    ensure_dir(parent)?;
                }
                std::fs::create_dir(p).map_err(|e| ExportError::io(format!("creating folder {}", p.display()), e))?;
                return Ok(p.clone());
            }
            None => {
                ensure_dir(&self.downloads_dir)?;
                self.downloads_dir.clone()
            }
        };
        for n in 1..=1000 {
            let name = if n == 1 {
                self.stem.clone()
            } else {
                format!("{}-{n}", self.stem)
            };
            let path = parent.join(name);
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(ExportError::io(format!("creating folder {}", path.display()), e)),
            }
        }
        Err(ExportError(format!(
            "{}: 1000 folders named {}* already exist",
            parent.display(),
            self.stem
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(14, 4, 55)
            .unwrap()
    }

    #[test]
    fn names_carry_gstin_period_and_time() {
        assert_eq!(
            stem("ims", "27AAPFU0939F1ZV", "2025-10", at()),
            "ims-27AAPFU0939F1ZV-2025-10-20261123-140455"
        );
        assert_eq!(
            stem("ledger cash", "X/Y", "01/04", at()),
            "ledger-cash-X-Y-01-04-20261123-140455"
        );
        assert_eq!(clean_stem("B2B", 0), "B2B");
        assert_eq!(clean_stem("Tax by action", 0), "Tax-by-action");
        assert_eq!(clean_stem("::", 2), "table-3");
    }

    #[test]
    fn generated_names_never_overwrite() {
        let d = tempfile::tempdir().unwrap();
        let t = OutTarget::new(None, d.path().join("dl"), "a".into());
        let (_, p1) = t.create_file(FileFormat::Csv).unwrap();
        std::fs::write(&p1, "keep").unwrap();
        let (_, p2) = t.create_file(FileFormat::Csv).unwrap();
        assert_eq!(p1, d.path().join("dl/a.csv"));
        assert_eq!(p2, d.path().join("dl/a-2.csv"));
        assert_eq!(std::fs::read_to_string(&p1).unwrap(), "keep");
        // An existing folder as --out gets a generated name inside it.
        let t = OutTarget::new(Some(d.path().join("dl")), d.path().into(), "a".into());
        assert_eq!(t.create_file(FileFormat::Csv).unwrap().1, d.path().join("dl/a-3.csv"));
        let dir1 = t.create_dir().unwrap();
        let dir2 = t.create_dir().unwrap();
        assert_eq!(dir1, d.path().join("dl/a"));
        assert_eq!(dir2, d.path().join("dl/a-2"));
    }

    #[test]
    fn explicit_existing_path_is_refused_by_name() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.xlsx");
        std::fs::write(&p, "old").unwrap();
        let t = OutTarget::new(Some(p.clone()), d.path().into(), "s".into());
        let e = t.create_file(FileFormat::Xlsx).unwrap_err().0;
        assert!(
            e.contains(&p.display().to_string()) && e.contains("not overwritten"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        let e = OutTarget::new(Some(d.path().join("y.csv")), d.path().into(), "s".into())
            .create_file(FileFormat::Xlsx)
            .unwrap_err()
            .0;
        assert!(e.contains(".xlsx"), "{e}");
        let e = t.create_dir().unwrap_err().0;
        assert!(e.contains("is a file"), "{e}");
        // A new explicit path is created exactly, parents too.
        let q = d.path().join("sub/new.xlsx");
        let t = OutTarget::new(Some(q.clone()), d.path().into(), "s".into());
        assert_eq!(t.create_file(FileFormat::Xlsx).unwrap().1, q);
    }
}
