//! Internationalized host names: `☕.example.org`, `日本｡co｡jp` become the ASCII form DNS
//! holds (`xn--53h.example.org`, `xn--wgv71a.co.jp`): the ideographic full stops are dots,
//! each label is lowercased and, when not ASCII, written in punycode (RFC 3492) after `xn--`.
//! Nontransitional: `ß` and `ς` stay themselves (`faß.de` is `xn--fa-hia.de`). Unicode
//! normalization (NFC) and UTS 46's mapping table are not applied: a name is taken as typed,
//! which is how a keyboard types it (see the README). Pure.

/// The ASCII form of a host name, or why a label cannot have one.
pub fn to_ascii(name: &str) -> Result<String, String> {
    // The common case stays out of the cold segment (scripts/cold-code.ld): every host is
    // read through here at start.
    if name.is_ascii() {
        return Ok(name.to_ascii_lowercase());
    }
    unicode(name)
}

#[inline(never)]
fn unicode(name: &str) -> Result<String, String> {
    let dotted: String = name
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            c => c,
        })
        .collect();
    if dotted.is_ascii() {
        return Ok(dotted.to_ascii_lowercase());
    }
    let labels: Result<Vec<String>, String> = dotted.split('.').map(label).collect();
    Ok(labels?.join("."))
}

/// A name as logs and `check` show it: `xn--53h.example.org (☕.example.org)`, or as it is.
pub fn shown(name: &str) -> String {
    match to_unicode(name) {
        Some(unicode) => format!("{name} ({unicode})"),
        None => name.to_string(),
    }
}

/// The Unicode form of an ASCII name, for showing it: `xn--` labels decoded, others as they
/// are; `None` when no label is punycode (or one does not decode).
pub fn to_unicode(name: &str) -> Option<String> {
    if !name.split('.').any(|l| l.starts_with("xn--")) {
        return None;
    }
    unicode_labels(name)
}

#[inline(never)]
fn unicode_labels(name: &str) -> Option<String> {
    let labels: Option<Vec<String>> = name
        .split('.')
        .map(|l| match l.strip_prefix("xn--") {
            Some(code) => decode(code),
            None => Some(l.to_string()),
        })
        .collect();
    labels.map(|l| l.join("."))
}

fn label(label: &str) -> Result<String, String> {
    if label.is_ascii() {
        return Ok(label.to_ascii_lowercase());
    }
    if let Some(c) = label.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "label {label:?} holds {c:?}, which no name may hold"
        ));
    }
    // Lowercasing all of Unicode would cost 12 KB of tables for names nobody types in
    // capitals: an ASCII capital is lowered, any other must be typed in lowercase.
    if let Some(c) = label.chars().find(|c| !c.is_ascii() && c.is_uppercase()) {
        return Err(format!(
            "label {label:?}: type {c:?} in lowercase (names are lowercase)"
        ));
    }
    encode(&label.to_ascii_lowercase())
        .map(|code| format!("xn--{code}"))
        .ok_or_else(|| format!("label {label:?} is too long to write in punycode"))
}

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn digit(d: u32) -> char {
    // 0..25 are a..z, 26..35 are 0..9.
    match d {
        0..=25 => char::from(b'a' + d as u8),
        _ => char::from(b'0' + (d - 26) as u8),
    }
}

/// RFC 3492 section 6.3; `None` on overflow (a label far past 63 characters).
fn encode(input: &str) -> Option<String> {
    let points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    let mut handled = basic;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    while (handled as usize) < points.len() {
        let m = points.iter().copied().filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in &points {
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(out)
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

/// RFC 3492 section 6.2, for showing a name; `None` for anything that is not punycode.
fn decode(input: &str) -> Option<String> {
    let (basic, rest) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = rest.bytes();
    while digits.len() > 0 {
        let old = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let d = match digits.next()? {
                b @ b'a'..=b'z' => u32::from(b - b'a'),
                b @ b'0'..=b'9' => u32::from(b - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = threshold(k, bias);
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = out.len() as u32 + 1;
        bias = adapt(i - old, len, old == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_favonia_takes() {
        assert_eq!(to_ascii("☕.example.org").unwrap(), "xn--53h.example.org");
        assert_eq!(to_ascii("🐱.example.org").unwrap(), "xn--5o8h.example.org");
        assert_eq!(to_ascii("日本｡co｡jp").unwrap(), "xn--wgv71a.co.jp");
        assert_eq!(to_ascii("faß.de").unwrap(), "xn--fa-hia.de");
        assert_eq!(to_ascii("Bücher.Example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(to_ascii("ελλάδα.gr").unwrap(), "xn--hxakic4aa.gr");
        assert_eq!(to_ascii("münchen.de").unwrap(), "xn--mnchen-3ya.de");
        assert_eq!(to_ascii("*.☕.de").unwrap(), "*.xn--53h.de");
        assert_eq!(to_ascii("Home.Example.COM").unwrap(), "home.example.com");
    }

    #[test]
    fn rfc_3492_samples_round_trip() {
        // From RFC 3492 section 7.1: (A) Arabic (Egyptian), (L) Japanese.
        let arabic = "\u{644}\u{64A}\u{647}\u{645}\u{627}\u{628}\u{62A}\u{643}\u{644}\u{645}\u{648}\u{634}\u{639}\u{631}\u{628}\u{64A}\u{61F}";
        assert_eq!(encode(arabic).unwrap(), "egbpdaj6bu4bxfgehfvwxn");
        let japanese = "3\u{5E74}b\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}";
        assert_eq!(encode(japanese).unwrap(), "3b-ww4c5e180e575a65lsy2b");
        for s in [arabic, japanese, "☕", "faß"] {
            assert_eq!(decode(&encode(s).unwrap()).as_deref(), Some(s));
        }
        assert_eq!(
            to_unicode("xn--53h.example.org").as_deref(),
            Some("☕.example.org")
        );
        assert_eq!(to_unicode("home.example.org"), None);
        assert_eq!(to_unicode("xn--!!.example.org"), None);
    }

    #[test]
    fn what_cannot_be_a_name_is_named() {
        assert!(to_ascii("caf\u{e9} bar.example.com")
            .unwrap_err()
            .contains("' '"));
        assert!(to_ascii("\u{130}stanbul.example")
            .unwrap_err()
            .contains("in lowercase"));
        assert!(to_ascii("ÜBER.example")
            .unwrap_err()
            .contains("type 'Ü' in lowercase"));
    }
}
