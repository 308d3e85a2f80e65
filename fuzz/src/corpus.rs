//! The corpus on disk: `fuzz/corpus/<target>/<fnv64 of the bytes>.bin`, one input per file,
//! committed in the repository so every run (and CI's short pass) starts from what earlier
//! runs found.

use std::path::{Path, PathBuf};

/// The corpus folder of the repository (`fuzz/corpus`).
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// FNV-1a, 64 bits: a stable file name for an input.
pub fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Every input of `target` under `dir`, in file-name order (empty if there is none).
pub fn load(dir: &Path, target: &str) -> std::io::Result<Vec<Vec<u8>>> {
    let folder = dir.join(target);
    if !folder.exists() {
        return Ok(Vec::new());
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(&folder)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    names.sort();
    names.iter().map(std::fs::read).collect()
}

/// Writes `input` into `target`'s folder under `dir`; returns its path.
pub fn save(dir: &Path, target: &str, input: &[u8]) -> std::io::Result<PathBuf> {
    let folder = dir.join(target);
    std::fs::create_dir_all(&folder)?;
    let path = folder.join(format!("{:016x}.bin", fnv64(input)));
    std::fs::write(&path, input)?;
    Ok(path)
}
