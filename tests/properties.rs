//! Properties of what every vendor string passes: the filter parser never panics, and the
//! sanitizer is idempotent, lets nothing through that could hide, reorder or misalign text, and
//! gives text exactly as wide in ratatui as a wcwidth terminal draws it.
//!
//! Inputs mix arbitrary characters with weighted samples of hostile ones (C0/C1, pieces of
//! escape sequences, bidi controls, separators, noncharacters, default-ignorables, tags,
//! variation selectors, joiners, emoji, combining marks, CJK, Hangul jamo, regional indicators,
//! Arabic, scripts whose clusters unicode-width measures as a whole).

use callbrowser::display::{sanitize, sanitize_multiline};
use callbrowser::fixtures::MemoryProvider;
use callbrowser::model::{Capabilities, Filter, ProviderKind, TimeZoneSetting};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};
use unicode_width::UnicodeWidthChar;

// ---- Written from Unicode's own lists, independently of src/display.rs ----

/// DerivedCoreProperties.txt (Unicode 16), Default_Ignorable_Code_Point.
fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// PropList.txt, Bidi_Control.
fn is_bidi_control(c: char) -> bool {
    matches!(c as u32, 0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
}

/// PropList.txt, Noncharacter_Code_Point.
fn is_noncharacter(c: char) -> bool {
    let n = c as u32;
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// Line and paragraph separators (Zl, Zp) and NEL.
fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// What a wcwidth terminal draws: each character its own width, controls nothing.
fn terminal_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// What ratatui draws: the string really written into a buffer, where it stops.
fn ratatui_width(s: &str) -> usize {
    // No cluster is wider than three cells a character: the buffer never runs out.
    let room = (s.chars().count() * 3 + 8).min(u16::MAX as usize);
    let mut buf = Buffer::empty(Rect::new(0, 0, room as u16, 1));
    let (x, _) = buf.set_stringn(0, 0, s, room, Style::new());
    x as usize
}

// ---- Generators ----

fn chars_in(lo: u32, hi: u32) -> BoxedStrategy<char> {
    (lo..=hi)
        .prop_filter_map("a scalar value", char::from_u32)
        .boxed()
}

const HOSTILE: &[char] = &[
    '\u{1b}',
    '\u{7}',
    '\u{9b}',
    '\u{9c}',
    '\u{9d}',
    '\u{90}',
    '\u{98}',
    '\u{9e}',
    '\u{9f}',
    '\u{85}',
    '\r',
    '\n',
    '\t',
    '\u{7f}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{200E}',
    '\u{200F}',
    '\u{061C}',
    '\u{2028}',
    '\u{2029}',
    '\u{FFFE}',
    '\u{FFFF}',
    '\u{1FFFE}',
    '\u{10FFFF}',
    '\u{3164}',
    '\u{FFA0}',
    '\u{115F}',
    '\u{1160}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{00AD}',
    '\u{034F}',
    '\u{180E}',
    '\u{20E3}',
    '\u{FF9E}',
    '\u{FF9F}',
    '\u{0600}',
    '\u{06DD}',
    '\u{FFF9}',
    '\u{FFFC}',
    '\u{FFFD}',
    '\u{2800}',
    '\u{3000}',
    '\u{0338}',
    '\u{17D2}',
    '\u{2D7F}',
    'ل',
    'ا',
    'क',
    '्',
    'ष',
    '#',
    '*',
    '1',
    '[',
    ']',
    'P',
    '_',
    '^',
    'X',
    '\\',
    ';',
    ':',
    'm',
];

/// Escape sequence pieces and clusters that are wider or narrower than their characters.
const PIECES: &[&str] = &[
    "\u{1b}[",
    "\u{1b}]",
    "\u{1b}P",
    "\u{1b}_",
    "\u{1b}^",
    "\u{1b}X",
    "\u{1b}\\",
    "\u{1b}(B",
    "\u{1b}[31m",
    "\u{1b}[2J",
    "\u{1b}[?1049h",
    "\u{1b}]52;c;SGVsbG8=",
    "\u{1b}]8;;https://evil.example/\u{1b}\\",
    "\u{1b}]0;title\u{7}",
    "\u{9d}8;;x\u{9c}",
    "\u{1b}Pq#0;2;0;0;0\u{1b}\\",
    "1\u{FE0F}\u{20E3}",
    "#\u{20E3}",
    "🇩🇪",
    "🇦🇧🇨",
    "👨\u{200D}👩\u{200D}👧",
    "👍\u{1F3FD}",
    "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    "❤\u{FE0F}",
    "☺\u{FE0E}",
    "ｶﾞ",
    "ﾊﾟ",
    "لا",
    "ل\u{064E}ا",
    "क्ष",
    "ក្ក",
    "가",
    "\u{1100}\u{1161}\u{11A8}",
    "\u{1100}\u{1100}",
    "\u{16D63}\u{16D67}",
    "\u{16D67}\u{16D67}\u{16D63}",
    "\u{A4FC}\u{A4F8}",
    "ⴱ\u{2D7F}ⴱ",
    "<\u{0338}",
    "\u{05D0}\u{200D}\u{05DC}",
];

fn hostile_char() -> BoxedStrategy<char> {
    prop_oneof![
        6 => select(HOSTILE),
        3 => chars_in(0, 0x1F),
        3 => chars_in(0x7F, 0x9F),
        2 => chars_in(0xE0000, 0xE007F),
        2 => chars_in(0xFE00, 0xFE0F),
        1 => chars_in(0xE0100, 0xE01EF),
        2 => chars_in(0x0300, 0x036F),
        1 => chars_in(0x1AB0, 0x1AFF),
        1 => chars_in(0x20D0, 0x20FF),
        2 => chars_in(0x4E00, 0x9FFF),
        2 => chars_in(0x1100, 0x11FF),
        1 => chars_in(0xA960, 0xA97F),
        1 => chars_in(0xD7B0, 0xD7FF),
        1 => chars_in(0xAC00, 0xD7A3),
        2 => chars_in(0x1F1E6, 0x1F1FF),
        2 => chars_in(0x1F300, 0x1FAFF),
        1 => chars_in(0x2600, 0x27BF),
        1 => chars_in(0x1F3FB, 0x1F3FF),
        2 => chars_in(0x0600, 0x06FF),
        1 => chars_in(0xFB50, 0xFDFF),
        1 => chars_in(0xFE70, 0xFEFF),
        1 => chars_in(0x0900, 0x097F),
        1 => chars_in(0x0E00, 0x0E7F),
        1 => chars_in(0x1780, 0x17FF),
        1 => chars_in(0xFF61, 0xFF9F),
        1 => chars_in(0x16D40, 0x16D7F),
        1 => chars_in(0x2D30, 0x2D7F),
        1 => chars_in(0xA4D0, 0xA4FF),
        1 => chars_in(0xFFF0, 0xFFFF),
        1 => (0u32..=16).prop_map(|p| char::from_u32(p << 16 | 0xFFFE).unwrap()),
    ]
    .boxed()
}

fn piece() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<char>().prop_map(String::from),
        6 => hostile_char().prop_map(String::from),
        2 => select(PIECES).prop_map(String::from),
        2 => "[a-zA-Z0-9 ;]{1,6}",
    ]
    .boxed()
}

fn hostile_string() -> BoxedStrategy<String> {
    proptest::collection::vec(piece(), 0..40)
        .prop_map(|v| v.concat())
        .boxed()
}

/// Filter lines: keys, operators, numbers at their limits, dates, quotes, and anything else.
fn filter_line(keys: Vec<String>) -> BoxedStrategy<String> {
    const BITS: &[&str] = &[
        "from:",
        "to:",
        "since:",
        "dur>",
        "dur<",
        "dur>=",
        "dur<=",
        "phone:",
        "dir:",
        "has:",
        "status:",
        "today",
        "yesterday",
        "in",
        "out",
        "web",
        "recording",
        "transcript",
        "d",
        "h",
        "w",
        "m",
        "s",
        "-",
        "+",
        "T",
        ":",
        ".",
        "Z",
        "\"",
        " ",
        "  ",
        "0",
        "7",
        "60",
        "99999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "2026-03-18",
        "2026-02-30",
        "9999-12-31",
        "0000-01-01",
        "262143-12-31",
        "2026-03-18T14:22:03Z",
        "2026-03-18T14:22:03+14:00",
        "1e309",
        "NaN",
        "inf",
        "ü",
        "ß",
        "İ",
        "ǅ",
        "\u{0301}",
        "\u{FF10}",
        "٣",
        "true",
        "false",
        "yes",
    ];
    let key = select(keys).prop_map(|k| format!("{k}:"));
    let bit = prop_oneof![
        6 => select(BITS).prop_map(String::from),
        2 => key,
        2 => any::<char>().prop_map(String::from),
        2 => hostile_char().prop_map(String::from),
        2 => "[0-9]{1,25}",
    ];
    proptest::collection::vec(bit, 0..24)
        .prop_map(|v| v.concat())
        .boxed()
}

fn all_capabilities() -> Vec<Capabilities> {
    let mut caps = vec![MemoryProvider::new("tp", 0).caps];
    for kind in [
        ProviderKind::Welkin,
        ProviderKind::Solum,
        ProviderKind::TalkPilot,
        ProviderKind::Voxeme,
        ProviderKind::AlloMia,
    ] {
        caps.push(callbrowser::providers::capabilities_of(kind));
    }
    caps
}

fn provider_key_names() -> Vec<String> {
    let mut names: Vec<String> = all_capabilities()
        .iter()
        .flat_map(|c| c.provider_keys.iter().map(|k| k.name.to_string()))
        .collect();
    names.extend(["text", "bogus", "DIR", "From"].map(String::from));
    names
}

// ---- Checks ----

fn assert_clean(out: &str, keep_newlines: bool) -> Result<(), TestCaseError> {
    for c in out.chars() {
        let what = format!("U+{:04X} in {out:?}", c as u32);
        prop_assert!(
            !c.is_control() || (keep_newlines && c == '\n'),
            "control {what}"
        );
        prop_assert!(!is_bidi_control(c), "bidi control {what}");
        prop_assert!(!is_separator(c), "separator {what}");
        prop_assert!(!is_default_ignorable(c), "default-ignorable {what}");
        prop_assert!(!is_noncharacter(c), "noncharacter {what}");
    }
    Ok(())
}

/// No line starts with a mark (it would sit on whatever is drawn before the string), and no
/// more than one blank line follows another.
fn assert_lines_are_whole(out: &str) -> Result<(), TestCaseError> {
    for line in out.split('\n') {
        let first = line.chars().next();
        prop_assert!(
            first.is_none_or(|c| c.width() != Some(0)),
            "a line starts with a mark: {:?}",
            line.escape_unicode().to_string()
        );
    }
    prop_assert!(!out.contains("\n\n\n"), "two blank lines in a row");
    Ok(())
}

/// No grapheme cluster is wider than writing needs (8 cells) or carries more than 8 marks.
fn assert_clusters_small(out: &str) -> Result<(), TestCaseError> {
    use unicode_segmentation::UnicodeSegmentation;
    for g in out.graphemes(true) {
        let marks = g.chars().filter(|c| c.width() == Some(0)).count();
        let what = g.escape_unicode().to_string();
        prop_assert!(
            terminal_width(g) <= 8,
            "a cluster {} cells wide: {}",
            terminal_width(g),
            what
        );
        prop_assert!(marks <= 8, "a cluster with {} marks: {}", marks, what);
    }
    Ok(())
}

fn assert_widths_agree(out: &str) -> Result<(), TestCaseError> {
    for line in out.split('\n') {
        prop_assert_eq!(
            ratatui_width(line),
            terminal_width(line),
            "ratatui and a wcwidth terminal disagree on {:?} ({})",
            line,
            line.escape_unicode()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn sanitized_text_is_clean_stable_and_as_wide_as_drawn(s in hostile_string()) {
        let one = sanitize(&s);
        assert_clean(&one, false)?;
        assert_lines_are_whole(&one)?;
        assert_clusters_small(&one)?;
        assert_widths_agree(&one)?;
        prop_assert_eq!(sanitize(&one), one.clone(), "sanitize is not idempotent");

        let multi = sanitize_multiline(&s);
        assert_clean(&multi, true)?;
        assert_lines_are_whole(&multi)?;
        assert_clusters_small(&multi)?;
        assert_widths_agree(&multi)?;
        prop_assert_eq!(sanitize_multiline(&multi), multi.clone(), "multiline is not idempotent");
    }

    #[test]
    fn arbitrary_text_is_clean_and_as_wide_as_drawn(s in any::<String>()) {
        let one = sanitize(&s);
        assert_clean(&one, false)?;
        assert_lines_are_whole(&one)?;
        assert_clusters_small(&one)?;
        assert_widths_agree(&one)?;
        prop_assert_eq!(sanitize(&one), one.clone());
        let multi = sanitize_multiline(&s);
        assert_clean(&multi, true)?;
        assert_lines_are_whole(&multi)?;
        assert_clusters_small(&multi)?;
        assert_widths_agree(&multi)?;
        prop_assert_eq!(sanitize_multiline(&multi), multi.clone());
    }
}

/// Sanitized text drawn the ways the screen draws it (a table cell's `set_stringn`, a `Line`,
/// lines wrapped by textwrap in a `Paragraph`) into `width` columns left of a border, then
/// fitted as `ui::draw` does.
fn drawn(one: &str, multi: &str, width: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, width + 1, 8));
    for y in 0..8 {
        buf[(width, y)].set_symbol("│");
    }
    buf.set_stringn(0, 0, one, width as usize, Style::new());
    Line::from(one).render(Rect::new(0, 1, width, 1), &mut buf);
    let wrapped: Vec<Line> = multi
        .split('\n')
        .flat_map(|p| textwrap::wrap(p, usize::from(width)))
        .map(|l| Line::from(l.into_owned()))
        .collect();
    Paragraph::new(wrapped).render(Rect::new(0, 2, width, 6), &mut buf);
    callbrowser::display::fit_cells(&mut buf);
    buf
}

/// Every cell is what a wcwidth terminal draws there: one character that moves the cursor (and
/// the marks on it), as wide as ratatui took it, the cells it covers blank, the border whole.
fn assert_cells_drawable(buf: &Buffer) -> Result<(), TestCaseError> {
    let (w, h) = (buf.area.width, buf.area.height);
    for y in 0..h {
        prop_assert_eq!(buf[(w - 1, y)].symbol(), "│", "the border of row {}", y);
        let mut x = 0;
        while x < w {
            let symbol = buf[(x, y)].symbol();
            let given = symbol.cell_width().max(1);
            let moving = symbol.chars().filter(|c| c.width() != Some(0)).count();
            let first = symbol.chars().next();
            let what = format!("{:?} at ({x}, {y})", symbol.escape_unicode().to_string());
            prop_assert!(
                first.is_some_and(|c| c.width() != Some(0)),
                "mark first: {}",
                what
            );
            prop_assert_eq!(moving, 1, "{}", what);
            prop_assert_eq!(terminal_width(symbol), usize::from(given), "{}", what);
            prop_assert!(x + given <= w, "past the edge: {}", what);
            for k in x + 1..x + given {
                prop_assert_eq!(buf[(k, y)].symbol(), " ", "covered by {}", what);
            }
            x += given;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn drawn_cells_are_what_the_terminal_draws(s in hostile_string(), width in 3u16..40) {
        let buf = drawn(&sanitize(&s), &sanitize_multiline(&s), width);
        assert_cells_drawable(&buf)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn the_filter_parser_never_panics(
        line in filter_line(provider_key_names()),
        which in 0usize..6,
        secs in 0i64..13_000_000_000,
        local in any::<bool>(),
    ) {
        let caps = &all_capabilities()[which];
        let now = Utc.timestamp_opt(secs, 0).unwrap();
        let zone = if local { TimeZoneSetting::Local } else { TimeZoneSetting::Utc };
        let _ = Filter::parse_at(&line, caps, now, zone);
        let _ = Filter::parse(&line, caps, now);
    }

    #[test]
    fn the_filter_parser_never_panics_on_any_string(line in any::<String>()) {
        let caps = MemoryProvider::new("tp", 0).caps;
        let now = callbrowser::fixtures::fixed_now();
        let _ = Filter::parse_at(&line, &caps, now, TimeZoneSetting::Local);
    }
}

/// What people are called and write stays exactly as it is.
#[test]
fn ordinary_text_is_left_alone() {
    for s in [
        "Jürgen Müller",
        "Renée Lefèvre, François Weiß",
        "Zoë Öztürk — „Grüße“ «merci» ‘quoted’",
        "محمد عبد الله",
        "لا إله — سلام عليكم",
        "مُحَمَّد",
        "王小明 李雷",
        "東京都千代田区",
        "김민준 이서연",
        "ヤマダ タロウ",
        "Δημήτρης Παπαδόπουλος",
        "Владимир Иванов",
        "דוד כהן",
        "नमस्ते क्षत्रिय",
        "สวัสดีครับ",
        "Nguyễn Văn Anh",
        "👍 🎉 😀 ❤ 🇩🇪",
        "Terminvereinbarung für Donnerstag, 10:30 Uhr",
    ] {
        assert_eq!(sanitize(s), s, "{s}");
        assert_eq!(sanitize_multiline(s), s, "{s}");
        assert_eq!(ratatui_width(s), terminal_width(s), "{s}");
    }
}

/// Every code point, alone and before and after characters that start or join clusters,
/// sanitized: as wide in ratatui as drawn, and clean. Slow (a minute): `-- --ignored`.
#[test]
#[ignore]
fn every_code_point_in_every_context_is_as_wide_as_drawn() {
    const BASES: &[&str] = &[
        "a",
        "1",
        "中",
        "ل",
        "ا",
        "😀",
        "☺",
        "ᄀ",
        "가",
        "각",
        "🇦",
        "क",
        "क्",
        "ក",
        "ក្",
        "\u{0600}",
        "\u{0D4E}",
        "\u{0301}",
        "\u{093F}",
        "ｶ",
        "\u{16D63}",
        "\u{16D67}",
        "ⴱ",
        "\u{2D7F}",
        "\u{A4FC}",
        "<",
        "\u{05D0}",
        "\u{1A17}",
        "\u{10C32}",
    ];
    let mut bad = Vec::new();
    for n in 0..=0x10FFFFu32 {
        let Some(c) = char::from_u32(n) else { continue };
        let mut cases = vec![c.to_string()];
        for b in BASES {
            cases.push(format!("{b}{c}"));
            cases.push(format!("{c}{b}"));
        }
        for s in cases {
            let out = sanitize(&s);
            let clean = || -> Result<(), TestCaseError> {
                assert_clean(&out, false)?;
                assert_widths_agree(&out)
            };
            if let Err(e) = clean() {
                bad.push(format!("{}: {e}", s.escape_unicode()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} failures, first: {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
}
