//! Names, numbers and call summaries for the Solum emulator: a US pediatric therapy practice
//! (ABA, speech, occupational therapy) with English- and Spanish-speaking families.
//!
//! Phone numbers use the 555-01XX block, which is reserved for fiction, behind real area codes.

use chrono::{DateTime, Datelike, Utc, Weekday};

use crate::pick;

pub const EN_FIRST: &[&str] = &[
    "Emily",
    "Michael",
    "Jessica",
    "Christopher",
    "Ashley",
    "Matthew",
    "Sarah",
    "Joshua",
    "Amanda",
    "David",
    "Jennifer",
    "Daniel",
    "Brittany",
    "James",
    "Megan",
    "Ryan",
    "Lauren",
    "Tyler",
    "Rachel",
    "Kevin",
];
pub const EN_LAST: &[&str] = &[
    "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas",
    "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Hall", "Young", "O'Brien", "Nguyen",
];
pub const ES_FIRST: &[&str] = &[
    "María",
    "José",
    "Guadalupe",
    "Juan",
    "Alejandra",
    "Luis",
    "Rosa",
    "Carlos",
    "Verónica",
    "Jesús",
    "Ana",
    "Miguel",
    "Yesenia",
    "Francisco",
    "Lucía",
    "Javier",
    "Marisol",
    "Andrés",
];
pub const ES_LAST: &[&str] = &[
    "García",
    "Rodríguez",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Morales",
    "Reyes",
    "Cruz",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Muñoz",
];
pub const EN_CHILD: &[&str] = &[
    "Liam", "Olivia", "Noah", "Emma", "Aiden", "Ava", "Ethan", "Sophia", "Mason", "Harper",
    "Caleb", "Chloe",
];
pub const ES_CHILD: &[&str] = &[
    "Mateo",
    "Sofía",
    "Santiago",
    "Valentina",
    "Diego",
    "Camila",
    "Emiliano",
    "Ximena",
    "Leonardo",
    "Isabella",
    "Joaquín",
    "Renata",
];
/// Area codes of the practice's region (Texas and Florida).
const AREA_CODES: &[&str] = &[
    "512", "737", "210", "713", "832", "956", "305", "786", "407", "954",
];
const INSURERS: &[&str] = &[
    "Aetna",
    "Blue Cross Blue Shield",
    "UnitedHealthcare",
    "Cigna",
    "Medicaid",
    "Humana",
    "Tricare",
];

/// A US number in E.164 form from the fictional 555-01XX block.
pub fn us_phone(rng: &mut fastrand::Rng) -> String {
    format!("+1{}55501{:02}", pick(rng, AREA_CODES), rng.u8(..100))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    English,
    Spanish,
}

impl Lang {
    /// The value of the API's `language` field.
    pub fn wire(self) -> &'static str {
        match self {
            Lang::English => "english",
            Lang::Spanish => "spanish",
        }
    }
}

/// Slots a summary template is filled with.
pub struct Slots {
    pub caller: String,
    pub patient: String,
    pub therapy: &'static str,
    pub day: String,
    pub day2: String,
    pub time: String,
    pub n: u32,
    pub amount: String,
    pub insurer: &'static str,
}

fn weekday(lang: Lang, d: Weekday) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match lang {
        Lang::English => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
        Lang::Spanish => [
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
            "domingo",
        ][i],
    }
}

fn month(lang: Lang, m: u32) -> &'static str {
    let i = (m.clamp(1, 12) - 1) as usize;
    match lang {
        Lang::English => [
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
        Lang::Spanish => [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ][i],
    }
}

/// "Tuesday, March 24" / "martes 24 de marzo".
pub fn spoken_day(lang: Lang, t: DateTime<Utc>) -> String {
    let d = t.date_naive();
    match lang {
        Lang::English => format!(
            "{}, {} {}",
            weekday(lang, d.weekday()),
            month(lang, d.month()),
            d.day()
        ),
        Lang::Spanish => format!(
            "{} {} de {}",
            weekday(lang, d.weekday()),
            d.day(),
            month(lang, d.month())
        ),
    }
}

/// "3:30 PM" / "3:30 p. m.".
pub fn spoken_time(lang: Lang, hour: u32, minute: u32) -> String {
    let h12 = if hour.is_multiple_of(12) {
        12
    } else {
        hour % 12
    };
    match (lang, hour >= 12) {
        (Lang::English, true) => format!("{h12}:{minute:02} PM"),
        (Lang::English, false) => format!("{h12}:{minute:02} AM"),
        (Lang::Spanish, true) => format!("{h12}:{minute:02} p. m."),
        (Lang::Spanish, false) => format!("{h12}:{minute:02} a. m."),
    }
}

const THERAPIES_EN: &[&str] = &[
    "ABA therapy",
    "speech therapy",
    "occupational therapy",
    "parent training",
];
const THERAPIES_ES: &[&str] = &[
    "terapia ABA",
    "terapia del habla",
    "terapia ocupacional",
    "capacitación para padres",
];

pub fn therapy(rng: &mut fastrand::Rng, lang: Lang) -> &'static str {
    let list = match lang {
        Lang::English => THERAPIES_EN,
        Lang::Spanish => THERAPIES_ES,
    };
    list[rng.usize(..list.len())]
}

pub fn insurer(rng: &mut fastrand::Rng) -> &'static str {
    INSURERS[rng.usize(..INSURERS.len())]
}

/// The nine categories of the API, in its documented order.
pub const CATEGORIES: [&str; 9] = [
    "client_support",
    "miscellaneous",
    "billing",
    "new_appointment",
    "existing_appointment",
    "rescheduling",
    "cancellation",
    "authorization",
    "appointment_inquiry",
];

/// Relative frequency of each category (same order as [`CATEGORIES`]).
pub const CATEGORY_WEIGHTS: [u32; 9] = [10, 6, 12, 14, 14, 13, 9, 10, 12];

/// Summary templates per category; `{…}` are [`Slots`].
fn templates(lang: Lang, category: &str) -> &'static [&'static str] {
    match (lang, category) {
        (Lang::English, "client_support") => &[
            "{caller} asked how to log in to the parent portal and reset the password. The assistant texted a reset link.",
            "{caller} requested a copy of {patient}'s treatment plan and latest progress report. Request forwarded to the clinical team.",
            "{caller} asked who {patient}'s new BCBA is and how to reach them. Contact details were shared.",
        ],
        (Lang::English, "miscellaneous") => &[
            "Caller asked for the clinic's address and parking instructions. Directions were given.",
            "A medical supply vendor called about a delivery window; message taken for the office manager.",
            "Wrong number: the caller was trying to reach a pharmacy.",
        ],
        (Lang::English, "billing") => &[
            "{caller} asked about a {amount} balance on the latest statement for {patient}. The copay was explained; the caller will pay online.",
            "{caller} believes {patient} was billed twice for the same {therapy} session. Billing team to review the claim and call back.",
            "{caller} asked to update the card on file and set up a payment plan for {amount}.",
        ],
        (Lang::English, "new_appointment") => &[
            "{caller} requested an intake evaluation for {patient} ({therapy}). Scheduled {n} session(s) starting {day} at {time}.",
            "New family referred by their pediatrician. {caller} booked {n} {therapy} session(s) for {patient}, first one {day} at {time}.",
        ],
        (Lang::English, "existing_appointment") => &[
            "{caller} confirmed {patient}'s {therapy} session on {day} at {time}.",
            "Reminder call: {caller} confirmed {patient} will attend on {day} at {time} and asked to bring the insurance card.",
            "{caller} asked whether {patient}'s session on {day} is in person or telehealth. It is in person at {time}.",
        ],
        (Lang::English, "rescheduling") => &[
            "{caller} moved {patient}'s {therapy} session from {day} to {day2} at {time}.",
            "{caller} needed an earlier time because of school pickup. Rescheduled {patient} to {day2} at {time}.",
        ],
        (Lang::English, "cancellation") => &[
            "{caller} cancelled {patient}'s session on {day} because {patient} is sick. Offered a make-up slot next week.",
            "{caller} cancelled all remaining sessions for {patient} this month due to travel.",
        ],
        (Lang::English, "authorization") => &[
            "{caller} asked about the status of the {insurer} prior authorization for {patient}'s {therapy}. Still pending; staff to follow up with the payer.",
            "{insurer} approved {n} more hours for {patient}. {caller} was informed and asked to keep the current schedule.",
            "{caller} received a denial letter from {insurer} for {patient}'s {therapy} and wants help with an appeal.",
        ],
        (Lang::English, "appointment_inquiry") => &[
            "{caller} asked about availability for {therapy} on weekday afternoons. Offered {day} at {time}; the caller will call back.",
            "{caller} asked how long the waitlist is for a {therapy} evaluation. Explained the current wait of about three weeks.",
        ],
        (Lang::Spanish, "client_support") => &[
            "{caller} preguntó cómo entrar al portal de padres y restablecer la contraseña. Se le envió un enlace por mensaje de texto.",
            "{caller} pidió una copia del plan de tratamiento de {patient}. Solicitud enviada al equipo clínico.",
        ],
        (Lang::Spanish, "miscellaneous") => &[
            "La persona preguntó la dirección de la clínica y dónde estacionarse. Se le dieron indicaciones.",
            "Número equivocado: buscaba una farmacia.",
        ],
        (Lang::Spanish, "billing") => &[
            "{caller} preguntó por un saldo de {amount} en el último estado de cuenta de {patient}. Se explicó el copago; pagará en línea.",
            "{caller} cree que le cobraron dos veces la misma sesión de {therapy} de {patient}. Facturación revisará el reclamo y le llamará.",
        ],
        (Lang::Spanish, "new_appointment") => &[
            "{caller} pidió una evaluación inicial para {patient} ({therapy}). Se programaron {n} sesión(es) a partir del {day} a las {time}.",
            "Familia nueva referida por su pediatra. {caller} reservó {n} sesión(es) de {therapy} para {patient}; la primera es el {day} a las {time}.",
        ],
        (Lang::Spanish, "existing_appointment") => &[
            "{caller} confirmó la sesión de {therapy} de {patient} el {day} a las {time}.",
            "Llamada de recordatorio: {caller} confirmó que {patient} asistirá el {day} a las {time}.",
        ],
        (Lang::Spanish, "rescheduling") => &[
            "{caller} cambió la sesión de {patient} del {day} al {day2} a las {time}.",
            "{caller} necesitaba un horario más temprano por la salida de la escuela. Se reprogramó a {patient} para el {day2} a las {time}.",
        ],
        (Lang::Spanish, "cancellation") => &[
            "{caller} canceló la sesión de {patient} del {day} porque {patient} se enfermó. Se ofreció una cita de reposición.",
            "{caller} canceló las sesiones restantes de {patient} este mes por un viaje.",
        ],
        (Lang::Spanish, "authorization") => &[
            "{caller} preguntó por la autorización previa de {insurer} para {patient} ({therapy}). Sigue pendiente; el personal dará seguimiento.",
            "{caller} recibió una carta de rechazo de {insurer} para {patient} ({therapy}) y quiere ayuda con la apelación.",
        ],
        (Lang::Spanish, _) => &[
            "{caller} preguntó si hay horarios disponibles para {therapy} por las tardes. Se ofreció el {day} a las {time}; volverá a llamar.",
        ],
        (Lang::English, _) => &["{caller} called; the request was noted for the front desk."],
    }
}

/// A summary of a call of `category` in `lang`.
pub fn summary(rng: &mut fastrand::Rng, lang: Lang, category: &str, s: &Slots) -> String {
    let t = *pick(rng, templates(lang, category));
    t.replace("{caller}", &s.caller)
        .replace("{patient}", &s.patient)
        .replace("{therapy}", s.therapy)
        .replace("{day2}", &s.day2)
        .replace("{day}", &s.day)
        .replace("{time}", &s.time)
        .replace("{n}", &s.n.to_string())
        .replace("{amount}", &s.amount)
        .replace("{insurer}", s.insurer)
        // A time that ends in "p. m." at the end of a sentence.
        .replace("..", ".")
}

/// What the assistant writes when a call was too short to say anything about.
pub fn short_summary(lang: Lang) -> &'static str {
    match lang {
        Lang::English => "Caller hung up before stating the reason for the call.",
        Lang::Spanish => "La persona colgó antes de decir el motivo de la llamada.",
    }
}
