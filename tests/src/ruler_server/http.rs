//! Just enough HTTP/1.1 for the stand-in: requests with `Content-Length` bodies (no
//! chunked uploads), keep-alive, bounded header and body sizes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// Longest request line + headers accepted.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body accepted (413 beyond).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent (still percent-encoded, query included).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Response {
    /// A plain-text answer as Go's `http.Error` writes it (body + newline).
    pub fn text(status: u16, message: &str) -> Self {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{message}\n"),
            headers: vec![],
        }
    }

    pub fn yaml(status: u16, body: String) -> Self {
        Response {
            status,
            content_type: "application/yaml",
            body,
            headers: vec![],
        }
    }

    /// Mimir's answer to accepted writes: 202 with a JSON status.
    pub fn accepted() -> Self {
        Response {
            status: 202,
            content_type: "application/json",
            body: r#"{"status":"success","data":null,"errorType":"","error":""}"#.to_string(),
            headers: vec![],
        }
    }
}

/// What reading a request gave.
pub enum Read1 {
    Request(Request),
    /// The peer closed the connection between requests.
    Closed,
    /// A malformed or oversized request: answer this, then close.
    Bad(Response),
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut usize) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
    }
    *budget -= n;
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Reads one request from a connection.
pub fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Read1> {
    let mut budget = MAX_HEAD_BYTES;
    let too_large = |e: io::Error| {
        if e.kind() == io::ErrorKind::InvalidData {
            Ok(Read1::Bad(Response::text(
                431,
                "request header fields too large",
            )))
        } else {
            Err(e)
        }
    };
    let line = match read_line(reader, &mut budget) {
        Ok(Some(l)) => l,
        Ok(None) => return Ok(Read1::Closed),
        Err(e) => return too_large(e),
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(Read1::Bad(Response::text(400, "malformed request line")));
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Ok(Read1::Bad(Response::text(400, "malformed request line")));
    }
    let mut headers = Vec::new();
    loop {
        let line = match read_line(reader, &mut budget) {
            Ok(Some(l)) => l,
            Ok(None) => return Ok(Read1::Closed),
            Err(e) => return too_large(e),
        };
        if line.is_empty() {
            break;
        }
        let Some((k, v)) = line.split_once(':') else {
            return Ok(Read1::Bad(Response::text(400, "malformed header line")));
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut req = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body: Vec::new(),
    };
    if req.header("transfer-encoding").is_some() {
        return Ok(Read1::Bad(Response::text(
            501,
            "the stand-in ruler only reads bodies with Content-Length",
        )));
    }
    let len = match req.header("content-length").map(|v| v.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return Ok(Read1::Bad(Response::text(400, "bad Content-Length"))),
    };
    if len > MAX_BODY_BYTES {
        return Ok(Read1::Bad(Response::text(413, "request body too large")));
    }
    req.body = vec![0; len];
    reader.read_exact(&mut req.body)?;
    Ok(Read1::Request(req))
}

pub fn write_response(stream: &mut TcpStream, resp: &Response, close: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        resp.status,
        reason(resp.status),
        resp.content_type,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(resp.body.as_bytes())?;
    stream.flush()
}

/// Decodes `%XX` escapes of one path segment; `None` for a bad escape or invalid UTF-8.
pub fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
