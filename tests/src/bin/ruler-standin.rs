//! The strict stand-in ruler (`reliability_e2e::ruler_server`) as a process, for
//! `bench/provider.py`. Prints its URL on the first line, then answers one command per line
//! on stdin: `count` prints the requests served since the last `clear` as JSON
//! (`{"GET":n,"POST":n,"DELETE":n,"total":n}`), `groups <tenant> <namespace>` prints how
//! many groups the namespace holds, `clear` empties the request log. It stops at the end
//! of stdin (when the benchmark exits, however it exits).

use std::io::{BufRead, Write};

use reliability_e2e::ruler_server::RulerServer;

fn main() {
    let server = RulerServer::start();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", server.url());
    let _ = out.flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let words: Vec<&str> = line.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["count"] => {
                let (get, post, delete) = (
                    server.count_method("GET"),
                    server.count_method("POST"),
                    server.count_method("DELETE"),
                );
                let total = server.requests().len();
                format!(r#"{{"GET":{get},"POST":{post},"DELETE":{delete},"total":{total}}}"#)
            }
            ["groups", tenant, namespace] => {
                server.group_names(tenant, namespace).len().to_string()
            }
            ["clear"] => {
                server.clear_log();
                "ok".to_string()
            }
            _ => format!("unknown command {line:?}: count, groups <tenant> <namespace>, clear"),
        };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}
