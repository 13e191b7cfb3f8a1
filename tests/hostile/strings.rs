//! Strings a vendor could send to break the screen: escape sequences of every kind (terminated
//! and not, 7-bit and 8-bit), controls, bidi tricks, invisible and disputed-width Unicode, and
//! text that is merely long, wide or oddly combined.

/// The hostile strings, each a class of its own; some are built (long repetitions).
pub fn all() -> Vec<String> {
    let mut v: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    v.extend([
        format!("{}SPOOF row below", "\u{3164}".repeat(40)),
        format!("{}hidden rest of the row", "\u{2028}".repeat(60)),
        format!("{}fillers", "\u{FFA0}\u{115F}\u{1160}".repeat(20)),
        format!("x{}", "中".repeat(70)),
        format!("{}end", "😀".repeat(50)),
        format!("long {}", "A".repeat(5000)),
        format!("{}tail", "\u{1b}[".repeat(100)),
        "王小明 東京都千代田区 ".repeat(8),
        format!("{}ｶﾞ", "ab".repeat(20)),
        format!("{}ok", "\u{0301}".repeat(300)),
        format!("{} Mallory", "\u{1100}".repeat(40)),
        format!("क{} stacked vowel signs", "\u{093E}".repeat(30)),
    ]);
    v
}

const FIXED: &[&str] = &[
    // CSI: colours, clearing, moving, modes, queries that make the terminal answer.
    "\u{1b}[31mred\u{1b}[0m plain",
    "\u{1b}[2J\u{1b}[Hcleared screen",
    "\u{1b}[10;10Hmoved cursor\u{1b}[5A\u{1b}[3C",
    "\u{1b}[?1049h alt screen \u{1b}[?25l hidden cursor",
    "\u{1b}[6n status report \u{1b}[21t title report \u{1b}[c",
    "\u{1b}[200~bracketed paste\u{1b}[201~",
    "\u{1b}[38;2;255;0;0mtruecolor\u{1b}[m\u{1b}[1;4;5;7mblink",
    "\u{1b}[12;Zürich cut short",
    // OSC: titles, clipboard, links, iTerm images; terminated with BEL, ST or not at all.
    "\u{1b}]0;pwned title\u{7}after title",
    "\u{1b}]52;c;SGVsbG8gd29ybGQ=\u{7}clipboard set",
    "\u{1b}]52;c;SGVsbG8gd29ybGQ= unterminated clipboard and the rest",
    "\u{1b}]8;;https://evil.example/\u{1b}\\click me\u{1b}]8;;\u{1b}\\",
    "\u{1b}]8;;https://evil.example/ unterminated link text",
    "\u{1b}]1337;File=inline=1:AAAA\u{7}iterm image",
    "nested \u{1b}]0;\u{1b}]0;x\u{7}y\u{7}z",
    // DCS, APC, PM, SOS.
    "\u{1b}Pq#0;2;0;0;0#0~~@@vv\u{1b}\\sixel",
    "\u{1b}P+q544e\u{1b}\\ xtgettcap",
    "\u{1b}P unterminated dcs text",
    "\u{1b}_Gf=100;AAAA\u{1b}\\kitty graphics",
    "\u{1b}_ unterminated apc text",
    "\u{1b}^privacy message\u{1b}\\pm",
    "\u{1b}Xstart of string\u{1b}\\sos",
    // 8-bit C1 introducers and terminators.
    "\u{9b}31m8-bit csi",
    "\u{9d}0;8-bit osc\u{9c}after",
    "\u{9d}52;c;unterminated 8-bit osc",
    "\u{90}q 8-bit dcs\u{9c}after",
    "\u{9f}8-bit apc\u{9c} \u{9e}8-bit pm\u{9c} \u{98}8-bit sos\u{9c} end",
    // Other controls and short escapes.
    "bell\u{7} bs\u{8}\u{8} del\u{7f} nul\u{0} cr\rlf\n tab\t vt\u{b} ff\u{c} end",
    "\u{1b}c reset \u{1b}7save\u{1b}8 \u{1b}(0lqqk\u{1b}(B \u{1b}#8 \u{1b}=",
    "trailing escape\u{1b}",
    "\r\n\r\n",
    "",
    // Bidi controls (Trojan Source).
    "abc\u{202E}fedcba\u{202C} trojan",
    "\u{2067}isolate\u{2069} \u{200F}rlm\u{200E}lrm \u{061C}alm \u{202B}embed\u{202C}",
    // Separators, default-ignorables, tags, selectors, noncharacters, format characters.
    "para\u{2029}graph\u{2028}line\u{85}nel",
    "tags\u{E0041}\u{E0042}\u{E0043}\u{E007F} hidden ascii",
    "vs\u{FE0F}\u{FE0E}\u{E0100} selectors ❤\u{FE0F}",
    "zero\u{200B}width\u{200C}non\u{200D}joiner\u{2060}wj\u{FEFF}bom\u{AD}shy\u{34F}cgj",
    "noncharacters \u{FFFE}\u{FFFF}\u{FDD0}\u{10FFFF}",
    "\u{600}\u{601}123 number signs \u{FFF9}interlinear\u{FFFB}",
    // Emoji sequences, keycaps, flags, skin tones.
    "👨\u{200D}👩\u{200D}👧\u{200D}👦 family 🏳\u{FE0F}\u{200D}🌈 flag 👍🏽 skin",
    "keycaps 1\u{FE0F}\u{20E3}#\u{20E3} flags 🇩🇪🇫🇷🇯🇵🇦",
    "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} subdivision flag",
    // Combining marks first, Zalgo, Hangul jamo, halfwidth marks, Khmer, Kirat Rai.
    "\u{301}\u{308}\u{20DD} combining first, Z\u{351}\u{360}\u{35B}a\u{352}\u{346}l\u{36B}g\u{307}o",
    "한국어 가각 \u{1100}\u{1161}\u{11A8} jamo \u{1100}\u{1100}\u{1100}",
    "ﾔﾏﾀﾞ ﾀﾛｳ halfwidth ﾊﾟﾝ \u{FF9E}",
    "ក្ក khmer \u{16D63}\u{16D67} kirat rai",
    // Ordinary text in other scripts (must come through as it is).
    "محمد لا إله — Jürgen Müller — Renée Lefèvre",
    "क्ष नमस्ते สวัสดีครับ Nguyễn Văn Anh",
    "स्त्री क्षि हिन्दी 🇩🇪 བསྒྲུབས שָׁלוֹם",
];
