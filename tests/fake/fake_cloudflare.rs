//! The fake Cloudflare as a program, for the offline demo, the image test and benchmarks.
//!
//!   fake-cloudflare serve PORT [--zone NAME]... [--record NAME:TYPE:CONTENT]... [--ip ADDRESS]
//!   fake-cloudflare records PORT       print the records it holds
//!   fake-cloudflare calls PORT         print how many API calls it has served
//!   fake-cloudflare writes PORT        print how many of them were writes (not GET)
//!   fake-cloudflare asks PORT          print how many times GET /ip or /ip2 was asked
//!   fake-cloudflare hold PORT N SECS   open N idle connections to 127.0.0.1:PORT for SECS (load tests)
//!   fake-cloudflare set-ip PORT ADDR   change what GET /ip answers
//!   fake-cloudflare hang PORT          from now on accept API calls and never answer them
//!   fake-cloudflare free-port [PORT]   print a free port on 127.0.0.1; with PORT, exit 1 if it is taken
//!   fake-cloudflare get PORT PATH [TOKEN]   GET any local URL (e.g. the status API) and print the body
//!
//! A record goes into the longest zone given that its name ends with. `GET /ip` answers the
//! address, like a "what is my IP" service; `GET /ip2` is a second such service answering the
//! same.

#[path = "../common/cloudflare.rs"]
#[allow(dead_code)]
mod cloudflare;
#[path = "../common/lists.rs"]
#[allow(dead_code)]
mod lists;
#[path = "../common/server.rs"]
#[allow(dead_code)]
mod server;

use cloudflare::{FakeCloudflare, Rec};
use server::Reply;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = |i: usize| -> u16 {
        args.get(i)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| usage())
    };
    match args.first().map(String::as_str) {
        Some("serve") => serve(port(1), &args[2..]),
        Some("records") => print!("{}", ask(port(1), "GET", "/_fake/records", "")),
        Some("get") => {
            let path = args.get(2).unwrap_or_else(|| usage());
            let auth = args
                .get(3)
                .map(|t| format!("Authorization: Bearer {t}\r\n"));
            println!(
                "{}",
                request(port(1), "GET", path, auth.as_deref().unwrap_or(""), "")
            );
        }
        Some("calls") => println!("{}", ask(port(1), "GET", "/_fake/calls", "").trim()),
        Some("writes") => println!("{}", ask(port(1), "GET", "/_fake/writes", "").trim()),
        Some("asks") => println!("{}", ask(port(1), "GET", "/_fake/asks", "").trim()),
        Some("hold") => {
            let n: usize = args
                .get(2)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage());
            let secs: u64 = args
                .get(3)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage());
            hold(port(1), n, secs);
        }
        Some("set-ip") => {
            let ip = args.get(2).unwrap_or_else(|| usage());
            ask(port(1), "POST", "/_fake/ip", ip);
        }
        Some("hang") => {
            ask(port(1), "POST", "/_fake/hang", "");
        }
        Some("free-port") => match args.get(1) {
            None => match TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()) {
                Ok(a) => println!("{}", a.port()),
                Err(e) => {
                    eprintln!("fake-cloudflare: no free port: {e}");
                    std::process::exit(1)
                }
            },
            Some(_) => {
                if TcpListener::bind(("127.0.0.1", port(1))).is_err() {
                    std::process::exit(1)
                }
            }
        },
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: fake-cloudflare serve PORT [--zone NAME]... [--record NAME:TYPE:CONTENT]... [--ip ADDRESS]\n       fake-cloudflare records|calls|writes|asks PORT\n       fake-cloudflare hold PORT N SECONDS\n       fake-cloudflare set-ip PORT ADDRESS\n       fake-cloudflare hang PORT\n       fake-cloudflare free-port [PORT]\n       fake-cloudflare get PORT PATH [TOKEN]");
    std::process::exit(2)
}

fn serve(port: u16, opts: &[String]) {
    // A clear line, not a panic, when the port is taken.
    if let Err(e) = TcpListener::bind(("127.0.0.1", port)) {
        eprintln!("fake-cloudflare: cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1)
    }
    let mut zones = Vec::new();
    let mut records = Vec::new();
    let mut ip = "8.8.4.4".to_string();
    for pair in opts.chunks(2) {
        match (pair[0].as_str(), pair.get(1)) {
            ("--zone", Some(z)) => zones.push(z.clone()),
            ("--record", Some(r)) => records.push(r.clone()),
            ("--ip", Some(a)) => ip = a.clone(),
            _ => usage(),
        }
    }
    let ip = Arc::new(Mutex::new(ip));
    let calls = Arc::new(AtomicUsize::new(0));
    let writes = Arc::new(AtomicUsize::new(0));
    let hang = Arc::new(AtomicBool::new(false));
    let asks = Arc::new(AtomicUsize::new(0));
    let (ip2, calls2, writes2) = (ip.clone(), calls.clone(), writes.clone());
    let fake = FakeCloudflare::start_with(port, None, move |req, recs: &[Rec]| {
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/ip" | "/ip2") => {
                asks.fetch_add(1, Ordering::SeqCst);
                Some(Reply::text(200, &ip2.lock().unwrap()))
            }
            ("GET", "/_fake/asks") => {
                Some(Reply::text(200, &asks.load(Ordering::SeqCst).to_string()))
            }
            ("GET", "/_fake/records") => Some(Reply::text(200, &listing(recs))),
            ("GET", "/_fake/calls") => {
                Some(Reply::text(200, &calls2.load(Ordering::SeqCst).to_string()))
            }
            ("GET", "/_fake/writes") => Some(Reply::text(
                200,
                &writes2.load(Ordering::SeqCst).to_string(),
            )),
            ("POST", "/_fake/ip") => {
                *ip2.lock().unwrap() = req.body.trim().to_string();
                Some(Reply::text(200, "ok"))
            }
            ("POST", "/_fake/hang") => {
                hang.store(true, Ordering::SeqCst);
                Some(Reply::text(200, "ok"))
            }
            (method, _) => {
                calls2.fetch_add(1, Ordering::SeqCst);
                if method != "GET" {
                    writes2.fetch_add(1, Ordering::SeqCst);
                }
                hang.load(Ordering::SeqCst).then_some(Reply::Hang)
            }
        }
    });
    let mut ids: Vec<(String, String)> = zones
        .iter()
        .map(|z| (z.clone(), fake.add_zone(z)))
        .collect();
    ids.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for r in &records {
        let parts: Vec<&str> = r.splitn(3, ':').collect();
        let [name, rtype, content] = parts[..] else {
            usage()
        };
        let Some((_, zone)) = ids
            .iter()
            .find(|(z, _)| name == z || name.ends_with(&format!(".{z}")))
        else {
            eprintln!("fake-cloudflare: {name} is in none of the zones");
            std::process::exit(2)
        };
        fake.add_record(zone, name, rtype, content, 1, false, None);
    }
    println!(
        "fake Cloudflare API on http://127.0.0.1:{}/client/v4, IP echo on http://127.0.0.1:{}/ip",
        fake.port(),
        fake.port()
    );
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

fn hold(port: u16, n: usize, secs: u64) {
    let conns: Vec<TcpStream> = (0..n)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    println!("holding {} idle connections for {secs} s", conns.len());
    let _ = std::io::stdout().flush();
    std::thread::sleep(std::time::Duration::from_secs(secs));
}

fn listing(recs: &[Rec]) -> String {
    recs.iter()
        .map(|r| {
            format!(
                "{} {} {} ttl={} proxied={}\n",
                r.name, r.rtype, r.content, r.ttl, r.proxied
            )
        })
        .collect()
}

fn ask(port: u16, method: &str, path: &str, body: &str) -> String {
    request(port, method, path, "", body)
}

fn request(port: u16, method: &str, path: &str, headers: &str, body: &str) -> String {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("fake-cloudflare: nothing listens on 127.0.0.1:{port}: {e}");
        std::process::exit(1)
    });
    let req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    let mut answer = String::new();
    if conn.write_all(req.as_bytes()).is_err() || conn.read_to_string(&mut answer).is_err() {
        eprintln!("fake-cloudflare: no answer from 127.0.0.1:{port}");
        std::process::exit(1)
    }
    answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}
