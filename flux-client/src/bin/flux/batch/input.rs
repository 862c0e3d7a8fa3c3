//! Reading a batch's input file: a regular file only (a FIFO or `/dev/zero` would hang the
//! batch or fill its memory), UTF-8, no line longer than [`MAX_LINE`], each refusal naming the
//! file and the line (exit 2).

use std::io::{BufRead, Read};
use std::path::Path;

use crate::exit::Failure;

/// The longest input line (1 MiB): a generation request is a few hundred bytes.
pub const MAX_LINE: usize = 1 << 20;

pub fn read(path: &Path) -> Result<String, Failure> {
    let refuse = |reason: String| Failure::invalid(format!("{}: {reason}", path.display()));
    // Checked before opening too: opening a FIFO to read waits for a writer.
    let kind = std::fs::metadata(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
    if !kind.is_file() {
        return Err(refuse("is not a regular file".into()));
    }
    let file = std::fs::File::open(path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
    let metadata = file
        .metadata()
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(refuse("is not a regular file".into()));
    }
    let mut reader = std::io::BufReader::new(file);
    let mut bytes = Vec::new();
    for number in 1.. {
        let start = bytes.len();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(|e| refuse(format!("cannot be read: {e}")))?;
        if read == 0 {
            break;
        }
        if bytes.len() - start > MAX_LINE {
            return Err(refuse(format!(
                "line {number} is longer than {} MiB",
                MAX_LINE >> 20
            )));
        }
    }
    String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        refuse(format!("line {line} is not UTF-8 text"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_long_lines_and_bytes_that_are_not_utf8_are_refused_by_line() {
        let err = read(Path::new("/dev/zero")).unwrap_err();
        assert!(
            err.message.contains("not a regular file"),
            "{}",
            err.message
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        let long = format!("{{}}\n{}\n", "x".repeat(MAX_LINE + 1));
        std::fs::write(&path, long).unwrap();
        let err = read(&path).unwrap_err();
        assert!(err.message.contains("line 2 is longer"), "{}", err.message);
        std::fs::write(&path, b"{}\n{}\n\"\xff\"\n").unwrap();
        let err = read(&path).unwrap_err();
        assert!(
            err.message.contains("line 3 is not UTF-8"),
            "{}",
            err.message
        );
        std::fs::write(&path, "{}\n{\"prompt\": \"caf\u{e9}\"}").unwrap();
        assert_eq!(read(&path).unwrap(), "{}\n{\"prompt\": \"caf\u{e9}\"}");
    }
}
