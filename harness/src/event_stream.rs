//! The AWS event-stream encoding (`application/vnd.amazon.eventstream`) in which
//! InvokeWithResponseStream answers: each message is a prelude (total length, headers length,
//! both big-endian `u32`, and the CRC-32 of those 8 bytes), headers (name length `u8`, name,
//! type 7 = string, value length `u16`, value), the payload, and the CRC-32 of all that came
//! before. AWS SDKs (boto3, the JavaScript SDK) check both checksums.
//!
//! The Invoke answer is a sequence of `PayloadChunk` events (the response's bytes, as the
//! function sends them) and one `InvokeComplete` event (`ErrorCode`, `ErrorDetails` and
//! `LogResult` when they apply).

use bytes::{BufMut, Bytes, BytesMut};

/// Header value type of a string.
const STRING: u8 = 7;

/// One message with string `headers` and `payload`.
pub fn message(headers: &[(&str, &str)], payload: &[u8]) -> Bytes {
    let headers_len: usize = headers
        .iter()
        .map(|(k, v)| 1 + k.len() + 1 + 2 + v.len())
        .sum();
    let total = 12 + headers_len + payload.len() + 4;
    let mut b = BytesMut::with_capacity(total);
    b.put_u32(total as u32);
    b.put_u32(headers_len as u32);
    b.put_u32(crc32fast::hash(&b[..8]));
    for (k, v) in headers {
        b.put_u8(k.len() as u8);
        b.put_slice(k.as_bytes());
        b.put_u8(STRING);
        b.put_u16(v.len() as u16);
        b.put_slice(v.as_bytes());
    }
    b.put_slice(payload);
    let crc = crc32fast::hash(&b);
    b.put_u32(crc);
    b.freeze()
}

/// A `PayloadChunk` event carrying `bytes` of the response.
pub fn payload_chunk(bytes: &[u8]) -> Bytes {
    message(
        &[
            (":event-type", "PayloadChunk"),
            (":content-type", "application/octet-stream"),
            (":message-type", "event"),
        ],
        bytes,
    )
}

/// The `InvokeComplete` event: the function's error type and error document when it failed,
/// the base64 log tail when it was asked for (`X-Amz-Log-Type: Tail`).
pub fn invoke_complete(
    error_code: Option<&str>,
    error_details: Option<&str>,
    log_result: Option<&str>,
) -> Bytes {
    let mut body = serde_json::Map::new();
    for (k, v) in [
        ("ErrorCode", error_code),
        ("ErrorDetails", error_details),
        ("LogResult", log_result),
    ] {
        if let Some(v) = v {
            body.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    message(
        &[
            (":event-type", "InvokeComplete"),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        serde_json::Value::Object(body).to_string().as_bytes(),
    )
}

/// A decoded message (tests and clients): its string headers and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Payload.
    pub payload: Bytes,
}

impl Message {
    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes a whole stream of messages, checking both checksums of each.
pub fn decode(mut buf: &[u8]) -> Result<Vec<Message>, String> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        if buf.len() < 16 {
            return Err(format!("{} bytes left, shorter than a message", buf.len()));
        }
        let total = u32::from_be_bytes(buf[0..4].try_into().expect("4 bytes")) as usize;
        let headers_len = u32::from_be_bytes(buf[4..8].try_into().expect("4 bytes")) as usize;
        let prelude_crc = u32::from_be_bytes(buf[8..12].try_into().expect("4 bytes"));
        if crc32fast::hash(&buf[..8]) != prelude_crc {
            return Err("prelude checksum mismatch".to_string());
        }
        if total < 16 + headers_len || buf.len() < total {
            return Err(format!("message of {total} bytes does not fit"));
        }
        let crc = u32::from_be_bytes(buf[total - 4..total].try_into().expect("4 bytes"));
        if crc32fast::hash(&buf[..total - 4]) != crc {
            return Err("message checksum mismatch".to_string());
        }
        let mut h = &buf[12..12 + headers_len];
        let mut headers = Vec::new();
        while !h.is_empty() {
            let n = h[0] as usize;
            let name = String::from_utf8_lossy(&h[1..1 + n]).into_owned();
            if h[1 + n] != STRING {
                return Err(format!("header {name}: type {} is not a string", h[1 + n]));
            }
            let len = u16::from_be_bytes([h[2 + n], h[3 + n]]) as usize;
            let value = String::from_utf8_lossy(&h[4 + n..4 + n + len]).into_owned();
            headers.push((name, value));
            h = &h[4 + n + len..];
        }
        out.push(Message {
            headers,
            payload: Bytes::copy_from_slice(&buf[12 + headers_len..total - 4]),
        });
        buf = &buf[total..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoded test vectors of aws-c-event-stream (AWS's reference implementation; the
    /// `multiple_valid_messages_parse` test): an empty message, a payload without headers, and
    /// the same payload with a `content-type` header.
    #[test]
    fn messages_match_the_reference_implementations_vectors() {
        assert_eq!(
            &message(&[], b"")[..],
            &[
                0, 0, 0, 0x10, 0, 0, 0, 0, 0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98, 0xc8, 0xff
            ]
        );
        let payload = b"{'foo':'bar'}";
        let m = message(&[], payload);
        assert_eq!(
            &m[..12],
            &[0, 0, 0, 0x1d, 0, 0, 0, 0, 0xfd, 0x52, 0x8c, 0x5a]
        );
        assert_eq!(&m[12..25], payload);
        assert_eq!(&m[25..], &[0xc3, 0x65, 0x39, 0x36]);
        let m = message(&[("content-type", "application/json")], payload);
        assert_eq!(
            &m[..13],
            &[0, 0, 0, 0x3d, 0, 0, 0, 0x20, 0x07, 0xfd, 0x83, 0x96, 0x0c]
        );
        assert_eq!(&m[13..25], b"content-type");
        assert_eq!(&m[25..28], &[0x07, 0x00, 0x10]);
        assert_eq!(&m[28..44], b"application/json");
        assert_eq!(&m[44..57], payload);
        assert_eq!(&m[57..59], &[0x8d, 0x9c]);
        assert_eq!(
            decode(&m).unwrap()[0].header("content-type"),
            Some("application/json")
        );
    }

    #[test]
    fn messages_decode_back() {
        let mut s = BytesMut::new();
        s.put_slice(&payload_chunk(b"hello "));
        s.put_slice(&payload_chunk(b"world"));
        s.put_slice(&invoke_complete(None, None, Some("bG9n")));
        let m = decode(&s).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].header(":event-type"), Some("PayloadChunk"));
        assert_eq!(&m[1].payload[..], b"world");
        assert_eq!(m[2].header(":event-type"), Some("InvokeComplete"));
        assert_eq!(&m[2].payload[..], br#"{"LogResult":"bG9n"}"#);
        let mut bad = s.to_vec();
        bad[20] ^= 1;
        assert!(decode(&bad).is_err());
    }
}
