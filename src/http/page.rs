//! The status page at `/`: one self-contained HTML file, embedded, no outside assets. It asks
//! for the token, keeps it in sessionStorage and shows what `/widget` reports.

use super::codec::{Body, Reply};

const HTML: &str = include_str!("page.html");

#[inline(never)]
pub fn reply() -> Reply {
    Reply {
        status: 200,
        headers: vec![
            ("Content-Type", "text/html; charset=utf-8".to_string()),
            (
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'"
                    .to_string(),
            ),
            ("X-Content-Type-Options", "nosniff".to_string()),
            ("Referrer-Policy", "no-referrer".to_string()),
        ],
        body: Body::Static(HTML),
    }
}
