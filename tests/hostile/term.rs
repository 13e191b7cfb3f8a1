//! A wcwidth terminal, emulated from the bytes a program writes (parsed with `vte`): where every
//! character lands, and every string sequence (OSC, DCS, APC, PM, SOS) it was sent.

use ratatui::buffer::{Buffer, CellWidth};
use unicode_width::UnicodeWidthChar;

/// One screen: each cell holds what was drawn in it ("" is the right half of a wide character).
pub type Grid = Vec<Vec<String>>;

pub struct Term {
    pub width: usize,
    pub height: usize,
    pub cells: Grid,
    x: usize,
    y: usize,
    parser: Option<vte::Parser>,
    /// Everything that should never happen: text past an edge, controls, unknown sequences.
    pub faults: Vec<String>,
    pub osc: usize,
    pub dcs: usize,
    /// Introducers of string sequences counted in the bytes: APC, PM and SOS (vte ignores
    /// them), OSC and DCS (one left open would never be dispatched), 7-bit and 8-bit.
    pub introducers: usize,
}

impl Term {
    pub fn new(width: u16, height: u16) -> Term {
        let (width, height) = (width as usize, height as usize);
        Term {
            width,
            height,
            cells: vec![vec![" ".to_string(); width]; height],
            x: 0,
            y: 0,
            parser: Some(vte::Parser::new()),
            faults: Vec::new(),
            osc: 0,
            dcs: 0,
            introducers: 0,
        }
    }

    /// Takes one frame's bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.faults.push("the output is not UTF-8".into());
            return;
        };
        // 8-bit C1 controls are code points U+0080..U+009F in a UTF-8 terminal.
        self.introducers += text
            .chars()
            .filter(|c| matches!(c, '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}'))
            .count();
        self.introducers += bytes
            .windows(2)
            .filter(|w| w[0] == 0x1b && matches!(w[1], b'_' | b'^' | b'X' | b']' | b'P'))
            .count();
        let mut parser = self.parser.take().unwrap_or_default();
        parser.advance(self, bytes);
        self.parser = Some(parser);
    }

    fn fault(&mut self, what: String) {
        if self.faults.len() < 20 {
            self.faults.push(what);
        }
    }

    /// Writing over half of a wide character blanks its other half, as terminals do.
    fn split_wide(&mut self, x: usize, w: usize) {
        let row = &mut self.cells[self.y];
        if row[x].is_empty() && x > 0 {
            let mut start = x - 1;
            while start > 0 && row[start].is_empty() {
                row[start] = " ".into();
                start -= 1;
            }
            row[start] = " ".into();
        }
        let mut after = x + w;
        while after < row.len() && row[after].is_empty() {
            row[after] = " ".into();
            after += 1;
        }
    }
}

impl vte::Perform for Term {
    fn print(&mut self, c: char) {
        let w = c.width().unwrap_or(0);
        if self.y >= self.height {
            return self.fault(format!("{c:?} drawn below the screen"));
        }
        if w == 0 {
            // Joins the character before the cursor.
            let row = &mut self.cells[self.y];
            let mut x = self.x.min(row.len());
            while x > 0 && row[x - 1].is_empty() {
                x -= 1;
            }
            if x == 0 {
                return self.fault(format!("{c:?} joins nothing at row {}", self.y));
            }
            row[x - 1].push(c);
            return;
        }
        if self.x + w > self.width {
            let (x, y) = (self.x, self.y);
            return self.fault(format!("{c:?} drawn past the right edge at ({x}, {y})"));
        }
        self.split_wide(self.x, w);
        let row = &mut self.cells[self.y];
        row[self.x] = c.to_string();
        for cell in &mut row[self.x + 1..self.x + w] {
            cell.clear();
        }
        self.x += w;
    }

    fn execute(&mut self, byte: u8) {
        self.fault(format!("control 0x{byte:02x} reached the terminal"));
    }

    fn csi_dispatch(&mut self, params: &vte::Params, inter: &[u8], _: bool, action: char) {
        let p: Vec<u16> = params.iter().map(|p| p[0]).collect();
        let arg = |i: usize| usize::from(p.get(i).copied().unwrap_or(1).max(1));
        match (inter, action) {
            ([], 'H' | 'f') => (self.y, self.x) = (arg(0) - 1, arg(1) - 1),
            ([], 'G') => self.x = arg(0) - 1,
            ([], 'd') => self.y = arg(0) - 1,
            ([], 'C') => self.x += arg(0),
            ([], 'D') => self.x = self.x.saturating_sub(arg(0)),
            ([], 'A') => self.y = self.y.saturating_sub(arg(0)),
            ([], 'B') => self.y += arg(0),
            ([], 'm') => {}
            ([], 'J') if p.first().is_some_and(|&v| v >= 2) => {
                self.cells = vec![vec![" ".to_string(); self.width]; self.height];
            }
            ([b'?'], 'h' | 'l') => {}
            _ => self.fault(format!("unexpected CSI {inter:?} {p:?} {action}")),
        }
    }

    fn esc_dispatch(&mut self, inter: &[u8], _: bool, byte: u8) {
        self.fault(format!("ESC {inter:?} {:?}", byte as char));
    }

    fn osc_dispatch(&mut self, _: &[&[u8]], _: bool) {
        self.osc += 1;
    }

    fn hook(&mut self, _: &vte::Params, _: &[u8], _: bool, _: char) {
        self.dcs += 1;
    }
}

/// What ratatui meant: its buffer, each cell's symbol spread over the cells a wcwidth terminal
/// draws it in. A symbol drawn in more or fewer cells than ratatui gave it is a fault.
pub fn meant(buf: &Buffer, faults: &mut Vec<String>) -> Grid {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut grid = vec![vec![" ".to_string(); w as usize]; h as usize];
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let symbol = buf[(x, y)].symbol();
            let given = symbol.cell_width().max(1);
            let mut drawn: Vec<String> = Vec::new();
            let mut base: Option<usize> = None;
            for c in symbol.chars() {
                match (c.width().unwrap_or(0), base) {
                    (0, Some(b)) => drawn[b].push(c),
                    (0, None) => {
                        faults.push(format!("({x}, {y}) {symbol:?} starts with a mark"));
                        drawn.push(c.to_string());
                    }
                    (n, _) => {
                        base = Some(drawn.len());
                        drawn.push(c.to_string());
                        drawn.extend((1..n).map(|_| String::new()));
                    }
                }
            }
            if drawn.len() != usize::from(given) {
                faults.push(format!(
                    "({x}, {y}) {symbol:?}: {given} cells to ratatui, {} drawn",
                    drawn.len()
                ));
            }
            for (k, cell) in drawn.into_iter().enumerate() {
                if let Some(slot) = grid[y as usize].get_mut(x as usize + k) {
                    *slot = cell;
                }
            }
            x += given;
        }
    }
    grid
}

/// A grid as text, one line a row, wide characters' right halves left out.
pub fn show(grid: &Grid) -> String {
    grid.iter()
        .map(|row| row.concat())
        .collect::<Vec<_>>()
        .join("\n")
}
