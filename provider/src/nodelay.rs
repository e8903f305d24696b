//! Removes the ~40 ms Nagle/delayed-ACK stall from every plugin RPC.
//!
//! `tf-provider`'s server never sets `TCP_NODELAY` on the sockets it accepts and offers no hook
//! to do so, so each gRPC response waits for the peer's delayed ACK. We drive the server future
//! ourselves and, after each poll, set `TCP_NODELAY` on every open file descriptor of the
//! process that is a TCP socket (non-TCP descriptors refuse the option and are ignored). The
//! first poll opens the listener; accepted sockets inherit the flag from it on Linux, and any
//! socket accepted later is covered by the next poll, which runs before its first RPC is
//! answered. A process only polls a handful of times, so the scan costs microseconds.

use std::future::Future;
use std::pin::pin;

/// Serves `provider` under `name` the way every plugin binary of this workspace does (the
/// provider and the benchmark's floor provider): library backtraces off, a two-worker tokio
/// runtime, and TCP_NODELAY on (`RELIABILITY_NO_TCP_NODELAY` switches it off, to measure
/// the stock server). Returns when Terraform shuts the plugin down.
pub fn serve_plugin<P: tf_provider::DynamicProvider>(
    name: &str,
    provider: P,
) -> anyhow::Result<()> {
    // tf-provider appends a captured backtrace to every diagnostic when backtraces are enabled
    // (RUST_BACKTRACE=1 is common in developers' shells and CI): users would see hundreds of
    // frames under a validation error, and symbolising them takes seconds per diagnostic.
    // Library backtraces stay off unless RELIABILITY_DIAGNOSTIC_BACKTRACE is set; panics still
    // honour RUST_BACKTRACE. Set before any thread exists.
    if std::env::var_os("RELIABILITY_DIAGNOSTIC_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(async {
            let serve = tf_provider::serve(name, provider);
            // For benchmarks only: measure the stock server's ~40 ms per RPC.
            if std::env::var_os("RELIABILITY_NO_TCP_NODELAY").is_some() {
                return serve.await;
            }
            with_nodelay(serve).await
        })
}

/// Runs `fut` to completion, setting `TCP_NODELAY` on the process' TCP sockets after each poll.
pub async fn with_nodelay<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    std::future::poll_fn(move |cx| {
        let out = fut.as_mut().poll(cx);
        if out.is_pending() {
            set_nodelay_on_open_sockets();
        }
        out
    })
    .await
}

/// Sets `TCP_NODELAY` on every open descriptor that accepts it. Returns how many did.
pub fn set_nodelay_on_open_sockets() -> usize {
    let Ok(entries) = std::fs::read_dir("/dev/fd").or_else(|_| std::fs::read_dir("/proc/self/fd"))
    else {
        return 0;
    };
    let mut count = 0;
    for entry in entries.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        if set_nodelay(fd) {
            count += 1;
        }
    }
    count
}

#[cfg(unix)]
fn set_nodelay(fd: i32) -> bool {
    let one: libc::c_int = 1;
    // SAFETY: setsockopt only reads `one` for the given length; on a descriptor that is not a
    // TCP socket (or already closed) it fails with ENOTSOCK/ENOPROTOOPT/EBADF and changes nothing.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    rc == 0
}

#[cfg(not(unix))]
fn set_nodelay(_fd: i32) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    fn nodelay_of(fd: i32) -> bool {
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                &mut v as *mut libc::c_int as *mut libc::c_void,
                &mut len,
            )
        };
        rc == 0 && v != 0
    }

    #[test]
    fn sets_nodelay_on_listener_and_streams() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert!(!nodelay_of(server.as_raw_fd()));
        assert!(set_nodelay_on_open_sockets() >= 3);
        assert!(nodelay_of(listener.as_raw_fd()));
        assert!(nodelay_of(client.as_raw_fd()));
        assert!(nodelay_of(server.as_raw_fd()));
    }
}
