//! The player's figures against PRODUCT.md's recording budgets, beside mpv and ffplay:
//!
//! - **time to first sound**: from "play" to the first non-silent sample the output pulls, on a
//!   link throttled to 250 KB/s with 80 ms before the first byte, for µ-law WAV 8 kHz and MP3;
//! - **seek latency** within downloaded audio (`SeekTo` → the first sample of the new position
//!   pulled by the output);
//! - **CPU** while playing at 1× and 2× (user + system time over 10 s of playback).
//!
//! Run it through `scripts/audio-bench.sh`, which starts a private PulseAudio server with a null
//! sink and exports `PULSE_SERVER`; without one only our null output is measured.
//!
//! # Method
//! The emulators run in a child process (this program with `--serve`) so that the CPU figures
//! of our process hold the player only. Its TalkPilot serves the same test recording (position
//! tones: `TestRecording::position_tones`) for every call, through the throttled link; our
//! player fetches the call (a fresh signed URL) and streams it, mpv and ffplay are handed a
//! freshly signed URL of the same recording, so all three download the same bytes over the same
//! link.
//!
//! One clock for all three: `parec` records the null sink's monitor in 10 ms fragments on a
//! thread that stamps each fragment as it arrives; a player's time to first sound is the
//! arrival of the first fragment with a sample above the silence threshold, minus the moment
//! the player was started (our `Player::start`; mpv's and ffplay's process spawn, so their
//! figures include their own start-up, shown apart on a local file). A `pacat` stream of zeros
//! keeps the sink running with a short latency between trials (an idle null sink can pause up
//! to 2 s before it plays). Our player also reports when its output pulled its first sample
//! (`Player::first_sample_at`), through cpal's PulseAudio backend and on the null output.
//!
//! The emulators' link sends the body in 32 KiB bursts, each after the time it takes at the
//! throttled rate (131 ms at 250 KB/s): the first byte of the body comes about 215 ms after
//! the request (80 ms + 131 ms), which the table shows as "the link: first byte of the body",
//! the floor under every player's figure. A smoother link (as in AUDIO.md's anchors) would
//! lower every figure by up to ~130 ms.
//!
//! The MP3 test file carries no LAME tag, so every decoder starts it with the encoder's and
//! the decoder's delay of near-silence (measured here for ffmpeg and for ours): that much of
//! every player's MP3 figure is silence already pulled, and the tables show it.

//!
//! # Stalls it would report rather than hide
//! A stopped or interrupted read of the recording used to be `io::ErrorKind::Interrupted`,
//! which symphonia 0.5's `MediaSourceStream` retries forever: an MP3 decoder then spun, a player
//! dropped mid-read did not stop and a seek could stall for good. It is its own error now
//! (`buffer::Stopped`); `--repro-drop-hang` checks it stays fixed. The harness still never joins
//! a player on its own thread and stops measuring (printing what it has) when a player does not
//! stop.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use callbrowser::audio::download::Source;
use callbrowser::audio::output::Capture;
use callbrowser::audio::player::{
    Options, OutputKind, PlayState, Player, PlayerCmd, PlayerEvent, Status,
};
use callbrowser::config::Config;
use callbrowser_emulators::TestRecording;
use callbrowser_emulators::testaudio::{TestFormat, position_tones};

/// The link of PRODUCT.md's budget and AUDIO.md's anchors.
const LINK_BYTES_PER_SEC: u64 = 250_000;
const LINK_LATENCY_MS: u64 = 80;
/// Length of the WAV test recording (the MP3 is the committed 60 s file).
const WAV_SECS: u32 = 60;
/// Rate `parec` records the monitor at (mono).
const MONITOR_RATE: u32 = 48_000;
/// A sample above this (of 32768) is sound: the monitor of a null sink is exact zeros
/// otherwise. The MP3 test file is quiet (peaks near 320).
const LOUD: i16 = 30;
/// The TalkPilot emulator's index in the demo configuration.
const TALKPILOT: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Wav,
    Mp3,
}

impl Format {
    const ALL: [Format; 2] = [Format::Wav, Format::Mp3];

    fn test_format(self) -> TestFormat {
        match self {
            Format::Wav => TestFormat::WavMulaw,
            Format::Mp3 => TestFormat::Mp3Cbr,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Format::Wav => "µ-law WAV 8 kHz",
            Format::Mp3 => "MP3 32 kbit/s 16 kHz",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Format::Wav => "wav",
            Format::Mp3 => "mp3",
        }
    }

    fn bytes(self) -> Vec<u8> {
        position_tones(self.test_format(), WAV_SECS)
    }
}

struct Args {
    runs: usize,
    seeks: usize,
    first: bool,
    seek: bool,
    cpu: bool,
    external: bool,
    repro: bool,
    formats: Vec<Format>,
    /// Seek once to each of these seconds, each in a fresh player (finding a seek that stalls).
    seek_to: Vec<f64>,
    /// Our outputs measured: the null output, the PulseAudio device.
    outputs: Vec<bool>,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        runs: 7,
        seeks: 20,
        first: true,
        seek: true,
        cpu: true,
        external: true,
        repro: false,
        formats: Format::ALL.to_vec(),
        seek_to: Vec::new(),
        outputs: vec![false, true],
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => a.runs = it.next().context("--runs N")?.parse()?,
            "--seeks" => a.seeks = it.next().context("--seeks N")?.parse()?,
            "--only" => {
                let what = it.next().context("--only first,seek,cpu")?;
                a.first = what.contains("first");
                a.seek = what.contains("seek");
                a.cpu = what.contains("cpu");
            }
            "--no-external" => a.external = false,
            "--formats" => {
                let what = it.next().context("--formats wav,mp3")?;
                a.formats = Format::ALL
                    .into_iter()
                    .filter(|f| what.contains(f.word()))
                    .collect();
            }
            "--outputs" => {
                let what = it.next().context("--outputs null,pulse")?;
                a.outputs = [false, true]
                    .into_iter()
                    .filter(|d| what.contains(if *d { "pulse" } else { "null" }))
                    .collect();
            }
            "--repro-drop-hang" => a.repro = true,
            "--seek-to" => {
                let what = it.next().context("--seek-to SECS,SECS")?;
                a.seek_to = what.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "-h" | "--help" => {
                println!(
                    "audio_latency [--runs N] [--seeks N] [--only first,seek,cpu] [--no-external] \
                     [--formats wav,mp3] [--outputs null,pulse] [--repro-drop-hang] \
                     [--seek-to SECS,…]\n\
                     Run through scripts/audio-bench.sh for the PulseAudio null sink, mpv and ffplay."
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (see --help)"),
        }
    }
    Ok(a)
}

fn main() -> Result<()> {
    if std::env::args().nth(1).as_deref() == Some("--serve") {
        return serve();
    }
    let args = parse_args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut server = Server::start()?;
    let provider = rt
        .block_on(callbrowser::setup::build(&server.config, TALKPILOT, None))
        .context("the demo configuration has TalkPilot")?
        .provider
        .map_err(|e| anyhow!("TalkPilot: {e}"))?;
    let source = Source {
        provider: provider.clone(),
        scope: Some(server.agent.clone()),
        id: server.id.clone(),
    };
    if args.repro {
        let mut hung = false;
        for f in Format::ALL {
            server.ask(&format!("fixture {}", f.word()))?;
            eprintln!("{}:", f.label());
            if let Err(e) = repro_drop_hang(&rt, &source) {
                eprintln!("{e:#}");
                hung = true;
            }
        }
        // A hung player's thread still spins: end the process rather than join it.
        std::process::exit(i32::from(hung));
    }
    if !args.seek_to.is_empty() {
        let mut failed = false;
        for &f in &args.formats {
            server.ask(&format!("fixture {}", f.word()))?;
            for &secs in &args.seek_to {
                match seek_once(&rt, &source, secs) {
                    Ok(lat) => eprintln!("{}: a seek to {secs} s landed in {lat:.1} ms", f.label()),
                    Err(e) => {
                        eprintln!("{}: a seek to {secs} s: {e:#}", f.label());
                        failed = true;
                    }
                }
            }
        }
        // A stalled player's thread still spins: end the process rather than join it.
        std::process::exit(i32::from(failed));
    }
    let pulse = Pulse::from_env();
    let external = args.external && pulse.is_some() && have("mpv") && have("ffplay");
    if args.external && !external {
        eprintln!("mpv, ffplay or the PulseAudio server is missing: only our player is measured");
    }
    let mut report = Report::default();
    let result = measure(
        &args,
        &rt,
        &mut server,
        &source,
        pulse.as_ref(),
        external,
        &mut report,
    );
    server.stop();
    if let Err(e) = &result {
        report.stopped = Some(format!("{e:#}"));
    }
    report.print(&args);
    if let Err(e) = result {
        eprintln!("{e:#}");
        // A player that did not stop still has a thread running: do not wait for it.
        std::process::exit(2);
    }
    drop(provider);
    Ok(())
}

/// Runs the measurements asked for into `report`; stops at the first error, or when a player
/// did not stop (its thread would distort the figures after it).
fn measure(
    args: &Args,
    rt: &tokio::runtime::Runtime,
    server: &mut Server,
    source: &Source,
    pulse: Option<&Pulse>,
    external: bool,
    report: &mut Report,
) -> Result<()> {
    let hung = || {
        if HUNG.load(std::sync::atomic::Ordering::SeqCst) {
            bail!(
                "a player did not stop (a thread spins in symphonia's reader; see --repro-drop-hang)"
            )
        }
        Ok(())
    };
    let dir = tempfile::tempdir()?;
    let mut local = Vec::new();
    for f in Format::ALL {
        let path = dir.path().join(format!("position.{}", f.word()));
        std::fs::write(&path, f.bytes())?;
        local.push((f, path.display().to_string()));
    }
    let local_file = |f: Format| {
        local
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    };

    if args.first {
        let monitor = match &pulse {
            Some(p) => Some(Monitor::start(p)?),
            None => None,
        };
        for &f in &args.formats {
            server.ask(&format!("fixture {}", f.word()))?;
            report
                .leading_ffmpeg
                .push((f, ffmpeg_leading_silence(&local_file(f), f)));
            for run in 0..args.runs {
                eprintln!(
                    "time to first sound: {} run {}/{}",
                    f.label(),
                    run + 1,
                    args.runs
                );
                let n0 = server.requests()?;
                let (first, lead) = ours_null_first(rt, source)?;
                report.add_requests(
                    f,
                    "ours, null output (first sample pulled)",
                    server.requests()? - n0,
                );
                hung()?;
                report.add_first(f, "ours, null output (first sample pulled)", first);
                if run == 0 {
                    report.leading_ours.push((f, lead));
                }
                let Some(mon) = &monitor else { continue };
                let (sound, pulled) = ours_pulse_first(rt, source, mon)?;
                hung()?;
                report.add_first(f, "ours, PulseAudio null sink", sound);
                report.add_first(f, "ours, PulseAudio: cpal pulled the first sample", pulled);
                if !external {
                    continue;
                }
                let url = server.ask("url")?;
                report.add_first(f, "the link: first byte of the body", first_byte(rt, &url)?);
                for (what, cmd) in [
                    ("mpv, PulseAudio null sink", mpv_command(&url, 1.0)),
                    ("ffplay, PulseAudio null sink", ffplay_command(&url)),
                ] {
                    let n0 = server.requests()?;
                    report.add_first(f, what, external_first(&cmd, mon)?);
                    report.add_requests(f, what, server.requests()? - n0);
                }
                let file = local_file(f);
                report.add_first(
                    f,
                    "mpv, local file (its start-up)",
                    external_first(&mpv_command(&file, 1.0), mon)?,
                );
                report.add_first(
                    f,
                    "ffplay, local file (its start-up)",
                    external_first(&ffplay_command(&file), mon)?,
                );
            }
        }
        if let Some(m) = monitor {
            m.stop();
        }
    }

    if args.seek {
        for &f in &args.formats {
            server.ask(&format!("fixture {}", f.word()))?;
            for &device in &args.outputs {
                if device && pulse.is_none() {
                    continue;
                }
                eprintln!("seeks: {} on {}", f.label(), output_name(device));
                let run = seeks(rt, source, device, args.seeks)?;
                for e in &run.failures {
                    eprintln!("  {e}");
                }
                report.seeks.push((f, device, run));
                hung()?;
            }
        }
    }

    if args.cpu {
        for &f in &args.formats {
            server.ask(&format!("fixture {}", f.word()))?;
            for speed in [1.0f32, 2.0] {
                for &device in &args.outputs {
                    if device && pulse.is_none() {
                        continue;
                    }
                    eprintln!("CPU: {} at {speed}× on {}", f.label(), output_name(device));
                    let cpu = ours_cpu(rt, source, device, speed, pulse)?;
                    report
                        .cpu
                        .push((f, speed, format!("ours, {}", output_name(device)), cpu));
                    hung()?;
                }
                if external {
                    eprintln!("CPU: {} at {speed}× in mpv", f.label());
                    let url = server.ask("url")?;
                    let cpu = external_cpu(&mpv_command(&url, speed), pulse)?;
                    report
                        .cpu
                        .push((f, speed, "mpv, PulseAudio null sink".into(), cpu));
                }
            }
        }
    }

    Ok(())
}

fn output_name(device: bool) -> &'static str {
    if device {
        "PulseAudio null sink"
    } else {
        "null output"
    }
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

// ---------------------------------------------------------------------------------------------
// The emulators, in a child process
// ---------------------------------------------------------------------------------------------

/// Lines of the child's protocol start with this (anything else on its stdout is ignored).
const MARK: &str = "@@ ";

/// The child: the demo's emulators, TalkPilot's recordings behind the throttled link. Reads
/// commands on stdin (`fixture wav|mp3`, `url`) and answers each with one marked line.
fn serve() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let opts = callbrowser_emulators::EmulatorOptions {
        // The harness makes more detail requests than TalkPilot's 60 a minute.
        rate_limit_per_minute: 1_000_000,
        rate_limit_per_hour: 1_000_000,
        ..callbrowser::demo::demo_options()
    };
    let demo = rt.block_on(callbrowser::demo::Demo::start(opts))?;
    let tp = &demo.talkpilot;
    tp.recording_link()
        .set_bytes_per_sec(Some(LINK_BYTES_PER_SEC));
    tp.recording_link().set_latency_ms(LINK_LATENCY_MS);
    tp.set_test_recording(Some(TestRecording::position_tones(
        TestFormat::WavMulaw,
        WAV_SECS,
    )));
    let call = tp
        .call_facts()
        .into_iter()
        .find(|f| !f.is_purged && !f.is_deleted)
        .context("a TalkPilot call with a recording")?;
    let hello = serde_json::json!({
        "config": demo.config_toml(),
        "agent": call.agent_id,
        "id": call.id,
    });
    let mut out = std::io::stdout();
    writeln!(out, "{MARK}{hello}")?;
    out.flush()?;
    for line in std::io::stdin().lines() {
        let line = line?;
        let answer = match line.trim() {
            "fixture wav" | "fixture mp3" => {
                let f = if line.contains("mp3") {
                    Format::Mp3
                } else {
                    Format::Wav
                };
                tp.set_test_recording(Some(TestRecording::position_tones(
                    f.test_format(),
                    WAV_SECS,
                )));
                "ok".to_string()
            }
            "requests" => tp.storage_requests().len().to_string(),
            "url" => tp
                .call_detail(&call.agent_id, &call.id)
                .and_then(|d| d["audio_file_url"].as_str().map(str::to_string))
                .unwrap_or_default(),
            other => format!("unknown command {other:?}"),
        };
        writeln!(out, "{MARK}{answer}")?;
        out.flush()?;
    }
    std::process::exit(0)
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    config: Config,
    agent: String,
    id: String,
}

impl Server {
    fn start() -> Result<Server> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take().context("the child's stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("the child's stdout")?);
        let mut s = Server {
            child,
            stdin,
            stdout,
            config: Config::default(),
            agent: String::new(),
            id: String::new(),
        };
        let hello: serde_json::Value = serde_json::from_str(&s.answer()?)?;
        s.config = Config::parse_str(hello["config"].as_str().unwrap_or_default(), "<demo>")?;
        s.agent = hello["agent"].as_str().unwrap_or_default().to_string();
        s.id = hello["id"].as_str().unwrap_or_default().to_string();
        Ok(s)
    }

    fn answer(&mut self) -> Result<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line)? == 0 {
                bail!("the emulator process ended");
            }
            if let Some(a) = line.trim_end().strip_prefix(MARK) {
                return Ok(a.to_string());
            }
        }
    }

    fn ask(&mut self, cmd: &str) -> Result<String> {
        writeln!(self.stdin, "{cmd}")?;
        self.stdin.flush()?;
        self.answer()
    }

    /// Recording requests the storage host has received so far.
    fn requests(&mut self) -> Result<usize> {
        Ok(self.ask("requests")?.parse()?)
    }

    fn stop(mut self) {
        drop(self.stdin);
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// PulseAudio: the null sink, a keep-alive stream and the monitor
// ---------------------------------------------------------------------------------------------

struct Pulse {
    sink: String,
    /// The server's process (its CPU is counted beside each player's).
    pid: Option<u32>,
}

impl Pulse {
    fn from_env() -> Option<Pulse> {
        let server = std::env::var("PULSE_SERVER").ok()?;
        if !server.starts_with("unix:") {
            eprintln!("PULSE_SERVER must be unix:… (cpal's PulseAudio backend takes no other)");
            return None;
        }
        if !have("parec") || !have("pacat") {
            eprintln!("parec/pacat missing (pulseaudio-utils)");
            return None;
        }
        let pid = std::env::var("XDG_RUNTIME_DIR")
            .ok()
            .and_then(|d| std::fs::read_to_string(format!("{d}/pulse/pid")).ok())
            .and_then(|p| p.trim().parse().ok());
        Some(Pulse {
            sink: std::env::var("NULL_SINK").unwrap_or_else(|_| "nullsink".into()),
            pid,
        })
    }
}

#[derive(Default)]
struct Heard {
    /// Arrival of each fragment with sound in it.
    loud: Vec<Instant>,
    /// (arrival, samples so far) of the latest fragments.
    flow: VecDeque<(Instant, u64)>,
    samples: u64,
}

/// `parec` on the sink's monitor, each fragment stamped on arrival; and a `pacat` of zeros
/// that keeps the sink running between trials.
struct Monitor {
    parec: Child,
    filler: Child,
    reader: Option<JoinHandle<()>>,
    heard: Arc<Mutex<Heard>>,
}

impl Monitor {
    fn start(p: &Pulse) -> Result<Monitor> {
        let filler = Command::new("pacat")
            .args([
                "--raw",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
                "--latency-msec=20",
                "--client-name=audio-bench-keepalive",
            ])
            .stdin(std::fs::File::open("/dev/zero")?)
            .stdout(Stdio::null())
            .spawn()
            .context("pacat")?;
        let mut parec = Command::new("parec")
            .args([
                "--raw",
                "--format=s16le",
                &format!("--rate={MONITOR_RATE}"),
                "--channels=1",
                "--latency-msec=10",
                "-d",
                &format!("{}.monitor", p.sink),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("parec")?;
        let mut out = parec.stdout.take().context("parec's stdout")?;
        let heard = Arc::new(Mutex::new(Heard::default()));
        let h = heard.clone();
        let reader = std::thread::Builder::new()
            .name("monitor".into())
            .spawn(move || {
                let mut buf = [0u8; 1920];
                let mut carry: Option<u8> = None;
                loop {
                    let n = match out.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let now = Instant::now();
                    let mut bytes: Vec<u8> = carry.take().into_iter().collect();
                    bytes.extend_from_slice(&buf[..n]);
                    if bytes.len() % 2 == 1 {
                        carry = bytes.pop();
                    }
                    let loud = bytes
                        .chunks_exact(2)
                        .any(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs() > LOUD as u16);
                    let mut h = h.lock().unwrap_or_else(|e| e.into_inner());
                    h.samples += (bytes.len() / 2) as u64;
                    let samples = h.samples;
                    h.flow.push_back((now, samples));
                    while h.flow.len() > 1000 {
                        h.flow.pop_front();
                    }
                    if loud {
                        h.loud.push(now);
                    }
                }
            })?;
        let m = Monitor {
            parec,
            filler,
            reader: Some(reader),
            heard,
        };
        m.warm_up()?;
        Ok(m)
    }

    /// Waits until the monitor has delivered a steady second of audio (the sink is running).
    fn warm_up(&self) -> Result<()> {
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
            let h = self.heard.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let Some(&(_, latest)) = h.flow.back() else {
                continue;
            };
            let second_ago = h
                .flow
                .iter()
                .find(|(at, _)| now.duration_since(*at) <= Duration::from_secs(1));
            if let Some(&(at, n)) = second_ago
                && now.duration_since(at) >= Duration::from_millis(900)
            {
                let rate = (latest - n) as f64 / now.duration_since(at).as_secs_f64();
                if rate > f64::from(MONITOR_RATE) * 0.9 {
                    return Ok(());
                }
            }
        }
        bail!("the null sink's monitor delivers no steady audio")
    }

    /// Arrival of the first fragment with sound after `after`.
    fn onset(&self, after: Instant, timeout: Duration) -> Option<Instant> {
        let until = Instant::now() + timeout;
        loop {
            {
                let h = self.heard.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(at) = h.loud.iter().rev().take_while(|at| **at > after).last() {
                    return Some(*at);
                }
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits until no sound has come for `quiet`.
    fn wait_quiet(&self, quiet: Duration) {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            let last = self
                .heard
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .loud
                .last()
                .copied();
            match last {
                Some(at) if at.elapsed() < quiet => std::thread::sleep(Duration::from_millis(20)),
                _ => return,
            }
        }
    }

    fn stop(mut self) {
        let _ = self.parec.kill();
        let _ = self.parec.wait();
        let _ = self.filler.kill();
        let _ = self.filler.wait();
        if let Some(t) = self.reader.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Time to first sound
// ---------------------------------------------------------------------------------------------

/// Set when stopping a player hung: its thread still spins, so later figures would be wrong.
static HUNG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A running player that is never dropped on the measuring thread: dropped, it is stopped on
/// another thread, and a hang is noted in [`HUNG`] instead of blocking the harness.
struct Guarded(Option<Player>);

impl std::ops::Deref for Guarded {
    type Target = Player;
    fn deref(&self) -> &Player {
        self.0.as_ref().expect("a player until dropped")
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(p) = self.0.take()
            && let Err(e) = drop_within(p, Duration::from_secs(5))
        {
            eprintln!("{e:#}");
        }
    }
}

/// A player of `source` whose last status is kept.
fn start_player(
    rt: &tokio::runtime::Runtime,
    source: &Source,
    device: bool,
    capture: Option<Capture>,
) -> (Guarded, Arc<Mutex<Status>>) {
    let last = Arc::new(Mutex::new(Status::default()));
    let l = last.clone();
    let options = Options {
        device,
        autoplay: true,
        null_pace: 1.0,
        capture,
    };
    let player = Player::start(source.clone(), options, rt.handle().clone(), move |e| {
        if let PlayerEvent::Status(s) = e {
            *l.lock().unwrap_or_else(|e| e.into_inner()) = s;
        }
    });
    (Guarded(Some(player)), last)
}

/// Stops a player once its download is complete and analysed, and says so if stopping it hangs.
///
/// Dropping an MP3 player whose analysis or decoder thread is inside a read can hang: after the
/// recording is cancelled every read returns `Interrupted`, which symphonia's
/// `MediaSourceStream` retries forever (`--repro-drop-hang` shows it). Waiting for the whole
/// recording to be analysed and pausing first keeps both threads out of reads, so a spinning
/// thread does not distort the figures.
fn stop_player(mut player: Guarded, last: &Arc<Mutex<Status>>) -> Result<()> {
    let _ = wait_for(Duration::from_secs(30), || {
        let s = status(last);
        (s.complete && !s.estimated).then_some(())
    });
    // Paused, the decoder fills the ring and waits for room, outside any read.
    if matches!(
        status(last).state,
        PlayState::Playing | PlayState::Buffering(_)
    ) {
        player.send(PlayerCmd::TogglePause);
        let _ = wait_for(Duration::from_secs(2), || {
            (status(last).state == PlayState::Paused).then_some(())
        });
        std::thread::sleep(Duration::from_millis(500));
    }
    match player.0.take() {
        Some(p) => drop_within(p, Duration::from_secs(5)),
        None => Ok(()),
    }
}

/// Drops `player` on another thread; an error if that takes longer than `limit`.
fn drop_within(player: Player, limit: Duration) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(player);
        let _ = tx.send(());
    });
    rx.recv_timeout(limit).map_err(|_| {
        HUNG.store(true, std::sync::atomic::Ordering::SeqCst);
        anyhow!(
            "stopping the player hung for {} s (a thread spins waiting for bytes)",
            limit.as_secs()
        )
    })
}

/// Drops a player while its download runs (0.4 s after its first sample): does it stop?
fn repro_drop_hang(rt: &tokio::runtime::Runtime, source: &Source) -> Result<()> {
    let (player, last) = start_player(rt, source, false, None);
    wait_for(Duration::from_secs(20), || player.first_sample_at())
        .with_context(|| format!("no first sample: {:?}", status(&last)))?;
    std::thread::sleep(Duration::from_millis(400));
    let st = status(&last);
    eprintln!(
        "dropping the player mid-download ({} of {:?} bytes, {:?})",
        st.downloaded, st.total, st.format
    );
    let t = Instant::now();
    stop_now(player)?;
    eprintln!("the player stopped in {:.0} ms", ms(t.elapsed()));
    Ok(())
}

/// Stops a player at once (however it is doing).
fn stop_now(mut player: Guarded) -> Result<()> {
    match player.0.take() {
        Some(p) => drop_within(p, Duration::from_secs(5)),
        None => Ok(()),
    }
}

/// One seek to `secs` in a fresh player on the null output, once the recording is downloaded.
fn seek_once(rt: &tokio::runtime::Runtime, source: &Source, secs: f64) -> Result<f64> {
    let (player, last) = start_player(rt, source, false, None);
    wait_for(Duration::from_secs(30), || {
        let s = status(&last);
        (s.complete && s.state == PlayState::Playing).then_some(())
    })
    .with_context(|| format!("not ready: {:?}", status(&last)))?;
    let t = Instant::now();
    player.send(PlayerCmd::SeekTo(secs));
    let landed = wait_for(Duration::from_secs(5), || {
        player.seek_landed_at().filter(|at| *at > t)
    });
    let Some(landed) = landed else {
        let st = status(&last);
        std::mem::forget(player);
        bail!(
            "had not landed 5 s later ({:?} at {:.2} s)",
            st.state,
            st.position
        );
    };
    stop_player(player, &last)?;
    Ok(ms(landed - t))
}

fn status(last: &Arc<Mutex<Status>>) -> Status {
    last.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let until = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > until {
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Ours on the null output: time to the first sample pulled, and the decoded leading silence
/// (seconds of recording before the first sample above the threshold).
fn ours_null_first(rt: &tokio::runtime::Runtime, source: &Source) -> Result<(f64, f64)> {
    let capture: Capture = Arc::new(Mutex::new(Vec::new()));
    let t0 = Instant::now();
    let (player, last) = start_player(rt, source, false, Some(capture.clone()));
    let first = wait_for(Duration::from_secs(20), || player.first_sample_at())
        .with_context(|| format!("no first sample: {:?}", status(&last)))?;
    std::thread::sleep(Duration::from_millis(400));
    let rate = f64::from(status(&last).sample_rate.max(1));
    let threshold = f32::from(LOUD) / 32768.0;
    let lead = capture
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|f| f.l.abs() > threshold)
        .map_or(f64::NAN, |f| f.pos as f64 / rate);
    stop_player(player, &last)?;
    Ok((ms(first - t0), lead))
}

/// Ours through cpal's PulseAudio backend: time to the first sound at the sink's monitor, and
/// to the first sample pulled by cpal's callback.
fn ours_pulse_first(
    rt: &tokio::runtime::Runtime,
    source: &Source,
    mon: &Monitor,
) -> Result<(f64, f64)> {
    mon.wait_quiet(Duration::from_millis(300));
    let t0 = Instant::now();
    let (player, last) = start_player(rt, source, true, None);
    let onset = mon.onset(t0, Duration::from_secs(20));
    let pulled = player.first_sample_at();
    let st = status(&last);
    stop_player(player, &last)?;
    if st.output != OutputKind::Device {
        bail!(
            "our player did not open the PulseAudio device: {:?} (PULSE_SERVER={:?})",
            st.output,
            std::env::var("PULSE_SERVER").ok()
        );
    }
    let onset = onset.with_context(|| format!("no sound from our player: {st:?}"))?;
    let pulled = pulled.context("no first sample pulled")?;
    Ok((ms(onset - t0), ms(pulled - t0)))
}

fn mpv_command(url: &str, speed: f32) -> Vec<String> {
    let mut c: Vec<String> = [
        "mpv",
        "--no-config",
        "--no-video",
        "--ao=pulse",
        "--really-quiet",
        "--no-terminal",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if speed != 1.0 {
        c.push(format!("--speed={speed}"));
    }
    c.push(url.to_string());
    c
}

fn ffplay_command(url: &str) -> Vec<String> {
    ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet", url]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn spawn(cmd: &[String]) -> Result<Child> {
    Command::new(&cmd[0])
        .args(&cmd[1..])
        .env("SDL_AUDIODRIVER", "pulseaudio")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| cmd[0].clone())
}

/// An external player: from its spawn to the first sound at the monitor.
fn external_first(cmd: &[String], mon: &Monitor) -> Result<f64> {
    mon.wait_quiet(Duration::from_millis(300));
    let t0 = Instant::now();
    let mut child = spawn(cmd)?;
    let onset = mon.onset(t0, Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    let onset = onset.with_context(|| format!("no sound from {}", cmd[0]))?;
    Ok(ms(onset - t0))
}

/// From a GET of `url` to the first byte of its body: the floor under every player's figure.
fn first_byte(rt: &tokio::runtime::Runtime, url: &str) -> Result<f64> {
    rt.block_on(async {
        let client = reqwest::Client::new();
        let t0 = Instant::now();
        let mut resp = client.get(url).send().await?.error_for_status()?;
        let chunk = resp.chunk().await?;
        let at = Instant::now();
        if chunk.is_none_or(|c| c.is_empty()) {
            bail!("an empty body");
        }
        Ok(ms(at - t0))
    })
}

/// Seconds of near-silence ffmpeg's decoder (mpv's and ffplay's) puts before the first sound.
fn ffmpeg_leading_silence(path: &str, f: Format) -> f64 {
    let out = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-i",
            path,
            "-f",
            "s16le",
            "-ac",
            "1",
            "-",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let Ok(out) = out else { return f64::NAN };
    out.stdout
        .chunks_exact(2)
        .position(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs() > LOUD as u16)
        .map_or(f64::NAN, |i| {
            i as f64 / f64::from(f.test_format().sample_rate())
        })
}

// ---------------------------------------------------------------------------------------------
// Seeks
// ---------------------------------------------------------------------------------------------

/// `n` seeks to random places of the downloaded recording: milliseconds from `SeekTo` to the
/// first sample of the new place pulled by the output.
/// Seek latencies, and what went wrong when a seek failed (the series stops at a seek that
/// does not land).
struct SeekRun {
    landed: Vec<f64>,
    failures: Vec<String>,
    /// How the output pulls: median frames per pull and milliseconds between pulls (a seek
    /// lands at the pull after the decoder has the new place ready).
    pulls: Option<(f64, f64)>,
}

/// Watches the output's pulled-frame counter for `over`: median frames per pull and median
/// milliseconds between pulls.
fn pull_pattern(player: &Player, over: Duration) -> Option<(f64, f64)> {
    let until = Instant::now() + over;
    let mut seen: Vec<(Instant, u64)> = Vec::new();
    while Instant::now() < until {
        if let Some((_, pulled)) = player.output_position()
            && seen.last().is_none_or(|(_, p)| *p != pulled)
        {
            seen.push((Instant::now(), pulled));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let steps: Vec<(f64, f64)> = seen
        .windows(2)
        .map(|w| ((w[1].1 - w[0].1) as f64, ms(w[1].0 - w[0].0)))
        .collect();
    if steps.len() < 3 {
        return None;
    }
    let frames: Vec<f64> = steps.iter().map(|s| s.0).collect();
    let gaps: Vec<f64> = steps.iter().map(|s| s.1).collect();
    Some((median(&frames), median(&gaps)))
}

fn seeks(rt: &tokio::runtime::Runtime, source: &Source, device: bool, n: usize) -> Result<SeekRun> {
    let (player, last) = start_player(rt, source, device, None);
    let ready = wait_for(Duration::from_secs(30), || {
        let s = status(&last);
        (s.complete && s.state == PlayState::Playing && s.duration.is_some()).then_some(s)
    })
    .with_context(|| format!("the download did not complete: {:?}", status(&last)))?;
    if device && ready.output != OutputKind::Device {
        bail!(
            "our player did not open the PulseAudio device: {:?}",
            ready.output
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    let duration = ready.duration.unwrap_or(10.0);
    let rate = f64::from(ready.sample_rate.max(1));
    let mut rng = fastrand::Rng::with_seed(7);
    let mut run = SeekRun {
        landed: Vec::new(),
        failures: Vec::new(),
        pulls: pull_pattern(&player, Duration::from_millis(800)),
    };
    for i in 0..n {
        let target = 1.0 + rng.f64() * (duration - 4.0).max(1.0);
        let t = Instant::now();
        player.send(PlayerCmd::SeekTo(target));
        let Some(landed) = wait_for(Duration::from_secs(5), || {
            player.seek_landed_at().filter(|at| *at > t)
        }) else {
            let st = status(&last);
            run.failures.push(format!(
                "seek {} of {n} (to {target:.2} s) had not landed 5 s later ({:?} at {:.2} s)",
                i + 1,
                st.state,
                st.position
            ));
            // Stopping it may hang too: leave it to the guard.
            return Ok(run);
        };
        run.landed.push(ms(landed - t));
        std::thread::sleep(Duration::from_millis(150));
        // It played from where it was asked to.
        if let Some((pos, _)) = player.output_position() {
            let heard = pos as f64 / rate;
            if !(target - 0.05..target + 0.6).contains(&heard) {
                run.failures.push(format!(
                    "seek {} of {n} to {target:.2} s plays at {heard:.2} s",
                    i + 1
                ));
            }
        }
        // A random spacing, so seeks do not fall in step with the output's pulls.
        std::thread::sleep(Duration::from_millis(200 + rng.u64(0..=100)));
    }
    stop_player(player, &last)?;
    Ok(run)
}

// ---------------------------------------------------------------------------------------------
// CPU
// ---------------------------------------------------------------------------------------------

/// CPU over the window: the player's process, and the PulseAudio server's.
#[derive(Clone, Copy, Debug)]
struct Cpu {
    player: f64,
    server: Option<f64>,
}

const WINDOW: Duration = Duration::from_secs(10);

fn own_cpu() -> Duration {
    // SAFETY: getrusage writes into the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn proc_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    // Fields 14 and 15 of stat(5), counted from the state (field 3).
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_micros(ticks * 1_000_000 / hz))
}

fn percent(d: Duration, over: Duration) -> f64 {
    100.0 * d.as_secs_f64() / over.as_secs_f64()
}

fn ours_cpu(
    rt: &tokio::runtime::Runtime,
    source: &Source,
    device: bool,
    speed: f32,
    pulse: Option<&Pulse>,
) -> Result<Cpu> {
    let (player, last) = start_player(rt, source, device, None);
    let first = wait_for(Duration::from_secs(20), || player.first_sample_at())
        .with_context(|| format!("no first sample: {:?}", status(&last)))?;
    if speed != 1.0 {
        player.send(PlayerCmd::SetSpeed(speed));
    }
    std::thread::sleep((first + Duration::from_secs(1)).saturating_duration_since(Instant::now()));
    let server = pulse.and_then(|p| p.pid);
    let (c0, s0, w0) = (own_cpu(), server.and_then(proc_cpu), Instant::now());
    std::thread::sleep(WINDOW);
    let (c1, s1, w1) = (own_cpu(), server.and_then(proc_cpu), Instant::now());
    let st = status(&last);
    stop_player(player, &last)?;
    if st.state != PlayState::Playing || (st.speed - speed).abs() > 1e-3 {
        bail!("not playing at {speed}× through the window: {st:?}");
    }
    let over = w1 - w0;
    Ok(Cpu {
        player: percent(c1 - c0, over),
        server: s0.zip(s1).map(|(a, b)| percent(b - a, over)),
    })
}

fn external_cpu(cmd: &[String], pulse: Option<&Pulse>) -> Result<Cpu> {
    let t0 = Instant::now();
    let mut child = spawn(cmd)?;
    let pid = child.id();
    // Its first sound comes 0.1–0.4 s after the spawn: the window starts about a second later.
    std::thread::sleep(
        (t0 + Duration::from_millis(1300)).saturating_duration_since(Instant::now()),
    );
    let server = pulse.and_then(|p| p.pid);
    let (c0, s0, w0) = (proc_cpu(pid), server.and_then(proc_cpu), Instant::now());
    std::thread::sleep(WINDOW);
    let (c1, s1, w1) = (proc_cpu(pid), server.and_then(proc_cpu), Instant::now());
    let alive = matches!(child.try_wait(), Ok(None));
    let _ = child.kill();
    let _ = child.wait();
    if !alive {
        bail!("{} ended before the window did", cmd[0]);
    }
    let over = w1 - w0;
    let (c0, c1) = c0.zip(c1).context("the player's /proc stat")?;
    Ok(Cpu {
        player: percent(c1 - c0, over),
        server: s0.zip(s1).map(|(a, b)| percent(b - a, over)),
    })
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Default)]
struct Report {
    /// (format, what, milliseconds of each run)
    first: Vec<(Format, String, Vec<f64>)>,
    leading_ffmpeg: Vec<(Format, f64)>,
    leading_ours: Vec<(Format, f64)>,
    seeks: Vec<(Format, bool, SeekRun)>,
    /// (format, what, recording requests the server saw for each run)
    requests: Vec<(Format, String, Vec<usize>)>,
    /// Why the measurements stopped early.
    stopped: Option<String>,
    cpu: Vec<(Format, f32, String, Cpu)>,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::min)
}

impl Report {
    fn add_first(&mut self, f: Format, what: &str, ms: f64) {
        eprintln!("  {what}: {ms:.0} ms");
        match self.first.iter_mut().find(|(g, w, _)| *g == f && w == what) {
            Some((_, _, v)) => v.push(ms),
            None => self.first.push((f, what.to_string(), vec![ms])),
        }
    }

    fn first_cell(&self, f: Format, what: &str) -> String {
        match self.first.iter().find(|(g, w, _)| *g == f && w == what) {
            Some((_, _, v)) => format!("{:.0} ms ({:.0}–{:.0})", median(v), min(v), max(v)),
            None => "—".into(),
        }
    }

    fn requests_cell(&self, f: Format, what: &str) -> String {
        let Some((_, _, v)) = self.requests.iter().find(|(g, w, _)| *g == f && w == what) else {
            return "—".into();
        };
        match (v.iter().min(), v.iter().max()) {
            (Some(lo), Some(hi)) if lo == hi => lo.to_string(),
            (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
            _ => "—".into(),
        }
    }

    fn add_requests(&mut self, f: Format, what: &str, n: usize) {
        match self
            .requests
            .iter_mut()
            .find(|(g, w, _)| *g == f && w == what)
        {
            Some((_, _, v)) => v.push(n),
            None => self.requests.push((f, what.to_string(), vec![n])),
        }
    }

    fn print(&self, args: &Args) {
        println!();
        if let Some(why) = &self.stopped {
            println!("**The measurements stopped early: {why}**\n");
        }
        if !self.first.is_empty() {
            println!(
                "### Time to first sound ({} KB/s link, {} ms to the first byte; median (min–max) of {} runs)\n",
                LINK_BYTES_PER_SEC / 1000,
                LINK_LATENCY_MS,
                args.runs
            );
            println!(
                "| player | {} | {} | recording requests per play (WAV / MP3) |",
                Format::Wav.label(),
                Format::Mp3.label()
            );
            println!("|---|---|---|---|");
            let mut whats: Vec<&str> = Vec::new();
            for (_, w, _) in &self.first {
                if !whats.contains(&w.as_str()) {
                    whats.push(w);
                }
            }
            for w in whats {
                println!(
                    "| {w} | {} | {} | {} / {} |",
                    self.first_cell(Format::Wav, w),
                    self.first_cell(Format::Mp3, w),
                    self.requests_cell(Format::Wav, w),
                    self.requests_cell(Format::Mp3, w)
                );
            }
            println!();
            for (f, s) in &self.leading_ffmpeg {
                println!(
                    "- {}: ffmpeg (mpv, ffplay) decodes {:.0} ms of near-silence before the first sound",
                    f.label(),
                    s * 1000.0
                );
            }
            for (f, s) in &self.leading_ours {
                println!(
                    "- {}: ours decodes {:.0} ms of near-silence before the first sound",
                    f.label(),
                    s * 1000.0
                );
            }
            println!();
        }
        if !self.seeks.is_empty() {
            println!(
                "### Seek within downloaded audio (SeekTo → first sample of the new place pulled)\n"
            );
            println!("| recording | output | seeks landed | median | max | the output pulls |");
            println!("|---|---|---|---|---|---|");
            for (f, device, run) in &self.seeks {
                let v = &run.landed;
                let stuck = run.failures.iter().any(|e| e.contains("landed"));
                let pulls = run.pulls.map_or("—".to_string(), |(frames, gap)| {
                    format!("{frames:.0} frames every {gap:.1} ms")
                });
                println!(
                    "| {} | {} | {} of {} | {:.1} ms | {:.1} ms | {pulls} |",
                    f.label(),
                    output_name(*device),
                    v.len(),
                    v.len() + usize::from(stuck),
                    median(v),
                    max(v)
                );
            }
            println!();
            for (f, device, run) in &self.seeks {
                for e in &run.failures {
                    println!("- {} on {}: {e}", f.label(), output_name(*device));
                }
            }
            println!();
        }
        if !self.cpu.is_empty() {
            println!(
                "### CPU while playing (user + system over {} s, % of one core; PulseAudio server beside)\n",
                WINDOW.as_secs()
            );
            println!("| recording | speed | player | player CPU | PulseAudio server CPU |");
            println!("|---|---|---|---|---|");
            for (f, speed, who, c) in &self.cpu {
                println!(
                    "| {} | {speed}× | {who} | {:.1} % | {} |",
                    f.label(),
                    c.player,
                    c.server.map_or("—".to_string(), |s| format!("{s:.1} %"))
                );
            }
            println!();
        }
    }
}
