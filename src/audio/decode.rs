//! Decoding a recording with symphonia, straight from the bytes in memory: the format and codec
//! probed, packets decoded to interleaved `f32` with the recording time of their first frame,
//! accurate seeks. The source is given to symphonia *seekable and without a length* (a length
//! makes it cut VBR MP3 without a Xing header short: `../shared/AUDIO.md`, trap 3).

use std::io::{self, Read, Seek, SeekFrom};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, Decoder as CodecDecoder, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::units::Time;

use super::buffer::{Reader, is_stopped};

/// Why a recording cannot be decoded, in a sentence the player shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A codec this player does not decode (GSM 6.10 and G.729 are common from PBXs).
    #[error(
        "the recording is {codec}, which this player cannot decode; save it (s) and play it with another program"
    )]
    Unsupported { codec: String },
    #[error("the recording could not be read: {0}")]
    Malformed(String),
    /// The bytes stopped coming (the download failed): its reason.
    #[error("{0}")]
    Io(String),
    /// Playback was stopped while the decoder waited for bytes.
    #[error("stopped")]
    Stopped,
}

impl DecodeError {
    fn from_symphonia(e: SymphoniaError, codec: Option<&str>) -> DecodeError {
        match e {
            SymphoniaError::IoError(e) if is_stopped(&e) => DecodeError::Stopped,
            SymphoniaError::IoError(e) => DecodeError::Io(e.to_string()),
            SymphoniaError::Unsupported(what) => DecodeError::Unsupported {
                codec: codec.map_or_else(|| what.to_string(), str::to_string),
            },
            other => DecodeError::Malformed(other.to_string()),
        }
    }
}

/// The recording as symphonia sees it: the in-memory reader, seekable, length unknown.
struct Source(Reader);

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Seek for Source {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

impl MediaSource for Source {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        None
    }
}

/// What the recording is.
#[derive(Clone, Debug, PartialEq)]
pub struct Format {
    pub sample_rate: u32,
    pub channels: u16,
    /// Its length when the container says it (a Xing header, a WAV data size); `None` until
    /// the whole file has been decoded otherwise.
    pub frames: Option<u64>,
    /// "MP3", "WAV µ-law", … for the player bar.
    pub name: String,
}

/// Decoded audio: interleaved samples and the recording frame of the first one.
pub struct Chunk {
    pub first_frame: u64,
    pub samples: Vec<f32>,
}

/// A decoder over one reader of the recording.
pub struct Decoder {
    format: Box<dyn FormatReader>,
    codec: Box<dyn CodecDecoder>,
    track: u32,
    pub info: Format,
    buf: Option<SampleBuffer<f32>>,
    /// Frames decoded before a seek's target (and dropped by the caller) so the decoder has
    /// what the target needs (see [`MP3_PREROLL_PACKETS`]).
    preroll: u64,
}

/// MP3 packets decoded before a seek's target. A layer III frame's audio may start in the
/// frames before it (the bit reservoir: up to 511 bytes back, 255 in MPEG-2, over a dozen
/// frames of a low bit rate file), and symphonia's accurate seek goes back four frames at most:
/// a seek into a 9 kbit/s VBR file played ~0.3 s of silence from its target.
const MP3_PREROLL_PACKETS: u64 = 16;

/// The codec of a WAV file's `fmt ` chunk by its format tag, for the ones this player does not
/// decode (read from the header, since symphonia only says "unsupported").
fn wav_codec_name(head: &[u8]) -> Option<&'static str> {
    if head.len() < 22 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return None;
    }
    let mut at = 12;
    while at + 8 <= head.len() {
        let len = u32::from_le_bytes([head[at + 4], head[at + 5], head[at + 6], head[at + 7]]);
        if &head[at..at + 4] == b"fmt " && at + 10 <= head.len() {
            let tag = u16::from_le_bytes([head[at + 8], head[at + 9]]);
            return Some(match tag {
                0x0002 => "MS ADPCM",
                0x0011 => "IMA ADPCM",
                0x0022 | 0x0031 | 0x0032 => "GSM 6.10",
                0x0014 | 0x0042 => "G.723",
                0x0040 | 0x0064 => "G.726",
                0x0065 | 0x028F => "G.722",
                0x0133 | 0xA100 => "G.729",
                0x0055 => "MP3 in WAV",
                _ => return None,
            });
        }
        at += 8 + len as usize + (len as usize & 1);
    }
    None
}

fn describe(codec: symphonia::core::codecs::CodecType, container: &str) -> String {
    use symphonia::core::codecs as c;
    let name = match codec {
        c::CODEC_TYPE_MP3 => return "MP3".to_string(),
        c::CODEC_TYPE_PCM_MULAW => "µ-law",
        c::CODEC_TYPE_PCM_ALAW => "A-law",
        c::CODEC_TYPE_PCM_S16LE | c::CODEC_TYPE_PCM_S16BE => "16-bit PCM",
        c::CODEC_TYPE_PCM_S24LE => "24-bit PCM",
        c::CODEC_TYPE_PCM_F32LE => "float PCM",
        c::CODEC_TYPE_PCM_U8 => "8-bit PCM",
        _ => "PCM",
    };
    format!("{container} {name}")
}

impl Decoder {
    /// Probes the recording (waiting for its first bytes) and makes a decoder for its track.
    pub fn open(reader: Reader, content_type: Option<&str>) -> Result<Decoder, DecodeError> {
        let head = {
            let mut r = reader.clone_at(0);
            let mut head = vec![0u8; 256];
            let n = read_up_to(&mut r, &mut head).map_err(io_error)?;
            head.truncate(n);
            head
        };
        let wav_codec = wav_codec_name(&head);
        let mut hint = Hint::new();
        match content_type.unwrap_or_default() {
            t if t.contains("mpeg") || t.contains("mp3") => {
                hint.with_extension("mp3");
            }
            t if t.contains("wav") => {
                hint.with_extension("wav");
            }
            _ => {}
        }
        let mss = MediaSourceStream::new(Box::new(Source(reader)), Default::default());
        let opts = FormatOptions {
            enable_gapless: true,
            ..Default::default()
        };
        let probed = symphonia::default::get_probe()
            .format(&hint, mss, &opts, &MetadataOptions::default())
            .map_err(|e| DecodeError::from_symphonia(e, wav_codec))?;
        let format = probed.format;
        let Some(track) = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        else {
            return Err(match wav_codec {
                Some(codec) => DecodeError::Unsupported {
                    codec: codec.to_string(),
                },
                None => DecodeError::Malformed("it holds no audio track".into()),
            });
        };
        let params = track.codec_params.clone();
        let codec = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| DecodeError::from_symphonia(e, wav_codec))?;
        let container = if head.starts_with(b"RIFF") { "WAV" } else { "" };
        let info = Format {
            sample_rate: params.sample_rate.unwrap_or(8000).max(1),
            channels: params.channels.map_or(1, |c| c.count().clamp(1, 8) as u16),
            frames: params
                .n_frames
                .filter(|&n| !streaming_placeholder(n, &params)),
            name: describe(params.codec, container).trim().to_string(),
        };
        let preroll = if params.codec == symphonia::core::codecs::CODEC_TYPE_MP3 {
            // 1,152 frames a packet in MPEG-1 (32 kHz and up), 576 in MPEG-2 and 2.5.
            let per_packet = if info.sample_rate >= 32_000 {
                1152
            } else {
                576
            };
            MP3_PREROLL_PACKETS * per_packet
        } else {
            0
        };
        Ok(Decoder {
            track: track.id,
            format,
            codec,
            info,
            buf: None,
            preroll,
        })
    }

    /// The next decoded chunk, `None` at the end of the recording.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, DecodeError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(p) => p,
                Err(SymphoniaError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(None);
                }
                Err(e) => return Err(DecodeError::from_symphonia(e, None)),
            };
            if packet.track_id() != self.track {
                continue;
            }
            let first_frame = self.frame_of(packet.ts());
            let decoded = match self.codec.decode(&packet) {
                Ok(d) => d,
                // A damaged packet is skipped, as players do.
                Err(SymphoniaError::DecodeError(e)) => {
                    tracing::debug!("skipped a packet that could not be decoded: {e}");
                    continue;
                }
                Err(e) => return Err(DecodeError::from_symphonia(e, None)),
            };
            let spec = *decoded.spec();
            let frames = decoded.frames();
            if frames == 0 {
                continue;
            }
            let buf = match &mut self.buf {
                Some(b) if b.capacity() >= decoded.capacity() => b,
                _ => self
                    .buf
                    .insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
            };
            buf.copy_interleaved_ref(decoded);
            let samples =
                convert_channels(buf.samples(), spec.channels.count(), self.info.channels);
            return Ok(Some(Chunk {
                first_frame,
                samples,
            }));
        }
    }

    /// Recording frame of a timestamp of the track.
    fn frame_of(&self, ts: u64) -> u64 {
        let rate = u64::from(self.info.sample_rate);
        match self
            .format
            .tracks()
            .iter()
            .find(|t| t.id == self.track)
            .and_then(|t| t.codec_params.time_base)
        {
            Some(tb) => {
                let t = tb.calc_time(ts);
                t.seconds * rate + (t.frac * rate as f64).round() as u64
            }
            None => ts,
        }
    }

    /// Seeks to `frame` (recording time); returns the frame decoding goes on from (at or
    /// before it: the caller drops the frames before the target).
    pub fn seek(&mut self, frame: u64) -> Result<u64, DecodeError> {
        let frame = frame.saturating_sub(self.preroll);
        let rate = u64::from(self.info.sample_rate);
        let time = Time::new(frame / rate, (frame % rate) as f64 / rate as f64);
        let to = SeekTo::Time {
            time,
            track_id: Some(self.track),
        };
        let seeked = self
            .format
            .seek(SeekMode::Accurate, to)
            .map_err(|e| DecodeError::from_symphonia(e, None))?;
        self.codec.reset();
        Ok(self.frame_of(seeked.actual_ts))
    }
}

/// Converts interleaved samples of `from` channels to the recording's `to` channels (they are
/// the same but for odd files whose packets change layout).
fn convert_channels(samples: &[f32], from: usize, to: u16) -> Vec<f32> {
    let to = usize::from(to);
    if from == to || from == 0 {
        return samples.to_vec();
    }
    samples
        .chunks(from)
        .flat_map(|frame| (0..to).map(move |c| frame[c.min(frame.len() - 1)]))
        .collect()
}

fn io_error(e: io::Error) -> DecodeError {
    if is_stopped(&e) {
        DecodeError::Stopped
    } else {
        DecodeError::Io(e.to_string())
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A WAV written while recording says its data is 0xFFFFFFFF bytes long (or thereabouts): that
/// length is a placeholder, not a promise, and never makes a file "truncated".
fn streaming_placeholder(frames: u64, params: &symphonia::core::codecs::CodecParameters) -> bool {
    let Some(bits) = params.bits_per_coded_sample.or(params.bits_per_sample) else {
        return false;
    };
    let channels = params.channels.map_or(1, |c| c.count().max(1)) as u64;
    let bytes = frames
        .saturating_mul(channels)
        .saturating_mul(u64::from(bits))
        / 8;
    bytes >= 0xFFFF_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_codec_names_come_from_the_format_tag() {
        let mut h = Vec::new();
        h.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt \x14\0\0\0");
        h.extend_from_slice(&0x0031u16.to_le_bytes());
        h.extend_from_slice(&[0u8; 20]);
        assert_eq!(wav_codec_name(&h), Some("GSM 6.10"));
        assert_eq!(wav_codec_name(b"ID3\x03"), None);
    }

    /// A WAV written while it was recorded declares a placeholder length (data size
    /// 0xFFFFFFFF): that is no length at all, while a real size is believed.
    #[test]
    fn a_placeholder_wav_length_is_no_length() {
        use super::super::buffer::{Fill, Recording};
        use callbrowser_emulators::testaudio::wav_pcm16;
        let wav = wav_pcm16(8000, 1, &[0i16; 8000]);
        let open = |bytes: &[u8]| {
            let rec = Recording::new();
            rec.append(bytes);
            rec.finish(Fill::Complete);
            Decoder::open(rec.reader(), Some("audio/wav")).unwrap().info
        };
        assert_eq!(open(&wav).frames, Some(8000));
        let data = wav.windows(4).position(|w| w == b"data").unwrap();
        let mut streamed = wav.clone();
        streamed[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        streamed[data + 4..data + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(open(&streamed).frames, None);
    }

    /// The test recording's VBR MP3 is ~9 kbit/s: its frames' audio starts many frames back.
    #[test]
    fn a_seek_into_a_low_bit_rate_mp3_sounds_from_its_target() {
        use super::super::buffer::{Fill, Recording};
        use callbrowser_emulators::testaudio::{TestFormat, position_tones};
        let rec = Recording::new();
        rec.append(&position_tones(TestFormat::Mp3Vbr, 0));
        rec.finish(Fill::Complete);
        let mut d = Decoder::open(rec.reader(), Some("audio/mpeg")).unwrap();
        for secs in [51.03, 33.03, 10.03, 0.5] {
            let target = (secs * 16_000.0) as u64;
            assert!(d.seek(target).unwrap() <= target);
            let mut heard: Vec<f32> = Vec::new();
            while heard.len() < 1600 {
                let c = d.next_chunk().unwrap().expect("audio after the target");
                let skip = target.saturating_sub(c.first_frame) as usize;
                heard.extend(c.samples.iter().skip(skip));
            }
            // 0.1 s from the target, in 10 ms windows: none silent (the tones are at 0.01).
            for w in heard[..1600].chunks(160) {
                let rms = (w.iter().map(|x| x * x).sum::<f32>() / 160.0).sqrt();
                assert!(rms > 0.003, "silent {rms} after a seek to {secs} s");
            }
        }
    }

    #[test]
    fn channels_are_converted_frame_by_frame() {
        assert_eq!(
            convert_channels(&[1.0, 2.0], 1, 2),
            vec![1.0, 1.0, 2.0, 2.0]
        );
        assert_eq!(
            convert_channels(&[1.0, 2.0, 3.0, 4.0], 2, 1),
            vec![1.0, 3.0]
        );
    }
}
