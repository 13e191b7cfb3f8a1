//! Turn-by-turn listening. No vendor gives the times of its transcript's turns, so they are
//! estimated from the audio: [`Energy`] measures every 10 ms of each channel as the decoder
//! delivers it (in any order: after a seek too), [`speech_segments`] finds where someone speaks,
//! and [`align`] places the transcript's turns on that speech — by speaker on a stereo recording
//! (agent left, caller right), by the length of their text on a mono one. [`turn_at`],
//! [`next_turn`] and [`prev_turn`] answer the player; [`jump_points`] serves calls without a
//! transcript.

/// Length of one analysis frame in seconds.
pub const FRAME_SECS: f64 = 0.01;
const FRAMES_PER_SEC: u64 = 100;
/// The level of digital silence (and of a frame nothing was decoded in), dBFS.
const SILENCE_DB: f32 = -100.0;
/// Audio placed beyond 12 hours has a garbage position: it is ignored (and allocates nothing).
const MAX_FRAMES: u64 = 12 * 3600 * FRAMES_PER_SEC;

/// The mean square of every 10 ms frame of every channel, filled as decoded chunks arrive.
#[derive(Clone, Debug, Default)]
pub struct Energy {
    sample_rate: u32,
    channels: usize,
    /// Sum of squares, `frame * channels + channel`.
    sums: Vec<f64>,
    /// Samples (per channel) summed in each frame; 0 = not decoded yet.
    counts: Vec<u32>,
    /// One past the last sample frame seen.
    end: u64,
}

/// The first sample frame of analysis frame `k`.
fn first_sample(k: u64, rate: u64) -> u64 {
    (k * rate).div_ceil(FRAMES_PER_SEC)
}

impl Energy {
    pub fn new() -> Energy {
        Energy::default()
    }

    /// Adds decoded audio: `interleaved` samples of `channels` channels from recording frame
    /// `first_frame`. Chunks may come in any order and overlap (decoded again after a seek): a
    /// frame is counted once. Another channel count or rate starts over.
    pub fn push(
        &mut self,
        first_frame: u64,
        interleaved: &[f32],
        channels: usize,
        sample_rate: u32,
    ) {
        if channels == 0 || sample_rate == 0 {
            return;
        }
        if channels != self.channels || sample_rate != self.sample_rate {
            *self = Energy {
                sample_rate,
                channels,
                ..Energy::default()
            };
        }
        let rate = u64::from(sample_rate);
        let total = (interleaved.len() / channels) as u64;
        let mut sums = vec![0.0f64; channels];
        let mut at = 0u64;
        while at < total {
            let n = first_frame.saturating_add(at);
            let k = n.saturating_mul(FRAMES_PER_SEC) / rate;
            if k >= MAX_FRAMES {
                break;
            }
            let (k0, k1) = (first_sample(k, rate), first_sample(k + 1, rate));
            let take = (k1 - n).min(total - at);
            sums.iter_mut().for_each(|s| *s = 0.0);
            let span = at as usize * channels..(at + take) as usize * channels;
            for frame in interleaved[span].chunks_exact(channels) {
                for (s, &x) in sums.iter_mut().zip(frame) {
                    *s += f64::from(x) * f64::from(x);
                }
            }
            self.store(k as usize, &sums, take as u32, (k1 - k0) as u32);
            at += take;
        }
        self.end = self.end.max(first_frame.saturating_add(at));
    }

    fn store(&mut self, k: usize, sums: &[f64], n: u32, full: u32) {
        let ch = self.channels;
        if self.counts.len() <= k {
            self.counts.resize(k + 1, 0);
            self.sums.resize((k + 1) * ch, 0.0);
        }
        let have = self.counts[k];
        let slot = &mut self.sums[k * ch..(k + 1) * ch];
        if n >= full || (have + n > full && n > have) {
            // A whole frame, or more of it than was there (decoded again after a seek).
            slot.copy_from_slice(sums);
            self.counts[k] = n.min(full);
        } else if have + n <= full {
            slot.iter_mut().zip(sums).for_each(|(s, x)| *s += x);
            self.counts[k] = have + n;
        }
    }

    /// Analysis frames so far (decoded or not: a seek ahead leaves frames not yet decoded).
    pub fn frames(&self) -> usize {
        self.counts.len()
    }

    /// Seconds of audio up to the last sample seen.
    pub fn secs(&self) -> f64 {
        self.end as f64 / f64::from(self.sample_rate.max(1))
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The level of frame `k` of `channel` in dBFS (≥ −100), `None` if not decoded yet.
    pub fn level_db(&self, k: usize, channel: usize) -> Option<f32> {
        let n = *self.counts.get(k).filter(|&&n| n > 0)?;
        let sum = self.sums.get(k * self.channels + channel)?;
        Some(((10.0 * (sum / f64::from(n)).max(1e-12).log10()) as f32).max(SILENCE_DB))
    }
}

/// A stretch of speech.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    /// The channel on a stereo recording (0 = agent, left; 1 = caller, right); `None` on mono.
    pub channel: Option<usize>,
}

/// Pauses shorter than this (in frames) stay inside a segment: syllables and words. A turn gap
/// is longer (≥ 250 ms).
const MIN_GAP_FRAMES: usize = 24;
/// Shorter bursts are clicks, not speech.
const MIN_SPEECH_FRAMES: usize = 8;
/// Speech is at least this far above the noise floor…
const MARGIN_DB: f32 = 10.0;
/// …and at most this far below the loudest speech.
const RANGE_DB: f32 = 40.0;
/// A channel quieter than the other by this much (over their thresholds) hears crosstalk.
const CROSSTALK_DB: f32 = 10.0;
/// A channel without quiet moments this loud is all speech; quieter, all noise.
const LOUD_DB: f32 = -35.0;

/// Where someone speaks: per channel on a stereo recording (a stretch heard on both belongs to
/// the louder, the other hears crosstalk), `channel: None` on mono (and on stereo whose two
/// channels carry the same sound). Sorted by start.
pub fn speech_segments(energy: &Energy) -> Vec<Segment> {
    let known: Vec<bool> = energy.counts.iter().map(|&n| n > 0).collect();
    let levels: Vec<Vec<f32>> = (0..energy.channels())
        .map(|c| {
            (0..energy.frames())
                .map(|k| energy.level_db(k, c).unwrap_or(SILENCE_DB))
                .collect()
        })
        .collect();
    let thresholds: Vec<Option<f32>> = levels.iter().map(|l| threshold(l, &known)).collect();
    if levels.len() < 2 || same_sound(&levels, &thresholds) {
        // The same sound on both channels: the first one is enough.
        let Some(thr) = thresholds.first().copied().flatten() else {
            return Vec::new();
        };
        let active: Vec<bool> = levels[0]
            .iter()
            .zip(&known)
            .map(|(&l, &k)| k && l > thr)
            .collect();
        return to_segments(&active, None);
    }
    let mut segs = Vec::new();
    for (c, lv) in levels.iter().enumerate() {
        let Some(thr) = thresholds[c] else { continue };
        let active: Vec<bool> = (0..lv.len())
            .map(|k| {
                let over = lv[k] - thr;
                known[k]
                    && over > 0.0
                    && !levels
                        .iter()
                        .zip(&thresholds)
                        .enumerate()
                        .any(|(o, (l, t))| {
                            o != c && t.is_some_and(|t| l[k] - t > over + CROSSTALK_DB)
                        })
            })
            .collect();
        segs.extend(to_segments(&active, Some(c)));
    }
    segs.sort_by(|a, b| a.start.total_cmp(&b.start));
    segs
}

/// The speech threshold of a channel from its noise floor (a low percentile) and its loudest
/// speech (a high one); `None` when it holds no speech.
fn threshold(levels: &[f32], known: &[bool]) -> Option<f32> {
    let mut sorted: Vec<f32> = levels
        .iter()
        .zip(known)
        .filter_map(|(l, k)| k.then_some(*l))
        .collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f32::total_cmp);
    let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p) as usize];
    let (floor, peak) = (at(0.1), at(0.99));
    if peak - floor < MARGIN_DB + 2.0 {
        return (peak > LOUD_DB).then_some(floor - 1.0);
    }
    Some((floor + MARGIN_DB).max(peak - RANGE_DB))
}

/// Whether the channels carry the same sound (a mono call saved as stereo).
fn same_sound(levels: &[Vec<f32>], thresholds: &[Option<f32>]) -> bool {
    let (Some(t0), Some(t1)) = (thresholds[0], thresholds[1]) else {
        return false;
    };
    let loud: Vec<(f32, f32)> = levels[0]
        .iter()
        .zip(&levels[1])
        .filter(|(a, b)| **a > t0 || **b > t1)
        .map(|(a, b)| (*a, *b))
        .collect();
    let alike = loud.iter().filter(|(a, b)| (a - b).abs() < 3.0).count();
    !loud.is_empty() && alike * 10 >= loud.len() * 8
}

/// Frames of speech → segments: short pauses bridged, short bursts dropped.
fn to_segments(active: &[bool], channel: Option<usize>) -> Vec<Segment> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut k = 0;
    while k < active.len() {
        if !active[k] {
            k += 1;
            continue;
        }
        let start = k;
        while k < active.len() && active[k] {
            k += 1;
        }
        match runs.last_mut() {
            Some(last) if start - last.1 < MIN_GAP_FRAMES => last.1 = k,
            _ => runs.push((start, k)),
        }
    }
    runs.into_iter()
        .filter(|(s, e)| e - s >= MIN_SPEECH_FRAMES)
        .map(|(s, e)| Segment {
            start: s as f64 * FRAME_SECS,
            end: e as f64 * FRAME_SECS,
            channel,
        })
        .collect()
}

/// Where to jump in a call without a transcript: the starts of speech (less than 0.5 s after
/// the previous one: left out).
pub fn jump_points(segments: &[Segment]) -> Vec<f64> {
    let mut starts: Vec<f64> = segments.iter().map(|s| s.start).collect();
    starts.sort_by(f64::total_cmp);
    starts.dedup_by(|later, kept| *later - *kept < 0.5);
    starts
}

/// Who said a turn, as far as the alignment cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speaker {
    /// On the left channel of a stereo recording.
    Agent,
    /// On the right channel.
    Caller,
    /// Anyone else, or not known: matches either channel.
    Unknown,
}

/// What the alignment knows of a transcript turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TurnInfo {
    pub speaker: Speaker,
    /// Length of its text (any consistent count: characters, letters).
    pub chars: usize,
}

/// When a turn is heard, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TurnTime {
    pub start: f64,
    pub end: f64,
    /// The start was not heard as the start of speech: it is placed by the length of the text
    /// (inside speech that holds several turns, or where no speech was found).
    pub estimated: bool,
}

/// The turns' times in the recording measured so far: same length and order as `turns`,
/// monotonic (each turn starts at or after the previous one ended), within `0..=secs()`.
pub fn align(energy: &Energy, turns: &[TurnInfo]) -> Vec<TurnTime> {
    align_segments(&speech_segments(energy), energy.secs(), turns)
}

/// [`align`] on segments found already, in a recording of `duration` seconds.
pub fn align_segments(segments: &[Segment], duration: f64, turns: &[TurnInfo]) -> Vec<TurnTime> {
    let duration = if duration.is_nan() {
        0.0
    } else {
        duration.clamp(0.0, 1e9)
    };
    let mut segs: Vec<Segment> = segments
        .iter()
        .filter(|s| s.start.is_finite() && s.end.is_finite())
        .map(|s| Segment {
            start: s.start.clamp(0.0, duration),
            end: s.end.clamp(0.0, duration),
            channel: s.channel,
        })
        .filter(|s| s.end > s.start)
        .collect();
    segs.sort_by(|a, b| a.start.total_cmp(&b.start));
    if turns.is_empty() {
        return Vec::new();
    }
    let mut times = vec![None; turns.len()];
    if !segs.is_empty() {
        let costs = Costs::new(&segs, turns);
        let steps = plan(&costs, turns.len(), segs.len());
        place(&costs, &segs, &steps, &mut times);
    }
    fill_and_order(times, turns, duration)
}

/// The weight of a turn's text: a turn without text still takes a little time.
fn weight(t: &TurnInfo) -> f64 {
    t.chars.max(1) as f64
}

/// Tuning of the alignment's costs (one unit ≈ a turn twice as long as its text says).
const SOFT_SECS: f64 = 0.5;
const SKIP_SEGMENT: f64 = 1.5;
const SKIP_SEGMENT_STEREO: f64 = 0.6;
const SKIP_PER_SEC: f64 = 0.5;
const MISS_TURN: f64 = 2.5;
const MISS_PER_SEC: f64 = 0.5;
const SPLIT_SPEECH: f64 = 0.6;
const PAUSE_WEIGHT: f64 = 0.8;
const PAUSE_FREE_SECS: f64 = 0.3;
/// A boundary placed inside speech moves to a start of speech this close.
const SNAP_SECS: f64 = 0.6;

/// The index of a segment's channel in the cost tables (2: mono or a third channel).
fn chan(s: &Segment) -> usize {
    match s.channel {
        Some(c) if c < 2 => c,
        _ => 2,
    }
}

fn spk(t: &TurnInfo) -> usize {
    match t.speaker {
        Speaker::Agent => 0,
        Speaker::Caller => 1,
        Speaker::Unknown => 2,
    }
}

/// Prefix sums over turns and segments, so that the cost of any group of them is O(1).
struct Costs {
    stereo: bool,
    /// The cost of a segment not in the transcript (a backchannel on stereo, rarer on mono).
    skip_base: f64,
    /// `chars[i][s]`: weight of speaker `s`'s text in turns `..i`.
    chars: Vec<[f64; 3]>,
    /// `count[i][s]`: turns of speaker `s` in `..i`.
    count: Vec<[u32; 3]>,
    /// `dur[j][c]`: seconds of speech on channel `c` in segments `..j`.
    dur: Vec<[f64; 3]>,
    nseg: Vec<[u32; 3]>,
    /// `pause[j]`: the cost of the pauses between consecutive segments in `..j`.
    pause: Vec<f64>,
    /// Seconds of speech per character, by speaker.
    rate: [f64; 3],
}

fn prefix<T: Copy + std::ops::AddAssign, U>(
    items: &[U],
    zero: T,
    f: impl Fn(&U) -> (usize, T),
) -> Vec<[T; 3]> {
    let mut out = Vec::with_capacity(items.len() + 1);
    let mut acc = [zero; 3];
    out.push(acc);
    for it in items {
        let (i, v) = f(it);
        acc[i] += v;
        out.push(acc);
    }
    out
}

fn diff<T: Copy + std::ops::Sub<Output = T>>(v: &[[T; 3]], a: usize, b: usize) -> [T; 3] {
    [v[b][0] - v[a][0], v[b][1] - v[a][1], v[b][2] - v[a][2]]
}

impl Costs {
    fn new(segs: &[Segment], turns: &[TurnInfo]) -> Costs {
        let stereo = segs.iter().any(|s| s.channel.is_some());
        let chars = prefix(turns, 0.0, |t| (spk(t), weight(t)));
        let count = prefix(turns, 0u32, |t| (spk(t), 1));
        let dur = prefix(segs, 0.0, |s| (chan(s), s.end - s.start));
        let nseg = prefix(segs, 0u32, |s| (chan(s), 1));
        let mut pause = vec![0.0; segs.len() + 1];
        for l in 1..segs.len() {
            let gap = segs[l].start - segs[l - 1].end;
            pause[l + 1] = pause[l] + PAUSE_WEIGHT * (gap - PAUSE_FREE_SECS).clamp(0.0, 1.5);
        }
        let (c, d) = (chars[turns.len()], dur[segs.len()]);
        let all = (d[0] + d[1] + d[2]) / (c[0] + c[1] + c[2]).max(1.0);
        let rate = if stereo {
            let own = |s: usize| Some(d[s] / c[s]).filter(|r| *r > 0.0).unwrap_or(all);
            [own(0), own(1), all]
        } else {
            [all; 3]
        };
        Costs {
            stereo,
            skip_base: if stereo {
                SKIP_SEGMENT_STEREO
            } else {
                SKIP_SEGMENT
            },
            chars,
            count,
            dur,
            nseg,
            pause,
            rate,
        }
    }

    /// Which segment channels the speakers of turns `a..b` are heard on.
    fn heard_on(&self, a: usize, b: usize) -> [bool; 3] {
        let n = diff(&self.count, a, b);
        if !self.stereo || n[2] > 0 {
            [true; 3]
        } else {
            [n[0] > 0, n[1] > 0, false]
        }
    }

    /// Whether turns `a..b` may share speech: on stereo only turns of one speaker.
    fn may_share(&self, a: usize, b: usize) -> bool {
        !self.stereo || diff(&self.count, a, b).contains(&((b - a) as u32))
    }

    /// Seconds of speech the text of turns `a..b` should take.
    fn expected(&self, a: usize, b: usize) -> f64 {
        let c = diff(&self.chars, a, b);
        (0..3).map(|s| c[s] * self.rate[s]).sum()
    }

    fn skip(&self, j: usize) -> f64 {
        let d = diff(&self.dur, j, j + 1);
        self.skip_base + SKIP_PER_SEC * (d[0] + d[1] + d[2])
    }

    fn miss(&self, i: usize) -> f64 {
        MISS_TURN + MISS_PER_SEC * self.expected(i, i + 1)
    }

    /// The cost of turns `a..b` heard in segments `p..q`, and the matching speech's length.
    fn group(&self, a: usize, b: usize, p: usize, q: usize) -> (f64, f64) {
        let on = self.heard_on(a, b);
        let (d, n) = (diff(&self.dur, p, q), diff(&self.nseg, p, q));
        let e = self.expected(a, b);
        let mut heard = 0.0;
        let mut cost = SPLIT_SPEECH * (b - a - 1) as f64 + self.pause[q] - self.pause[p + 1];
        for c in 0..3 {
            if on[c] {
                heard += d[c];
            } else {
                cost += self.skip_base * f64::from(n[c]) + SKIP_PER_SEC * d[c];
            }
        }
        if self.stereo {
            let who = diff(&self.count, a, b);
            cost += (0..2)
                .filter(|&s| who[s] > 0 && who[2] == 0 && n[s] == 0)
                .count() as f64
                * MISS_TURN;
        }
        let ratio = ((heard + SOFT_SECS) / (e + SOFT_SECS)).ln();
        (cost + ratio * ratio, heard)
    }
}

/// One step of the alignment: the next `turns` turns are heard in the next `segs` segments
/// (no turns: segments not in the transcript; no segments: turns not heard).
#[derive(Clone, Copy, Debug, Default)]
struct Step {
    turns: u32,
    segs: u32,
}

/// The cheapest way through turns and segments (dynamic programming over "the first i turns
/// are placed in the first j segments").
fn plan(costs: &Costs, n: usize, m: usize) -> Vec<Step> {
    let width = m + 1;
    let mut best = vec![f64::INFINITY; (n + 1) * width];
    let mut from = vec![Step::default(); (n + 1) * width];
    best[0] = 0.0;
    let max_segs = (3 * m / n.max(1) + 8).max(64).min(m);
    let max_shared = (2 * n / m.max(1) + 2).max(6);
    for i in 0..=n {
        for j in 0..=m {
            let base = best[i * width + j];
            if !base.is_finite() {
                continue;
            }
            let mut relax = |k: usize, s: usize, cost: f64| {
                let at = (i + k) * width + j + s;
                if base + cost < best[at] {
                    best[at] = base + cost;
                    from[at] = Step {
                        turns: k as u32,
                        segs: s as u32,
                    };
                }
            };
            if j < m {
                relax(0, 1, costs.skip(j));
            }
            if i == n {
                continue;
            }
            relax(1, 0, costs.miss(i));
            let e = costs.expected(i, i + 1);
            for s in 1..=max_segs.min(m - j) {
                let (cost, heard) = costs.group(i, i + 1, j, j + s);
                relax(1, s, cost);
                if heard > 4.0 * e + 4.0 {
                    break;
                }
            }
            for k in 2..=max_shared.min(n - i) {
                if !costs.may_share(i, i + k) {
                    break;
                }
                for s in 1..=3.min(m - j) {
                    relax(k, s, costs.group(i, i + k, j, j + s).0);
                }
            }
        }
    }
    let mut steps = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let st = from[i * width + j];
        if st.turns == 0 && st.segs == 0 {
            break;
        }
        steps.push(st);
        i -= st.turns as usize;
        j -= st.segs as usize;
    }
    steps.reverse();
    steps
}

/// The times of the turns the plan placed in speech (turns not heard stay `None`).
fn place(costs: &Costs, segs: &[Segment], steps: &[Step], times: &mut [Option<TurnTime>]) {
    let (mut i, mut j) = (0, 0);
    for st in steps {
        let (k, s) = (st.turns as usize, st.segs as usize);
        if k > 0 && s > 0 {
            let on = costs.heard_on(i, i + k);
            let mut heard: Vec<Segment> = segs[j..j + s].to_vec();
            if heard.iter().any(|g| on[chan(g)]) {
                heard.retain(|g| on[chan(g)]);
            }
            let weights: Vec<f64> = (i..i + k)
                .map(|t| costs.expected(t, t + 1).max(1e-6))
                .collect();
            share(&heard, &weights, &mut times[i..i + k]);
        }
        i += k;
        j += s;
    }
}

/// Turns of the given weights, in order, over the speech of `heard`: each gets a share of its
/// length; a boundary near the start of a segment moves to it.
fn share(heard: &[Segment], weights: &[f64], out: &mut [Option<TurnTime>]) {
    let total: f64 = heard.iter().map(|s| s.end - s.start).sum();
    let all: f64 = weights.iter().sum();
    // Real time of a point `x` seconds into the speech.
    let at = |x: f64| {
        let mut left = x;
        for s in heard {
            let len = s.end - s.start;
            if left <= len {
                return s.start + left;
            }
            left -= len;
        }
        heard.last().map_or(0.0, |s| s.end)
    };
    let mut starts = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for (t, w) in weights.iter().enumerate() {
        let (mut start, mut estimated) = (at(total * acc / all), t > 0);
        if t == 0 {
            start = heard[0].start;
        } else if let Some(s) = heard[1..]
            .iter()
            .map(|s| s.start)
            .filter(|&s| (s - start).abs() <= SNAP_SECS)
            .min_by(|a, b| (a - start).abs().total_cmp(&(b - start).abs()))
        {
            (start, estimated) = (s, false);
        }
        starts.push((start, estimated));
        acc += w;
    }
    let end = heard.iter().map(|s| s.end).fold(0.0, f64::max);
    for (t, slot) in out.iter_mut().enumerate() {
        let (start, estimated) = starts[t];
        let next = starts.get(t + 1).map_or(end, |s| s.0);
        // A turn ends where its last segment ends, not in the pause before the next one.
        let last = heard
            .iter()
            .filter(|s| s.start < next)
            .map(|s| s.end.min(next))
            .fold(start, f64::max);
        *slot = Some(TurnTime {
            start,
            end: last,
            estimated,
        });
    }
}

/// Turns not heard get a share (by text) of the time between their neighbours; then every
/// time is made monotonic and kept within the recording.
fn fill_and_order(
    times: Vec<Option<TurnTime>>,
    turns: &[TurnInfo],
    duration: f64,
) -> Vec<TurnTime> {
    let mut out: Vec<TurnTime> = Vec::with_capacity(times.len());
    let mut i = 0;
    while i < times.len() {
        if let Some(t) = times[i] {
            out.push(t);
            i += 1;
            continue;
        }
        let run = times[i..].iter().take_while(|t| t.is_none()).count();
        let from = out.last().map_or(0.0, |t| t.end);
        let to = times[i + run..]
            .iter()
            .flatten()
            .next()
            .map_or(duration, |t| t.start)
            .max(from);
        let all: f64 = turns[i..i + run].iter().map(weight).sum();
        let mut acc = 0.0;
        for t in &turns[i..i + run] {
            let start = from + (to - from) * acc / all;
            acc += weight(t);
            out.push(TurnTime {
                start,
                end: from + (to - from) * acc / all,
                estimated: true,
            });
        }
        i += run;
    }
    let mut floor = 0.0f64;
    for t in &mut out {
        t.start = t.start.clamp(floor, duration);
        t.end = t.end.clamp(t.start, duration);
        floor = t.start;
    }
    for k in (1..out.len()).rev() {
        let next = out[k].start;
        let t = &mut out[k - 1];
        t.end = t.end.min(next).max(t.start);
    }
    out
}

/// A small allowance for a position a frame short of a turn's start (after a jump to it).
const EPS_SECS: f64 = 0.02;
/// `prev_turn` within this of a turn's start goes to the one before, as music players do.
const RESTART_SECS: f64 = 1.5;

/// The last turn started at or before `t`.
fn started(turns: &[TurnTime], t: f64) -> Option<usize> {
    turns
        .partition_point(|x| x.start <= t + EPS_SECS)
        .checked_sub(1)
}

/// The turn being heard at `t` (in a pause, the turn just heard; none before the first turn
/// starts or after the last one ended).
pub fn turn_at(turns: &[TurnTime], t: f64) -> Option<usize> {
    let i = started(turns, t)?;
    (i + 1 < turns.len() || t < turns[i].end).then_some(i)
}

/// The turn to jump to forward: the first starting after `t`.
pub fn next_turn(turns: &[TurnTime], t: f64) -> Option<usize> {
    let i = turns.partition_point(|x| x.start <= t + EPS_SECS);
    (i < turns.len()).then_some(i)
}

/// The turn to jump to backward: the start of the current turn when more than 1.5 s into it,
/// otherwise the one before (the first turn restarts); none before the first turn.
pub fn prev_turn(turns: &[TurnTime], t: f64) -> Option<usize> {
    let i = started(turns, t)?;
    if t - turns[i].start > RESTART_SECS {
        Some(i)
    } else {
        Some(i.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 8 kHz of faint noise with "speech" (0.2 s syllables, 0.1 s pauses) of the given
    /// amplitude at (start, end, channel).
    fn signal(secs: f64, channels: usize, speech: &[(f64, f64, usize, f32)]) -> Vec<f32> {
        let mut rng = fastrand::Rng::with_seed(1);
        (0..(secs * 8000.0) as usize * channels)
            .map(|i| {
                let (t, c) = ((i / channels) as f64 / 8000.0, i % channels);
                let on = |s: &&(f64, f64, usize, f32)| {
                    s.2 == c && (s.0..s.1).contains(&t) && (t - s.0) % 0.3 < 0.2
                };
                let amp: f32 = speech.iter().filter(on).map(|s| s.3).sum();
                (rng.f32() * 2.0 - 1.0) * (0.002 + amp)
            })
            .collect()
    }

    fn energy(sig: &[f32], channels: usize) -> Energy {
        let mut e = Energy::new();
        for (k, chunk) in sig.chunks(1152 * channels).enumerate() {
            e.push(k as u64 * 1152, chunk, channels, 8000);
        }
        e
    }

    fn starts(segs: &[Segment]) -> Vec<(f64, Option<usize>)> {
        let r = |x: f64| (x * 100.0).round() / 100.0;
        segs.iter().map(|s| (r(s.start), s.channel)).collect()
    }

    #[test]
    fn energy_is_per_frame_and_channel_in_any_order() {
        // Left ±0.5 (−6 dB), right silent; chunks in reverse, one decoded twice, odd sizes.
        let sig: Vec<f32> = (0..8000)
            .flat_map(|i| [if i % 2 == 0 { 0.5 } else { -0.5 }, 0.0])
            .collect();
        let mut e = Energy::new();
        for (k, chunk) in sig.chunks(2 * 333).enumerate().rev() {
            e.push(k as u64 * 333, chunk, 2, 8000);
        }
        e.push(100, &sig[200..2000], 2, 8000);
        assert_eq!((e.frames(), e.secs(), e.channels()), (100, 1.0, 2));
        for k in 0..100 {
            assert!((e.level_db(k, 0).unwrap_or(0.0) + 6.02).abs() < 0.01, "{k}");
            assert_eq!(e.level_db(k, 1), Some(SILENCE_DB));
        }
        assert_eq!(e.level_db(100, 0), None);
    }

    #[test]
    fn speech_is_found_pauses_bridged_clicks_dropped() {
        let speech = [(1.0, 3.0, 0, 0.3), (3.4, 5.0, 0, 0.3), (6.0, 6.04, 0, 0.5)];
        let segs = speech_segments(&energy(&signal(7.0, 1, &speech), 1));
        assert_eq!(starts(&segs), vec![(1.0, None), (3.4, None)]);
        assert_eq!(jump_points(&segs), vec![segs[0].start, segs[1].start]);
        assert!(speech_segments(&energy(&vec![0.0; 80000], 1)).is_empty());
    }

    #[test]
    fn stereo_speech_belongs_to_the_louder_channel() {
        // Each speaker leaks into the other channel 30 dB down.
        let speech = [
            (1.0, 3.0, 0, 0.3),
            (1.0, 3.0, 1, 0.01),
            (3.5, 5.0, 1, 0.2),
            (3.5, 5.0, 0, 0.006),
        ];
        let segs = speech_segments(&energy(&signal(6.0, 2, &speech), 2));
        assert_eq!(starts(&segs), vec![(1.0, Some(0)), (3.5, Some(1))]);
    }

    fn at(times: &[TurnTime]) -> Vec<(f64, bool)> {
        let r = |x: f64| (x * 100.0).round() / 100.0;
        times.iter().map(|t| (r(t.start), t.estimated)).collect()
    }

    #[test]
    fn mono_turns_follow_speech_by_their_text() {
        let u = |chars| TurnInfo {
            speaker: Speaker::Unknown,
            chars,
        };
        let speech = [(1.0, 3.0, 0, 0.3), (3.5, 4.0, 0, 0.3), (4.5, 8.5, 0, 0.3)];
        let e = energy(&signal(9.0, 1, &speech), 1);
        let t = align(&e, &[u(40), u(8), u(80)]);
        assert_eq!(at(&t), vec![(1.0, false), (3.5, false), (4.5, false)]);
        // One long turn takes all the speech.
        let t = align(&e, &[u(200)]);
        assert_eq!((at(&t), t[0].end), (vec![(1.0, false)], 8.5));
    }

    #[test]
    fn stereo_turns_follow_their_speaker() {
        let [a, c] = [Speaker::Agent, Speaker::Caller]
            .map(|speaker| move |chars| TurnInfo { speaker, chars });
        // The caller's "mm-hm" at 5 s is not in the transcript.
        let speech = [
            (1.0, 3.0, 0, 0.3),
            (3.3, 4.0, 1, 0.2),
            (4.3, 6.0, 0, 0.3),
            (5.0, 5.4, 1, 0.2),
            (6.5, 8.0, 0, 0.3),
        ];
        let e = energy(&signal(9.0, 2, &speech), 2);
        let t = align(&e, &[a(40), c(10), a(30), a(30)]);
        assert_eq!(
            at(&t),
            vec![(1.0, false), (3.3, false), (4.3, false), (6.5, false)]
        );
        assert!(t.windows(2).all(|w| w[0].end <= w[1].start));
    }
}
