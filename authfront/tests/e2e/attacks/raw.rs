//! A raw HTTP/1.1 client over one TCP connection: the request goes out byte for byte as the
//! test wrote it (no URL normalisation, no header checks, any framing), and responses are read
//! one at a time, framed by `Content-Length`, chunked or the end of the connection, so that
//! several requests can share one kept-alive connection.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// How long one response may take before it counts as not answered.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);

/// One response, read whole.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body contains `marker`.
    pub fn has(&self, marker: &str) -> bool {
        self.text().contains(marker)
    }
}

/// A client connection to `127.0.0.1:port`.
pub struct Conn {
    reader: BufReader<OwnedReadHalf>,
    writer: Option<OwnedWriteHalf>,
}

impl Conn {
    pub async fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap_or_else(|e| panic!("connect :{port}: {e}"));
        stream.set_nodelay(true).expect("nodelay");
        let (r, w) = stream.into_split();
        Conn { reader: BufReader::new(r), writer: Some(w) }
    }

    /// Writes `bytes`; an error (the server closed the connection) is returned, not a panic.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        let w = self.writer.as_mut().ok_or("the write half was handed away")?;
        w.write_all(bytes).await.map_err(|e| format!("write: {e}"))?;
        w.flush().await.map_err(|e| format!("flush: {e}"))
    }

    /// The write half, for a task that keeps writing while this side reads.
    pub fn take_writer(&mut self) -> OwnedWriteHalf {
        self.writer.take().expect("the write half")
    }

    /// Reads the next response (`head`: it answers a HEAD, so it has no body). `Err` when the
    /// connection ends first, the answer is malformed or does not come within 15 s.
    pub async fn response(&mut self, head: bool) -> Result<RawResponse, String> {
        match tokio::time::timeout(ANSWER_TIMEOUT, self.read_response(head)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {}s", ANSWER_TIMEOUT.as_secs())),
        }
    }

    async fn line(&mut self) -> Result<String, String> {
        let mut buf = Vec::new();
        let n = self.reader.read_until(b'\n', &mut buf).await.map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed".into());
        }
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    async fn read_response(&mut self, head: bool) -> Result<RawResponse, String> {
        let status_line = self.line().await?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| format!("not a status line: {status_line:?}"))?;
        let mut headers = Vec::new();
        loop {
            let l = self.line().await?;
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').ok_or_else(|| format!("not a header line: {l:?}"))?;
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
        let mut resp = RawResponse { status, headers, body: Vec::new() };
        if head || status / 100 == 1 || status == 204 || status == 304 {
            return Ok(resp);
        }
        if resp.header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
            loop {
                let size_line = self.line().await?;
                let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| format!("bad chunk size {size_line:?}"))?;
                if size == 0 {
                    while !self.line().await?.is_empty() {}
                    break;
                }
                let mut chunk = vec![0; size];
                self.reader.read_exact(&mut chunk).await.map_err(|e| format!("chunk: {e}"))?;
                resp.body.extend_from_slice(&chunk);
                self.line().await?;
            }
        } else if let Some(len) = resp.header("content-length") {
            let len: usize = len.parse().map_err(|_| format!("bad content-length {len:?}"))?;
            resp.body = vec![0; len];
            self.reader.read_exact(&mut resp.body).await.map_err(|e| format!("body: {e}"))?;
        } else {
            self.reader.read_to_end(&mut resp.body).await.map_err(|e| format!("body: {e}"))?;
        }
        Ok(resp)
    }
}

/// One request on a fresh connection, then its answer (the request should say
/// `Connection: close` or carry its own framing).
pub async fn exchange(port: u16, request: &[u8]) -> Result<RawResponse, String> {
    let mut c = Conn::open(port).await;
    c.send(request).await?;
    let head = request.starts_with(b"HEAD ");
    c.response(head).await
}

/// `GET {target}` (sent as it is) with `headers` (`Name: value` lines), `Connection: close`.
pub async fn get(port: u16, target: &str, headers: &[String]) -> Result<RawResponse, String> {
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("Connection: close\r\n\r\n");
    exchange(port, req.as_bytes()).await
}
