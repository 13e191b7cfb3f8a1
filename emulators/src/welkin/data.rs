//! The Welkin emulator's generated data: patients and their calls, deterministic from the seed
//! and `now`.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

use super::super::clock::rfc3339_secs;
use super::super::people::{self, Lang};
use super::super::recordings::{self, AudioFormat, Clip};
use super::super::timegen::{OfficeHours, call_times};
use super::super::{EmulatorOptions, chance, pick, pick_weighted, rng_for, uuid_v4};
use super::WelkinOptions;

pub(super) struct PatientRec {
    pub(super) id: String,
    pub(super) first: String,
    pub(super) last: String,
    pub(super) birth: NaiveDate,
    pub(super) gender: &'static str,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) mrn: String,
    pub(super) status: &'static str,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) calls: Vec<CallRec>,
}

pub(super) struct CallRec {
    pub(super) id: String,
    pub(super) direction: &'static str,
    pub(super) duration: u32,
    pub(super) status: &'static str,
    pub(super) called_at: DateTime<Utc>,
    pub(super) clip: Option<&'static Clip>,
}

pub(super) fn patient_json(p: &PatientRec) -> Value {
    json!({
        "id": p.id,
        "firstName": p.first,
        "lastName": p.last,
        "birthDate": p.birth.format("%Y-%m-%d").to_string(),
        "gender": p.gender,
        "email": p.email,
        "phone": p.phone,
        "mrn": p.mrn,
        "status": p.status,
        "createdAt": rfc3339_secs(&p.created_at),
        "updatedAt": rfc3339_secs(&p.updated_at),
    })
}

pub(super) fn call_json(p: &PatientRec, c: &CallRec) -> Value {
    json!({
        "id": c.id,
        "patientId": p.id,
        "direction": c.direction,
        "duration": c.duration,
        "status": c.status,
        "calledAt": rfc3339_secs(&c.called_at),
        "hasRecording": c.clip.is_some(),
    })
}

/// (first, last, female, status, gender override)
const FIXED: [(&str, &str, bool, &str); 8] = [
    ("Jane", "Doe", true, "ACTIVE"),
    ("John", "Doe", false, "INACTIVE"),
    ("Morgan", "Taylor", true, "ACTIVE"),
    ("Taylor", "Morgan", false, "ACTIVE"),
    ("Zoë", "Clarke", true, "ACTIVE"),
    ("Seán", "O'Connor", false, "ACTIVE"),
    ("Renée", "Lefèvre", true, "INACTIVE"),
    ("Mary Ann", "Smith", true, "ACTIVE"),
];

const AREA_CODES: [&str; 10] = [
    "415", "212", "312", "617", "206", "503", "303", "512", "404", "718",
];

fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'ç' => out.push('c'),
            'ñ' => out.push('n'),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

pub(super) fn generate(opts: &EmulatorOptions, vopts: &WelkinOptions) -> Vec<PatientRec> {
    let n = vopts.patients.max(FIXED.len());
    let mut names = HashSet::new();
    let mut phones = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut rng = rng_for(opts.seed, "welkin-patient", i as u64);
        let (first, last, female, status) = match FIXED.get(i) {
            Some((f, l, female, s)) => (f.to_string(), l.to_string(), *female, *s),
            None => {
                let lang = [Lang::En, Lang::En, Lang::En, Lang::De, Lang::Fr][rng.usize(..5)];
                let mut person = people::random_person(&mut rng, lang);
                let mut guard = 0;
                while names.contains(&person.full()) && guard < 50 {
                    person = people::random_person(&mut rng, lang);
                    guard += 1;
                }
                let status = if chance(&mut rng, 0.2) {
                    "INACTIVE"
                } else {
                    "ACTIVE"
                };
                (person.first, person.last, person.female, status)
            }
        };
        names.insert(format!("{first} {last}"));
        let gender = match i {
            8 => "OTHER",
            9 => "UNKNOWN",
            _ if i >= FIXED.len() && chance(&mut rng, 0.06) => ["OTHER", "UNKNOWN"][rng.usize(..2)],
            _ if female => "FEMALE",
            _ => "MALE",
        };
        let phone = if i >= FIXED.len() && chance(&mut rng, 0.1) {
            None
        } else {
            let mut p;
            loop {
                p = format!("+1{}55501{:02}", pick(&mut rng, &AREA_CODES), rng.u8(..100));
                if phones.insert(p.clone()) {
                    break;
                }
            }
            Some(p)
        };
        let birth = NaiveDate::from_ymd_opt(1938 + rng.i32(0..68), 1 + rng.u32(0..12), 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(rng.u64(0..28))))
            .unwrap_or_default();
        let created_at =
            opts.now - TimeDelta::days(rng.i64(90..900)) - TimeDelta::minutes(rng.i64(0..1440));
        let updated_at = created_at + TimeDelta::days(rng.i64(0..60));
        let email = format!("{}.{}@example.org", ascii_fold(&first), ascii_fold(&last));
        let mut id_rng = rng_for(opts.seed, "welkin-patient-id", i as u64);
        let id = uuid_v4(&mut id_rng);
        let count = match i {
            0 => 37,
            1 => 5,
            _ => 5 + rng.usize(0..36),
        };
        let calls = make_calls(opts, i, count);
        out.push(PatientRec {
            id,
            first,
            last,
            birth,
            gender,
            email,
            phone,
            mrn: format!("MRN-{:05}", 123 + i * 29),
            status,
            created_at,
            updated_at: updated_at.min(opts.now),
            calls,
        });
    }
    out.sort_by(|a, b| {
        (a.last.to_lowercase(), a.first.to_lowercase(), &a.id).cmp(&(
            b.last.to_lowercase(),
            b.first.to_lowercase(),
            &b.id,
        ))
    });
    out
}

/// US office hours: 13:00–23:00 UTC, every day alike.
const OFFICE_HOURS: OfficeHours = OfficeHours {
    hours: &[13, 14, 15, 16, 17, 18, 19, 20, 21, 22],
    weights: &[1; 10],
    weekend_keep: None,
    tz_hours: 0,
    days_back: 60,
    oldest: TimeDelta::days(60),
    newest: TimeDelta::minutes(5),
    max_attempts: 100_000,
};

const STATUSES: [&str; 5] = ["COMPLETED", "NO_ANSWER", "BUSY", "FAILED", "CANCELED"];
const STATUS_WEIGHTS: [u32; 5] = [70, 12, 5, 5, 8];
const FORMATS: [AudioFormat; 4] = [
    AudioFormat::Mp3Cbr,
    AudioFormat::Mp3Vbr,
    AudioFormat::WavPcm16,
    AudioFormat::WavMulaw,
];
const FORMAT_WEIGHTS: [u32; 4] = [35, 25, 20, 20];

fn make_calls(opts: &EmulatorOptions, patient: usize, count: usize) -> Vec<CallRec> {
    let mut rng = rng_for(opts.seed, "welkin-calls", patient as u64);
    call_times(&mut rng, opts.now, &OFFICE_HOURS, count)
        .into_iter()
        .enumerate()
        .map(|(ci, called_at)| {
            let status = STATUSES[pick_weighted(&mut rng, &STATUS_WEIGHTS)];
            let direction = if chance(&mut rng, 0.55) {
                "OUTBOUND"
            } else {
                "INBOUND"
            };
            let duration = match status {
                "COMPLETED" => {
                    if chance(&mut rng, 0.8) {
                        rng.u32(60..600)
                    } else {
                        rng.u32(20..1500)
                    }
                }
                "CANCELED" => rng.u32(0..20),
                "FAILED" => rng.u32(0..5),
                _ => 0,
            };
            let clip = (status == "COMPLETED" && chance(&mut rng, 0.85)).then(|| {
                let format = FORMATS[pick_weighted(&mut rng, &FORMAT_WEIGHTS)];
                recordings::pick(format, Some("en"), (patient * 1000 + ci) as u64)
            });
            let mut id_rng = rng_for(opts.seed, "welkin-call-id", (patient * 1000 + ci) as u64);
            CallRec {
                id: uuid_v4(&mut id_rng),
                direction,
                duration,
                status,
                called_at,
                clip,
            }
        })
        .collect()
}
