//! Identifiers in AWS's formats: request ids (UUID v4), X-Ray trace ids, log stream names.

use rand::Rng;

/// A random request id in UUID v4 form, e.g. `8f5c2c3e-1b7a-4d8e-9a61-0c2f4b7d9e10`.
pub fn request_id() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let h = |r: std::ops::Range<usize>| b[r].iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        h(0..4),
        h(4..6),
        h(6..8),
        h(8..10),
        h(10..16)
    )
}

/// An X-Ray trace header: `Root=1-{epoch s, 8 hex}-{24 hex};Parent={16 hex};Sampled=0`.
pub fn trace_id(epoch_s: u64) -> String {
    let mut rng = rand::rng();
    let a: u64 = rng.random();
    let b: u32 = rng.random();
    let p: u64 = rng.random();
    format!(
        "Root=1-{:08x}-{a:016x}{b:08x};Parent={p:016x};Sampled=0",
        epoch_s as u32
    )
}

/// A log stream name like AWS's: `2026/01/31/[$LATEST]{32 hex}`.
pub fn log_stream_name(epoch_s: u64) -> String {
    let (y, m, d) = civil_from_days((epoch_s / 86_400) as i64);
    let mut rng = rand::rng();
    let a: u64 = rng.random();
    let b: u64 = rng.random();
    format!("{y:04}/{m:02}/{d:02}/[$LATEST]{a:016x}{b:016x}")
}

/// Calendar date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = request_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(id, request_id());
    }

    #[test]
    fn trace_id_has_xray_shape() {
        let t = trace_id(0x5f5e_1000);
        assert!(t.starts_with("Root=1-5f5e1000-"), "{t}");
        let root = t.split(';').next().unwrap();
        assert_eq!(root.len(), "Root=1-".len() + 8 + 1 + 24);
        assert!(t.ends_with(";Sampled=0"));
    }

    #[test]
    fn civil_dates_by_hand() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(31 + 28), (1970, 3, 1));
        // 2000-02-29 is day 11016 (leap day of a 400-year leap year).
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert!(log_stream_name(0).starts_with("1970/01/01/[$LATEST]"));
    }
}
