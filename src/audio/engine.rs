//! The decode thread: reads the recording as it downloads, decodes it, time-stretches it when
//! the speed is not 1× (WSOLA: the pitch stays) and keeps the output's ring full, each frame
//! carrying the recording frame it plays. A seek or a speed change starts a new generation: the
//! decoder seeks, the stretcher restarts, the output drops the older frames.

use std::collections::VecDeque;
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rtrb::Producer;
use wsola::TimeStretch;

use super::buffer::Reader;
use super::decode::{DecodeError, Decoder, Format};
use super::output::{Frame, Shared};

/// What the decode thread is asked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DecodeCmd {
    /// Play from recording frame `frame` at `tempo` as generation `generation`.
    Start {
        frame: u64,
        tempo: f32,
        generation: u32,
    },
}

/// What the decode thread tells.
#[derive(Debug)]
pub enum DecodeEvent {
    Opened(Format),
    /// Decoding of `generation` reached the end of the recording at `frame`.
    Ended {
        generation: u32,
        frame: u64,
    },
    Failed(DecodeError),
}

/// The running decode thread; dropping it stops it.
pub struct DecodeThread {
    tx: Sender<DecodeCmd>,
    interrupt: Arc<AtomicBool>,
    reader: Reader,
    thread: Option<JoinHandle<()>>,
}

impl DecodeThread {
    /// Starts decoding `reader` (a recording of `content_type`) into `ring`.
    pub fn start(
        reader: Reader,
        content_type: Option<String>,
        ring: Producer<Frame>,
        shared: Arc<Shared>,
        tell: impl Fn(DecodeEvent) + Send + 'static,
    ) -> DecodeThread {
        let (tx, rx) = std::sync::mpsc::channel();
        let interrupt = Arc::new(AtomicBool::new(false));
        let reader = reader.with_interrupt(interrupt.clone());
        let mut worker = Worker {
            reader: reader.clone_at(0),
            content_type,
            ring,
            shared,
            rx,
            interrupt: interrupt.clone(),
            pending: VecDeque::new(),
            generation: 0,
            tempo: 1.0,
            skip_to: 0,
            decoded_to: 0,
            stretch: None,
            stretch_base: 0,
            stretched: 0,
        };
        let thread = std::thread::Builder::new()
            .name("audio-decode".into())
            .spawn(move || worker.run(&tell))
            .ok();
        DecodeThread {
            tx,
            interrupt,
            reader,
            thread,
        }
    }

    /// Asks for `cmd`, interrupting a read that waits for bytes still downloading.
    pub fn send(&self, cmd: DecodeCmd) {
        if self.tx.send(cmd).is_ok() {
            self.interrupt.store(true, Ordering::Release);
            self.reader.recording().wake();
        }
    }
}

impl Drop for DecodeThread {
    fn drop(&mut self) {
        // Closing the channel ends the loop; the interruption wakes a waiting read.
        let (tx, _) = std::sync::mpsc::channel();
        drop(std::mem::replace(&mut self.tx, tx));
        self.interrupt.store(true, Ordering::Release);
        self.reader.recording().wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Worker {
    reader: Reader,
    content_type: Option<String>,
    ring: Producer<Frame>,
    shared: Arc<Shared>,
    rx: Receiver<DecodeCmd>,
    interrupt: Arc<AtomicBool>,
    /// Frames decoded but not yet in the ring (it was full).
    pending: VecDeque<Frame>,
    generation: u32,
    tempo: f32,
    /// Frames before this one are dropped (a seek lands on a packet at or before its target).
    skip_to: u64,
    /// The recording frame after the last one decoded (where a reopened decoder goes on).
    decoded_to: u64,
    stretch: Option<TimeStretch>,
    /// Recording frame of the first frame given to the stretcher, and output frames it made.
    stretch_base: u64,
    stretched: u64,
}

/// What the loop does next.
enum Step {
    Go,
    Stop,
}

impl Worker {
    fn run(&mut self, tell: &dyn Fn(DecodeEvent)) {
        let Some(mut dec) = self.open(tell) else {
            return;
        };
        tell(DecodeEvent::Opened(dec.info.clone()));
        if self.decoded_to > 0 {
            self.seek(&mut dec, self.decoded_to);
        }
        let mut ended = false;
        loop {
            // Idle (waiting a little for a command) only when there is nothing to do: the
            // ring is full or decoding ended. Frames just decoded are flushed first, or every
            // packet would cost a wait.
            let idle = ended || !self.flush();
            match self.commands(&mut dec, &mut ended, idle) {
                Step::Stop => return,
                Step::Go => {}
            }
            if !self.flush() || ended {
                continue;
            }
            match dec.next_chunk() {
                Ok(Some(chunk)) => self.take(&dec.info, chunk.first_frame, &chunk.samples),
                Ok(None) => {
                    if let Step::Stop = self.end_generation(&mut dec, &mut ended) {
                        return;
                    }
                    if ended {
                        tell(DecodeEvent::Ended {
                            generation: self.generation,
                            frame: self.shared.position(),
                        });
                    }
                }
                Err(DecodeError::Stopped) => {
                    // Interrupted while waiting for bytes: the command is read at the top; the
                    // decoder is opened again (its reader's state is unknown).
                    self.interrupt.store(false, Ordering::Release);
                    match self.reopen(tell) {
                        Some(d) => dec = d,
                        None => return,
                    }
                }
                // The bytes stopped (the download failed) or the file is damaged: what was
                // decoded plays to its last frame, then the player says why.
                Err(e) => {
                    if let Step::Stop = self.end_generation(&mut dec, &mut ended) {
                        return;
                    }
                    if ended {
                        tell(DecodeEvent::Failed(e));
                    }
                }
            }
        }
    }

    /// Decoding of the current generation reached its end: the stretcher's tail is pushed
    /// (waiting for room) and the end is marked for the output, unless a seek meanwhile started
    /// another generation, which plays on. `ended` tells which.
    fn end_generation(&mut self, dec: &mut Decoder, ended: &mut bool) -> Step {
        let generation = self.generation;
        self.drain();
        while !self.flush() {
            if let Step::Stop = self.commands(dec, ended, true) {
                return Step::Stop;
            }
            if *ended || self.generation != generation {
                break;
            }
        }
        if !*ended && self.generation == generation {
            self.shared.end(generation);
            *ended = true;
        }
        Step::Go
    }

    /// Opens the decoder, retrying after interruptions; `None`: stopped or failed (told).
    fn open(&mut self, tell: &dyn Fn(DecodeEvent)) -> Option<Decoder> {
        loop {
            match Decoder::open(self.reader.clone_at(0), self.content_type.as_deref()) {
                Ok(d) => return Some(d),
                Err(DecodeError::Stopped) => {
                    self.interrupt.store(false, Ordering::Release);
                    // Stopped for good, or a command that can wait for the decoder.
                    match self.rx.recv_timeout(Duration::ZERO) {
                        Err(RecvTimeoutError::Disconnected) => return None,
                        Ok(cmd) => self.apply_later(cmd),
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                }
                Err(e) => {
                    tell(DecodeEvent::Failed(e));
                    // Stay until stopped so the player keeps its state.
                    while self.rx.recv().is_ok() {}
                    return None;
                }
            }
        }
    }

    fn reopen(&mut self, tell: &dyn Fn(DecodeEvent)) -> Option<Decoder> {
        let mut d = self.open(tell)?;
        // The reopened decoder lands at or before where decoding stopped: what was taken
        // already is not taken again (it would be heard twice).
        self.skip_to = self.skip_to.max(self.decoded_to);
        self.seek(&mut d, self.decoded_to);
        Some(d)
    }

    /// A command that arrived before the decoder existed: remembered for the first seek.
    fn apply_later(
        &mut self,
        DecodeCmd::Start {
            frame,
            tempo,
            generation,
        }: DecodeCmd,
    ) {
        self.restart(frame, tempo, generation);
    }

    fn restart(&mut self, frame: u64, tempo: f32, generation: u32) {
        self.generation = generation;
        self.tempo = tempo;
        self.skip_to = frame;
        self.decoded_to = frame;
        self.pending.clear();
        self.stretch_base = frame;
        self.stretched = 0;
        self.stretch = None;
    }

    /// Applies the commands waiting; blocks a little for one when `idle` (the ring is full or
    /// decoding ended).
    fn commands(&mut self, dec: &mut Decoder, ended: &mut bool, idle: bool) -> Step {
        let first = if idle {
            self.rx.recv_timeout(Duration::from_millis(5))
        } else {
            self.rx.recv_timeout(Duration::ZERO)
        };
        let mut next = first;
        loop {
            match next {
                Ok(DecodeCmd::Start {
                    frame,
                    tempo,
                    generation,
                }) => {
                    self.interrupt.store(false, Ordering::Release);
                    self.restart(frame, tempo, generation);
                    self.seek(dec, frame);
                    *ended = false;
                }
                Err(RecvTimeoutError::Disconnected) => return Step::Stop,
                Err(RecvTimeoutError::Timeout) => return Step::Go,
            }
            next = self.rx.recv_timeout(Duration::ZERO);
        }
    }

    fn seek(&mut self, dec: &mut Decoder, frame: u64) {
        match dec.seek(frame) {
            Ok(_) => {}
            Err(e) => {
                // Decoding goes on from where it is; frames before the target are skipped, so
                // a failed seek backwards is re-read from the start.
                tracing::debug!("seek to frame {frame} failed: {e}");
                if let Ok(fresh) =
                    Decoder::open(self.reader.clone_at(0), self.content_type.as_deref())
                {
                    *dec = fresh;
                }
            }
        }
    }

    /// Turns decoded samples into frames (dropping those before `skip_to`), stretched when the
    /// tempo is not 1.
    fn take(&mut self, info: &Format, first_frame: u64, samples: &[f32]) {
        let ch = usize::from(info.channels.max(1));
        let frames = samples.len() / ch;
        self.decoded_to = self.decoded_to.max(first_frame + frames as u64);
        let skip = self.skip_to.saturating_sub(first_frame).min(frames as u64) as usize;
        if skip == frames {
            return;
        }
        let start = first_frame + skip as u64;
        let two: Vec<f32> = samples[skip * ch..frames * ch]
            .chunks_exact(ch)
            .flat_map(|f| [f[0], if ch > 1 { f[1] } else { f[0] }])
            .collect();
        if (self.tempo - 1.0).abs() < 1e-3 {
            let generation = self.generation;
            self.pending
                .extend(two.chunks_exact(2).enumerate().map(|(i, f)| Frame {
                    l: f[0],
                    r: f[1],
                    pos: start + i as u64,
                    generation,
                }));
            return;
        }
        let stretch = match &mut self.stretch {
            Some(s) => s,
            None => {
                let Some(s) = new_stretch(info.sample_rate, self.tempo) else {
                    return;
                };
                self.stretch_base = start;
                self.stretched = 0;
                self.stretch.insert(s)
            }
        };
        stretch.push(&two);
        self.pull_stretched();
    }

    fn pull_stretched(&mut self) {
        let Some(stretch) = &mut self.stretch else {
            return;
        };
        let unit = stretch.min_output_buff_size();
        let mut out = vec![0.0f32; unit * 8];
        while let Ok(n) = stretch.pull(&mut out) {
            if n == 0 {
                break;
            }
            for f in out[..n].chunks_exact(2) {
                let pos =
                    self.stretch_base + (self.stretched as f64 * f64::from(self.tempo)) as u64;
                self.pending.push_back(Frame {
                    l: f[0],
                    r: f[1],
                    pos,
                    generation: self.generation,
                });
                self.stretched += 1;
            }
        }
    }

    /// The stretcher's tail at the end of the recording.
    fn drain(&mut self) {
        if let Some(s) = &mut self.stretch {
            s.set_draining();
        }
        self.pull_stretched();
    }

    /// Pushes pending frames into the ring; `true` when none is left.
    fn flush(&mut self) -> bool {
        let room = self.ring.slots();
        let n = room.min(self.pending.len());
        if n > 0
            && let Ok(chunk) = self.ring.write_chunk_uninit(n)
        {
            chunk.fill_from_iter(self.pending.drain(..n));
        }
        self.pending.is_empty()
    }
}

/// A stretcher of two interleaved channels at `tempo`.
fn new_stretch(sample_rate: u32, tempo: f32) -> Option<TimeStretch> {
    let rate = NonZeroU32::new(sample_rate)?;
    let mut s = TimeStretch::new(rate, NonZeroU16::new(2)?).ok()?;
    s.set_tempo(tempo);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::buffer::{Fill, Recording};
    use rtrb::RingBuffer;

    /// A WAV of `frames` frames of a 440 Hz tone, 16-bit PCM, 8 kHz mono.
    fn wav(frames: usize) -> Vec<u8> {
        let samples: Vec<i16> = (0..frames)
            .map(|n| ((n as f64 * 440.0 / 8000.0 * std::f64::consts::TAU).sin() * 16000.0) as i16)
            .collect();
        callbrowser_emulators::testaudio::wav_pcm16(8000, 1, &samples)
    }

    /// At 2× the stretcher's tail is pushed after the last packet: when the ring is full the
    /// decoder waits for room. A seek then starts a generation that must play, not one marked
    /// ended before its first frame (the output said "finished" at once). Paused (nothing
    /// consumed), the wait lasts: the ring's size is scanned around the output's length.
    #[test]
    fn a_seek_while_the_last_frames_wait_for_room_plays() {
        for frames in (15_000..=16_400).step_by(100) {
            let rec = Recording::new();
            rec.append(&wav(frames));
            rec.finish(Fill::Complete);
            let (producer, mut ring) = RingBuffer::new(8000);
            let shared = Shared::new(8000);
            let (tx, events) = std::sync::mpsc::channel();
            let d = DecodeThread::start(
                rec.reader(),
                Some("audio/wav".into()),
                producer,
                shared.clone(),
                move |e| {
                    let _ = tx.send(e);
                },
            );
            assert!(matches!(
                events.recv_timeout(Duration::from_secs(10)),
                Ok(DecodeEvent::Opened(_))
            ));
            let g1 = shared.begin(0);
            d.send(DecodeCmd::Start {
                frame: 0,
                tempo: 2.0,
                generation: g1,
            });
            // The output drops what was decoded before (generation 0) and plays nothing more.
            let until = std::time::Instant::now() + Duration::from_millis(60);
            while std::time::Instant::now() < until {
                while ring.peek().is_ok_and(|f| f.generation != g1) {
                    let _ = ring.pop();
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            let g2 = shared.begin(0);
            d.send(DecodeCmd::Start {
                frame: 0,
                tempo: 1.0,
                generation: g2,
            });
            let mut got = 0;
            let until = std::time::Instant::now() + Duration::from_secs(5);
            while got < 1000 && std::time::Instant::now() < until {
                match ring.pop() {
                    Ok(f) if f.generation == g2 => got += 1,
                    Ok(_) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
            assert!(
                got >= 1000,
                "{frames} frames: the seek's generation played {got} frames"
            );
        }
    }
}
