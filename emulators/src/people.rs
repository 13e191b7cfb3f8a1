//! Names, phone numbers and calendar words for German, English and French data.
//!
//! Phone numbers come from ranges reserved for drama/fiction where such ranges
//! exist (UK Ofcom 07700 900xxx / 020 7946 0xxx, French ARCEP 01 99 00 / 06 39 98).

use chrono::{Datelike, NaiveDate, Weekday};

use super::pick;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    De,
    En,
    Fr,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }
}

/// A generated person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub first: String,
    pub last: String,
    pub female: bool,
}

impl Person {
    pub fn full(&self) -> String {
        format!("{} {}", self.first, self.last)
    }

    /// "Herr Müller", "Ms Clarke", "Madame Lefèvre".
    pub fn honorific(&self, lang: Lang) -> String {
        let t = match (lang, self.female) {
            (Lang::De, false) => "Herr",
            (Lang::De, true) => "Frau",
            (Lang::En, false) => "Mr",
            (Lang::En, true) => "Ms",
            (Lang::Fr, false) => "Monsieur",
            (Lang::Fr, true) => "Madame",
        };
        format!("{t} {}", self.last)
    }
}

const DE_MALE: &[&str] = &[
    "Jürgen", "Hans", "Björn", "Sören", "Lukas", "Günther", "Mehmet", "Jörg", "Klaus", "Felix",
    "Ömer", "Stefan", "Matthias", "Jan", "Dieter", "Paul", "Tobias", "Uwe",
];
const DE_FEMALE: &[&str] = &[
    "Käthe", "Anna", "Sophie", "Lea", "Jülide", "Ursula", "Renate", "Maria", "Zoë", "Sabine",
    "Gülay", "Monika", "Hannah", "Brigitte", "Katrin", "Lena", "Dörte",
];
const DE_LAST: &[&str] = &[
    "Müller",
    "Schröder",
    "Weiß",
    "Groß",
    "Meier",
    "Schmidt",
    "Wagner",
    "Yılmaz",
    "Köhler",
    "Hoffmann",
    "Bäcker",
    "Fuß",
    "Krämer",
    "Özdemir",
    "Nowak",
    "Schäfer",
    "Becker",
    "Fischer",
    "Wöhler",
    "Jäger",
    "Lange",
    "Hübner",
    "Kowalczyk",
    "Brandt",
    "Vogt",
    "Zimmermann",
];
const EN_MALE: &[&str] = &[
    "James", "Oliver", "Seán", "Liam", "Rhys", "Dmitri", "Tomás", "Graham", "Harry", "Kwame",
    "George", "Callum", "Arjun", "Noah", "Owen", "Eóin", "Daniel",
];
const EN_FEMALE: &[&str] = &[
    "Zoë", "Siobhán", "Chloë", "Aoife", "Amelia", "Priya", "Renée", "Niamh", "Sarah", "Olivia",
    "Margaret", "Isla", "Fatima", "Bethan", "Gráinne", "Emily",
];
const EN_LAST: &[&str] = &[
    "Clarke",
    "O'Connor",
    "Jones",
    "Williams",
    "Nguyen",
    "Kowalski",
    "MacLeod",
    "Ó Briain",
    "Davies",
    "Evans",
    "Patel",
    "Hughes",
    "Taylor",
    "Brown",
    "Okafor",
    "Thompson",
    "Robinson",
    "Wright",
    "Walker",
    "Ahmed",
    "Lloyd",
    "Fitzgerald",
    "Campbell",
    "Khan",
];
const FR_MALE: &[&str] = &[
    "François",
    "Loïc",
    "Jérôme",
    "Noël",
    "Hervé",
    "Benoît",
    "Théo",
    "Karim",
    "Gaëtan",
    "Étienne",
    "Mathis",
    "Jean-Luc",
    "Raphaël",
    "Olivier",
    "Yannick",
    "Lucas",
];
const FR_FEMALE: &[&str] = &[
    "Renée",
    "Hélène",
    "Zoë",
    "Maëlle",
    "Agnès",
    "Cécile",
    "Anaïs",
    "Béatrice",
    "Chloé",
    "Inès",
    "Éloïse",
    "Léa",
    "Sylvie",
    "Françoise",
    "Aurélie",
    "Manon",
];
const FR_LAST: &[&str] = &[
    "Lefèvre",
    "Dubois",
    "Girard",
    "Bérenger",
    "Lemaître",
    "Moreau",
    "Rousseau",
    "Fournier",
    "Benali",
    "Nguyen",
    "Le Gall",
    "Châtelain",
    "Faure",
    "Mercier",
    "Lambert",
    "Bonnet",
    "François",
    "Garnier",
    "Roussel",
    "Thébault",
    "Perrin",
    "Caron",
    "Masséna",
    "Diallo",
];

/// A random person with a name typical for `lang`.
pub fn random_person(rng: &mut fastrand::Rng, lang: Lang) -> Person {
    let female = rng.bool();
    let (m, f, l) = match lang {
        Lang::De => (DE_MALE, DE_FEMALE, DE_LAST),
        Lang::En => (EN_MALE, EN_FEMALE, EN_LAST),
        Lang::Fr => (FR_MALE, FR_FEMALE, FR_LAST),
    };
    let first = if female { pick(rng, f) } else { pick(rng, m) };
    Person {
        first: (*first).to_string(),
        last: (*pick(rng, l)).to_string(),
        female,
    }
}

fn digits(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.u8(..10)))
        .collect::<String>()
}

/// A plausible caller number in E.164 form for the language's country.
pub fn random_phone(rng: &mut fastrand::Rng, lang: Lang) -> String {
    match lang {
        Lang::De => {
            if rng.u8(..10) < 7 {
                let prefix = pick(
                    rng,
                    &["151", "152", "160", "162", "170", "171", "172", "176"],
                );
                format!("+49{prefix}{}", digits(rng, 7))
            } else {
                let area = pick(rng, &["30", "40", "89", "221", "69", "711", "341"]);
                let n = 10 - area.len();
                format!("+49{area}{}", digits(rng, n))
            }
        }
        Lang::En => {
            if rng.u8(..10) < 7 {
                format!("+447700900{}", digits(rng, 3))
            } else {
                let area = pick(rng, &["1632960", "1134960", "1614960", "2079460"]);
                format!("+44{area}{}", digits(rng, 3))
            }
        }
        Lang::Fr => {
            if rng.u8(..10) < 7 {
                format!("+3363998{}", digits(rng, 4))
            } else {
                format!("+3319900{}", digits(rng, 4))
            }
        }
    }
}

pub fn weekday_name(lang: Lang, d: Weekday) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match lang {
        Lang::De => [
            "Montag",
            "Dienstag",
            "Mittwoch",
            "Donnerstag",
            "Freitag",
            "Samstag",
            "Sonntag",
        ][i],
        Lang::En => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
        Lang::Fr => [
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
        ][i],
    }
}

pub fn month_name(lang: Lang, month1: u32) -> &'static str {
    let i = (month1.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::De => [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ][i],
        Lang::En => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ][i],
        Lang::Fr => [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ][i],
    }
}

/// "Donnerstag, 14. März", "Thursday 14 March", "jeudi 14 mars".
pub fn spoken_date(lang: Lang, d: NaiveDate) -> String {
    let wd = weekday_name(lang, d.weekday());
    let m = month_name(lang, d.month());
    match lang {
        Lang::De => format!("{wd}, {}. {m}", d.day()),
        Lang::En => format!("{wd} {} {m}", d.day()),
        Lang::Fr => format!("{wd} {} {m}", d.day()),
    }
}

/// "10:30", "10:30am", "10h30".
pub fn spoken_time(lang: Lang, hour: u32, minute: u32) -> String {
    match lang {
        Lang::De => format!("{hour}:{minute:02}"),
        Lang::En => {
            let (h, ampm) = match hour {
                0 => (12, "am"),
                1..=11 => (hour, "am"),
                12 => (12, "pm"),
                _ => (hour - 12, "pm"),
            };
            format!("{h}:{minute:02}{ampm}")
        }
        Lang::Fr => format!("{hour}h{minute:02}"),
    }
}

/// "84,50 €" or "£84.50".
pub fn money(lang: Lang, cents: u32) -> String {
    match lang {
        Lang::De | Lang::Fr => format!("{},{:02} €", cents / 100, cents % 100),
        Lang::En => format!("£{}.{:02}", cents / 100, cents % 100),
    }
}

/// "12.03.1968", "12/03/1968".
pub fn birth_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::De => format!("{:02}.{:02}.{}", d.day(), d.month(), d.year()),
        Lang::En | Lang::Fr => {
            format!("{} {} {}", d.day(), month_name(lang, d.month()), d.year())
        }
    }
}
