//! Splitting a runtime's output into log lines in linear time, with a cap on a line.
//!
//! Bytes arrive in chunks of any size; each byte is examined once (a scan resumes where the
//! last one stopped), and a line longer than [`MAX_LINE_BYTES`] is cut into pieces of that
//! size, followed by one note saying so, so that a handler that writes without newlines
//! neither costs quadratic time nor makes the harness buffer its whole output.

/// Longest log line kept in one piece, bytes (256 KiB, CloudWatch Logs' classic limit on an
/// event). Longer lines are split.
pub const MAX_LINE_BYTES: usize = 256 * 1024;

/// The note logged after the first piece of a split line.
pub fn split_note(cap: usize) -> String {
    format!("[lamsim] a log line longer than {cap} bytes was split into {cap}-byte lines")
}

/// Splits a byte stream into lines (without their `\n`).
pub(crate) struct LineSplitter {
    buf: Vec<u8>,
    /// How much of `buf` has been searched for a newline already.
    scanned: usize,
    cap: usize,
    /// Whether the line in `buf` has been split already (its note logged).
    splitting: bool,
    /// Bytes examined so far (each once): the work done, for tests.
    pub(crate) examined: u64,
}

impl LineSplitter {
    pub(crate) fn new(cap: usize) -> LineSplitter {
        LineSplitter {
            buf: Vec::new(),
            scanned: 0,
            cap: cap.max(1),
            splitting: false,
            examined: 0,
        }
    }

    /// Takes in `data`, emitting every complete line and every full piece of an over-long one.
    pub(crate) fn push(&mut self, data: &[u8], emit: &mut impl FnMut(&[u8])) {
        self.buf.extend_from_slice(data);
        let mut start = 0;
        let mut pos = self.scanned;
        while pos < self.buf.len() {
            let nl = self.buf[pos..].iter().position(|&b| b == b'\n');
            let end = nl.map_or(self.buf.len(), |i| pos + i);
            self.examined += (end + usize::from(nl.is_some()) - pos) as u64;
            // Pieces of an over-long line before its end (or before what has arrived so far).
            while end - start > self.cap {
                emit(&self.buf[start..start + self.cap]);
                start += self.cap;
                if !self.splitting {
                    self.splitting = true;
                    emit(split_note(self.cap).as_bytes());
                }
            }
            match nl {
                Some(_) => {
                    emit(&self.buf[start..end]);
                    start = end + 1;
                    self.splitting = false;
                    pos = start;
                }
                None => pos = self.buf.len(),
            }
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
    }

    /// Emits what is left (a line without its newline yet).
    pub(crate) fn flush(&mut self, emit: &mut impl FnMut(&[u8])) {
        if !self.buf.is_empty() {
            emit(&self.buf);
            self.buf.clear();
        }
        self.scanned = 0;
        self.splitting = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], cap: usize) -> (Vec<String>, u64) {
        let mut s = LineSplitter::new(cap);
        let mut out = Vec::new();
        for c in chunks {
            s.push(c, &mut |l| {
                out.push(String::from_utf8_lossy(l).into_owned())
            });
        }
        s.flush(&mut |l| out.push(String::from_utf8_lossy(l).into_owned()));
        (out, s.examined)
    }

    #[test]
    fn lines_across_chunks_come_out_whole() {
        let (lines, examined) = split(&[b"ab", b"c\nde", b"\n\nf"], 100);
        assert_eq!(lines, ["abc", "de", "", "f"]);
        assert_eq!(examined, 9, "every byte examined once");
    }

    #[test]
    fn an_over_long_line_is_split_with_one_note() {
        let (lines, _) = split(&[b"0123456789", b"ab\nxy"], 4);
        assert_eq!(
            lines,
            ["0123", &split_note(4), "4567", "89ab", "xy"],
            "pieces of 4, one note, then the rest of the line at its newline"
        );
        // A line of exactly the cap is not split.
        let (lines, _) = split(&[b"0123\n"], 4);
        assert_eq!(lines, ["0123"]);
    }

    #[test]
    fn work_is_linear_in_the_input_for_a_line_without_newline() {
        // 16 MB in 16 KB reads, as the pipe delivers them: each byte examined exactly once
        // (a rescan from the line's start at every read would examine ~8 GB).
        let chunk = vec![b'x'; 16 * 1024];
        for total in [1usize << 20, 16 << 20] {
            let mut s = LineSplitter::new(MAX_LINE_BYTES);
            let mut pieces = 0usize;
            let mut longest = 0usize;
            for _ in 0..total / chunk.len() {
                s.push(&chunk, &mut |l| {
                    pieces += 1;
                    longest = longest.max(l.len());
                });
            }
            assert_eq!(s.examined, total as u64);
            assert_eq!(
                longest, MAX_LINE_BYTES,
                "nothing longer than the cap is emitted"
            );
            assert!(s.buf.len() <= MAX_LINE_BYTES, "buffered: at most one piece");
            // total / cap pieces but the last (kept until more arrives), plus the note.
            assert_eq!(pieces, total / MAX_LINE_BYTES - 1 + 1);
        }
    }
}
