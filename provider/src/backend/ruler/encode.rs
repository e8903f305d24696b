//! Small encoders the ruler client needs: path segments, basic-auth values, and quoting a
//! server's answer in an error message.

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, so `/`, `:`, spaces and non-ASCII letters in
/// namespace and group names reach the ruler as one segment it decodes back.
pub fn path_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Standard base64 (RFC 4648, with padding), for `Authorization: Basic`.
pub fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(ALPHABET[(n >> 18) as usize & 63] as char);
        out.push(ALPHABET[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Decodes what [`base64`] encoded; `None` for anything that is not padded standard base64.
pub fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = input.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i + 1 == bytes.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Some(out)
}

/// How much of a server's answer an error message quotes.
pub const MAX_QUOTED_BODY: usize = 500;

/// A server's answer as an error message quotes it: trimmed, control characters as spaces,
/// at most [`MAX_QUOTED_BODY`] bytes (cut at a character boundary, `…` appended), and every
/// occurrence of a `secrets` value replaced by `<redacted>` (a proxy that echoes the request
/// must not leak the password into Terraform's output).
pub fn quote_body(body: &str, secrets: &[&str]) -> String {
    let mut text: String = body
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(s, "<redacted>");
    }
    if text.len() > MAX_QUOTED_BODY {
        let mut cut = MAX_QUOTED_BODY;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    if text.is_empty() {
        "(empty answer)".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_keep_unreserved_and_escape_the_rest() {
        assert_eq!(path_segment("reliability"), "reliability");
        assert_eq!(
            path_segment("slo:checkout-availability"),
            "slo%3Acheckout-availability"
        );
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(path_segment("100%"), "100%25");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert_eq!(path_segment("x.y_z~"), "x.y_z~");
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("user:pa ss", "dXNlcjpwYSBzcw=="),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
            assert_eq!(
                base64_decode(want).as_deref(),
                Some(input.as_bytes()),
                "{want:?}"
            );
        }
        for bad in ["Zg=", "Zg==Zg==", "Z===", "Zm9v!A==", "é"] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn quoted_bodies_are_bounded_trimmed_and_redacted() {
        assert_eq!(quote_body("  no org id\n", &[]), "no org id");
        assert_eq!(quote_body("", &[]), "(empty answer)");
        assert_eq!(
            quote_body("echo: Bearer s3cret\r\n", &["s3cret", ""]),
            "echo: Bearer <redacted>"
        );
        let long = "é".repeat(400);
        let q = quote_body(&long, &[]);
        assert!(q.len() <= MAX_QUOTED_BODY + '…'.len_utf8());
        assert!(q.ends_with('…'));
    }
}
