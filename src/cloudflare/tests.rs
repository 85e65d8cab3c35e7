//! Answers and request bodies.

use super::decode::*;
use super::*;

#[test]
fn parses_a_record_list() {
    let body = r#"{"success":true,"errors":[],"messages":[],"result":[{"id":"r1","name":"a.example.com","type":"A","content":"8.8.8.8","ttl":1,"proxied":false,"comment":null,"tags":[],"created_on":"2024-01-01T00:00:00Z","meta":{}}],"result_info":{"page":1,"per_page":100,"count":1,"total_count":1,"total_pages":3}}"#;
    let e: Envelope<Vec<Wire>> = interpret(200, body, None).unwrap();
    let records: Vec<Record> = e.result.unwrap().into_iter().map(Record::from).collect();
    assert_eq!(records[0].rtype, RecordType::A);
    assert_eq!(records[0].ttl, Some(1));
    assert_eq!(e.result_info.unwrap().total_pages, Some(3.0));
}

#[test]
fn paging_goes_on_only_while_pages_come_full() {
    let page = |items: usize, total: &str, per: &str| {
        let recs: Vec<String> = (0..items)
            .map(|i| format!(r#"{{"id":"{i}","name":"a.example.com"}}"#))
            .collect();
        let body = format!(
            r#"{{"success":true,"result":[{}],"result_info":{{"total_pages":{total},"per_page":{per}}}}}"#,
            recs.join(",")
        );
        into_page(interpret::<Vec<Zone>>(200, &body, None).unwrap(), 1, 50).unwrap()
    };
    assert!(page(2, "2", "2").more);
    assert!(!page(1, "100", "5000").more, "a short page ends it");
    assert!(!page(0, "4000000000", "0").more, "an empty page ends it");
    assert!(!page(2, "1", "2").more);
    assert_eq!(page(1, "1e300", "-5").total_pages, u32::MAX);
}

#[test]
fn each_record_is_read_on_its_own() {
    let page = r#"[{"id":"1","name":"a.example.com","type":"A","content":"8.8.8.8","ttl":300.0},
        {"id":"2","name":"b.example.com","type":"A","ttl":300},
        {"id":"3","name":"c.example.com","type":"CNAME","content":"x","ttl":"soon"},
        {"id":"4","name":"c.example.com","type":"TXT","content":"x","ttl":"soon"},
        {"weird":true}, 5]"#;
    let items: Vec<Value> = miniserde::json::from_str(page).unwrap();
    let got: Vec<Option<Listed>> = items.iter().map(listed).collect();
    assert_eq!(got[0].as_ref().unwrap().as_ref().unwrap().ttl, Some(300));
    let missing = got[1].as_ref().unwrap().as_ref().unwrap_err();
    assert_eq!(
        (missing.name.as_str(), missing.why.as_str()),
        ("b.example.com", "id or content is missing")
    );
    assert!(got[2].as_ref().unwrap().is_err());
    // A type a pass never reads is not ours, whatever its shape.
    assert!(got[3].is_none() && got[4].is_none() && got[5].is_none());
    assert_eq!(whole(&Number::F64(300.5)), None);
}

#[test]
fn a_delete_answered_with_the_id_alone_succeeds() {
    let body = r#"{"result":{"id":"023e105f4ecef8ad9ca31a8372d0c353"}}"#;
    assert!(interpret::<Value>(200, body, None).is_ok());
    let refused = r#"{"result":null,"errors":[{"code":81044,"message":"gone"}]}"#;
    assert!(interpret::<Value>(200, refused, None).is_err());
}

#[test]
fn maps_errors_with_hints() {
    let body = r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}"#;
    let err = interpret::<Vec<Zone>>(403, body, None).err().unwrap();
    assert!(err.is_auth());
    assert!(err.to_string().contains("Zone:Read and DNS:Edit"));
    let exists = r#"{"success":false,"errors":[{"code":81058,"message":"An identical record already exists."}],"result":null}"#;
    assert!(interpret::<Wire>(400, exists, None)
        .err()
        .unwrap()
        .is_already_exists());
    let throttled = interpret::<Wire>(429, "", Some(30)).err().unwrap();
    assert_eq!(
        throttled,
        CfError::Throttled {
            retry_after: Some(30)
        }
    );
    let code971 = r#"{"success":false,"errors":[{"code":971,"message":"Please wait"}]}"#;
    assert!(matches!(
        interpret::<Wire>(400, code971, None),
        Err(CfError::Throttled { .. })
    ));
}

#[test]
fn retry_after_is_digits_and_saturates() {
    assert_eq!(parse_retry_after(" 30 "), Some(30));
    assert_eq!(parse_retry_after("18446744073709551615"), Some(u64::MAX));
    assert_eq!(
        parse_retry_after("999999999999999999999999"),
        Some(u64::MAX)
    );
    assert_eq!(parse_retry_after("-1"), None);
    assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
}

#[test]
fn junk_is_malformed_not_a_panic() {
    for body in ["<html>502 Bad Gateway</html>", "{\"success\":tr", "", "[]"] {
        let err = interpret::<Vec<Zone>>(502, body, None).err().unwrap();
        assert!(
            matches!(err, CfError::NotJson { status: 502, .. }),
            "{body}: {err:?}"
        );
    }
    assert!(matches!(
        interpret::<Vec<Zone>>(200, r#"{"success":true,"errors":[],"result":null}"#, None)
            .and_then(|e| required(e.result)),
        Err(CfError::Malformed(_))
    ));
}

#[test]
fn bodies_carry_the_schema_fields() {
    let p = Patch {
        id: "r1".into(),
        name: "a.example.com".into(),
        rtype: RecordType::A,
        content: "8.8.8.8".into(),
        ttl: 300,
        proxied: true,
    };
    let json = miniserde::json::to_string(&patch_body(&p, true));
    for part in [
        r#""name":"a.example.com""#,
        r#""type":"A""#,
        r#""ttl":300"#,
        r#""proxied":true"#,
        r#""id":"r1""#,
    ] {
        assert!(json.contains(part), "{json}");
    }
    let n = NewRecord {
        name: "b.example.com".into(),
        rtype: RecordType::Aaaa,
        content: "2a00::1".into(),
        ttl: 1,
        proxied: false,
        comment: None,
    };
    assert!(!miniserde::json::to_string(&post_body(&n)).contains("comment"));
}

#[test]
fn encodes_wildcards_and_reserved_bytes() {
    assert_eq!(encode("*.example.com"), "%2A.example.com");
    assert_eq!(encode("a b&c"), "a%20b%26c");
}

#[test]
fn auth_headers_match_the_kind() {
    use crate::config::Secret;
    let h = auth_headers(&Auth::Token(Secret::new("tok".into())));
    assert_eq!(h, vec![("Authorization", "Bearer tok".to_string())]);
    let h = auth_headers(&Auth::Key {
        key: Secret::new("k".into()),
        email: "e@x".into(),
    });
    assert_eq!(h.len(), 2);
    assert_eq!(h[1], ("X-Auth-Key", "k".to_string()));
}
