//! Reading the files composegen is given: bounded, and only regular files.
//!
//! Every input (compose files, included and extended files, env files, profiles, values files,
//! `.composegen.yaml`) goes through [`read_input`], so that no input can make composegen hang or
//! read without end: a FIFO is refused instead of blocking (the file is opened non-blocking and
//! checked with `fstat` before the first read), a device such as `/dev/zero` is refused instead
//! of read, and a file larger than [`MAX_INPUT_BYTES`] is refused after reading at most one byte
//! more than the limit. The limit is documented in docs/limits.md.

use std::io::Read;
use std::path::Path;

/// The largest input file composegen reads: 16 MiB. Real compose files are kilobytes (the
/// largest of the shared corpus is under 100 KB); `COMPOSEGEN_MAX_INPUT_BYTES` raises the limit
/// for generated files.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The effective limit: `COMPOSEGEN_MAX_INPUT_BYTES` when set to a number, else
/// [`MAX_INPUT_BYTES`].
pub fn max_input_bytes() -> u64 {
    std::env::var("COMPOSEGEN_MAX_INPUT_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MAX_INPUT_BYTES)
}

fn refuse(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

/// Read a regular file of at most [`max_input_bytes`] bytes.
pub fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        // A FIFO would block the open until a writer appears; non-blocking returns at once.
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO (named pipe)"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        return Err(refuse(format!("it is {what}, not a regular file")));
    }
    let limit = max_input_bytes();
    if meta.len() > limit {
        return Err(refuse(format!(
            "it is {} bytes, over the {limit}-byte input limit (COMPOSEGEN_MAX_INPUT_BYTES raises it)",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The size can change while reading: never read more than the limit allows.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(refuse(format!(
            "it grew over the {limit}-byte input limit while being read"
        )));
    }
    Ok(bytes)
}

/// [`read_input`] as UTF-8 text.
pub fn read_input_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_input(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_and_directories() {
        let e = read_input(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("a device"), "{e}");
        let e = read_input(Path::new("/")).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[test]
    fn reads_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.yaml");
        std::fs::write(&p, "services: {}\n").unwrap();
        assert_eq!(read_input(&p).unwrap(), b"services: {}\n");
    }
}
