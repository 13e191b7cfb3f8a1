//! Resident memory of the merged inbox with 100,000 calls loaded: builds All calls of five
//! in-memory providers through `update` (every page merged, as `G` does), then prints the
//! process's resident set (`VmRSS` of /proc/self/status) before and after, and the peak
//! (`VmHWM`). The budget (PRODUCT.md, issue 12) is ≤ 100 MB.
//!
//! `cargo run --release --example scale_memory [CALLS]`

use callbrowser::fixtures::all_calls_state;

fn status_kb(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let before = status_kb("VmRSS:").unwrap_or(0);
    let (state, providers) = all_calls_state(calls, (160, 45));
    // The providers hold their own copy of every call (the emulators' data): measured apart.
    drop(providers);
    // Give what was freed back to the system, so the figure is what the list holds.
    // SAFETY: malloc_trim only releases free heap pages; no pointer is touched.
    unsafe {
        libc::malloc_trim(0);
    }
    let after = status_kb("VmRSS:").unwrap_or(0);
    let peak = status_kb("VmHWM:").unwrap_or(0);
    println!(
        "{} calls loaded in All calls: resident {:.1} MB (was {:.1} MB before loading; peak {:.1} MB while the in-memory providers also held them)",
        state.list.rows.calls.len(),
        after as f64 / 1024.0,
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
}
