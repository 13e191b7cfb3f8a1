//! Conversation templates for the TalkPilot emulator: a doctor's practice
//! reception in German, English (UK GP surgery) and French.
//!
//! Placeholders: `{caller}` (full name or "an anonymous caller", sentence start
//! only), `{full}`, `{, hn}` (", Herr Müller" or nothing), `{ne}` (French né/née),
//! `{dob}`, `{date}`, `{time}`, `{date2}`, `{time2}`, `{old_date}`, `{past_date}`,
//! `{inv}`, `{amount}`, `{med}`, `{ins}`, `{doc}`, `{practice}`, `{emp}`,
//! `{complaint}`, `{topics}`.

use super::super::people::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum R {
    A,
    U,
}
use R::{A, U};

pub type Line = (R, &'static str);

pub struct Scenario {
    pub topic: &'static str,
    pub requests: &'static [&'static str],
    pub openings: &'static [&'static str],
    pub needs_id: bool,
    pub core: &'static [Line],
    pub ok: &'static [Line],
    pub fail: &'static [Line],
    pub summary: &'static [&'static str],
    pub summary_ok: &'static [&'static str],
    pub summary_fail: &'static [&'static str],
}

pub struct Pack {
    pub practice: &'static str,
    pub doctors: &'static [&'static str],
    pub employees: &'static [&'static str],
    pub meds: &'static [&'static str],
    pub insurers: &'static [&'static str],
    pub complaints: &'static [&'static str],
    pub notes: &'static [&'static str],
    pub greetings: &'static [&'static str],
    pub ident_named: &'static [Line],
    pub ident_anon: &'static [Line],
    /// Filler exchanges; their slots are in [`FILLER_SLOTS`].
    pub fillers: &'static [&'static [Line]; 14],
    pub end_user_hangup: &'static [Line],
    pub end_user_abrupt: &'static [Line],
    pub end_agent_hangup: &'static [Line],
    pub end_transfer: &'static [Line],
    pub more_topics: &'static [&'static str],
    pub anon_caller: &'static str,
    pub long_request: &'static str,
    pub long_summary: &'static str,
    pub long_summary2: &'static str,
    pub transfer_summary: &'static str,
    pub ansi_turn: &'static str,
    pub ansi_summary_prefix: &'static str,
    pub bidi_summary: &'static str,
    pub zwsp_turn: &'static str,
    pub scenarios: &'static [Scenario; 8],
}

/// Where a filler exchange fits in a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Right after an agent turn (the caller reacts to it).
    AfterAgent,
    /// Between a caller turn and the agent's answer.
    AfterUser,
    /// A side topic just before the goodbye.
    BeforeEnd,
}

/// Slot of each entry of `Pack::fillers` (same order in every pack).
pub const FILLER_SLOTS: [Slot; 14] = [
    Slot::AfterAgent, // could you repeat that
    Slot::AfterAgent, // are you still there
    Slot::AfterAgent, // let me grab a pen
    Slot::AfterUser,  // one moment, checking the system
    Slot::AfterAgent, // the line is bad
    Slot::BeforeEnd,  // parking
    Slot::BeforeEnd,  // what to bring
    Slot::BeforeEnd,  // is the doctor in this week
    Slot::BeforeEnd,  // text confirmation
    Slot::AfterAgent, // hold on, my child asked something
    Slot::BeforeEnd,  // wheelchair access
    Slot::BeforeEnd,  // waiting time
    Slot::AfterUser,  // have I understood that correctly
    Slot::BeforeEnd,  // new address
];

/// Relative frequency of the scenarios (same order in every pack).
pub const SCENARIO_WEIGHTS: [u32; 8] = [30, 12, 15, 12, 10, 8, 8, 5];
/// Index of the "wants to talk to a person" scenario (ends in a transfer).
pub const CALLBACK: usize = 7;

pub fn pack(lang: Lang) -> &'static Pack {
    match lang {
        Lang::De => &DE,
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

// ---------------------------------------------------------------------------
// German
// ---------------------------------------------------------------------------

static DE: Pack = Pack {
    practice: "Praxis Dr. Weber",
    doctors: &["Dr. Weber", "Dr. Yıldız"],
    employees: &[
        "Max Mustermann",
        "Sabine Krüger",
        "Lena Vogel",
        "Tobias Schütz",
    ],
    meds: &[
        "Ramipril 5 mg",
        "Metformin 1000 mg",
        "L-Thyroxin 75 µg",
        "Pantoprazol 20 mg",
        "Bisoprolol 2,5 mg",
        "Salbutamol-Spray",
    ],
    insurers: &[
        "AOK",
        "Techniker Krankenkasse",
        "Barmer",
        "DAK-Gesundheit",
        "IKK classic",
    ],
    complaints: &[
        "Rückenschmerzen",
        "Halsschmerzen und Husten",
        "starke Kopfschmerzen",
        "Knieschmerzen",
        "Ohrenschmerzen",
        "immer wieder Schwindel",
    ],
    notes: &[
        "Rückruf vereinbart für Donnerstag",
        "Rezept liegt zur Abholung bereit",
        "Patient nicht erreicht, erneut versuchen",
        "Rechnung an Abrechnung weitergeleitet",
        "Termin im Kalender bestätigt",
        "Versichertenkarte beim nächsten Besuch einlesen",
        "Rückruf erledigt",
    ],
    greetings: &[
        "{practice}, guten Tag! Sie sprechen mit dem digitalen Assistenten. Wie kann ich Ihnen helfen?",
        "Guten Tag, hier ist die {practice}, Sie sprechen mit der virtuellen Rezeption. Was kann ich für Sie tun?",
        "{practice}, Anmeldung, guten Tag. Wie kann ich helfen?",
    ],
    ident_named: &[
        (
            A,
            "Darf ich zuerst Ihren Namen und Ihr Geburtsdatum erfragen?",
        ),
        (U, "{full}, geboren am {dob}."),
        (A, "Vielen Dank{, hn}, ich habe Ihre Akte gefunden."),
    ],
    ident_anon: &[
        (A, "Darf ich Ihren Namen erfragen?"),
        (U, "Das möchte ich am Telefon eigentlich nicht sagen."),
        (A, "Kein Problem, ich helfe Ihnen trotzdem gerne weiter."),
    ],
    fillers: &[
        &[
            (
                U,
                "Entschuldigung, können Sie das bitte noch einmal wiederholen?",
            ),
            (A, "Natürlich, gerne noch einmal langsam."),
        ],
        &[
            (A, "Sind Sie noch da?"),
            (U, "Ja, ja, ich bin noch dran. Entschuldigung."),
        ],
        &[
            (U, "Moment, ich hole mir schnell etwas zum Schreiben."),
            (U, "So, jetzt habe ich einen Stift."),
        ],
        &[
            (A, "Einen Moment bitte, ich schaue im System nach."),
            (A, "Danke für Ihre Geduld."),
        ],
        &[
            (
                U,
                "Die Verbindung ist etwas schlecht, ich bin gerade im Auto.",
            ),
            (A, "Kein Problem, ich spreche etwas deutlicher."),
        ],
        &[
            (U, "Gibt es bei Ihnen eigentlich Parkplätze?"),
            (
                A,
                "Ja, direkt hinter dem Haus gibt es einige Parkplätze für Patientinnen und Patienten.",
            ),
        ],
        &[
            (U, "Muss ich etwas mitbringen?"),
            (
                A,
                "Bitte bringen Sie Ihre Versichertenkarte und, falls vorhanden, aktuelle Befunde mit.",
            ),
        ],
        &[
            (U, "Ist {doc} eigentlich diese Woche da?"),
            (
                A,
                "{doc} ist diese Woche von Montag bis Donnerstag in der Praxis.",
            ),
        ],
        &[
            (A, "Soll ich Ihnen eine Bestätigung per SMS schicken?"),
            (U, "Ja, gerne, an diese Nummer."),
        ],
        &[
            (U, "Ähm, warten Sie kurz."),
            (
                U,
                "Mein Sohn fragt gerade etwas. Entschuldigung, wo waren wir?",
            ),
            (A, "Kein Problem, wir waren gerade bei Ihrem Anliegen."),
        ],
        &[
            (U, "Ist die Praxis eigentlich barrierefrei?"),
            (A, "Ja, es gibt einen Aufzug und einen ebenerdigen Eingang."),
        ],
        &[
            (
                U,
                "Und wie lange muss man ungefähr warten, wenn man da ist?",
            ),
            (
                A,
                "Mit Termin in der Regel nicht länger als fünfzehn Minuten.",
            ),
        ],
        &[(A, "Habe ich Sie richtig verstanden?"), (U, "Ja, genau.")],
        &[
            (
                U,
                "Ich habe übrigens eine neue Adresse, soll ich die durchgeben?",
            ),
            (
                A,
                "Gerne, am besten ändern wir das beim nächsten Besuch direkt an der Anmeldung.",
            ),
        ],
    ],
    end_user_hangup: &[
        (A, "Kann ich sonst noch etwas für Sie tun?"),
        (U, "Nein, das war alles. Vielen Dank und tschüss!"),
    ],
    end_user_abrupt: &[(U, "Dann versuche ich es später noch mal. Tschüss.")],
    end_agent_hangup: &[
        (A, "Kann ich sonst noch etwas für Sie tun?"),
        (U, "Nein, danke, das war's."),
        (
            A,
            "Dann wünsche ich Ihnen einen schönen Tag{, hn}. Auf Wiederhören!",
        ),
    ],
    end_transfer: &[(A, "Ich verbinde Sie jetzt mit {emp}. Einen Moment bitte.")],
    more_topics: &[
        "Und dann hätte ich noch eine Frage.",
        "Wo ich Sie gerade dran habe, noch etwas anderes.",
        "Ach, und noch was.",
    ],
    anon_caller: "Ein anonymer Anrufer",
    long_request: "Mehrere Anliegen",
    long_summary: "{caller} hatte mehrere Anliegen ({topics}).",
    long_summary2: "Sehr langes Gespräch; alle Punkte wurden geklärt.",
    transfer_summary: "Anruf an {emp} weitergeleitet.",
    ansi_turn: "Meine Patientennummer ist \u{1b}[31m4711\u{1b}[0m, die steht rot auf dem Brief.",
    ansi_summary_prefix: "\u{1b}[31mDRINGEND\u{1b}[0m ",
    bidi_summary: "Vom Anrufer genannte Referenz: \u{202E}CBA-4321\u{202C}.",
    zwsp_turn: "Meine E-Mail ist j.mueller\u{200B}@example.de, alles klein geschrieben.",
    scenarios: &[
        Scenario {
            topic: "Termin",
            requests: &[
                "Terminvereinbarung",
                "Terminanfrage bei {doc}",
                "Neuer Termin – Kontrolluntersuchung",
            ],
            openings: &[
                "Guten Tag, ich hätte gerne einen Termin bei {doc}.",
                "Hallo, ich bräuchte einen Termin, möglichst bald.",
                "Ja, guten Tag, ich wollte einen Termin für eine Kontrolluntersuchung machen.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Gerne. Worum geht es denn, damit ich den passenden Termin auswählen kann?",
                ),
                (
                    U,
                    "Ich habe seit ein paar Tagen {complaint} und es wird nicht besser.",
                ),
                (
                    A,
                    "Das tut mir leid zu hören. Haben Sie Fieber oder andere Beschwerden?",
                ),
                (U, "Nein, Fieber nicht, aber es ist wirklich unangenehm."),
                (A, "Verstanden. Ich schaue nach freien Terminen bei {doc}."),
            ],
            ok: &[
                (
                    A,
                    "Ich hätte am {date} um {time} Uhr etwas frei. Passt Ihnen das?",
                ),
                (U, "Hm, geht es auch etwas früher?"),
                (
                    A,
                    "Früher leider nicht, aber am {date2} um {time2} Uhr wäre auch noch etwas frei.",
                ),
                (
                    U,
                    "Nein, dann nehme ich lieber den ersten Termin, {date} um {time}.",
                ),
                (
                    A,
                    "Sehr gut, ich habe Sie für {date} um {time} Uhr bei {doc} eingetragen. Bitte bringen Sie Ihre Versichertenkarte mit.",
                ),
                (U, "Mache ich, vielen Dank."),
            ],
            fail: &[
                (
                    A,
                    "Leider ist {doc} in den nächsten zwei Wochen komplett ausgebucht.",
                ),
                (U, "Oh. Das ist schlecht, es geht mir wirklich nicht gut."),
                (
                    A,
                    "Ich kann Sie auf die Warteliste setzen, dann melden wir uns, sobald etwas frei wird. Bei starken Beschwerden wenden Sie sich bitte an den ärztlichen Bereitschaftsdienst unter 116 117.",
                ),
                (U, "Na gut, setzen Sie mich auf die Liste."),
            ],
            summary: &["{caller} bat um einen Termin bei {doc} (Beschwerden: {complaint})."],
            summary_ok: &[
                "Termin für {date} um {time} Uhr vereinbart.",
                "Agent vereinbarte einen Termin am {date} um {time} Uhr.",
            ],
            summary_fail: &["Kein freier Termin verfügbar; auf die Warteliste gesetzt."],
        },
        Scenario {
            topic: "Terminabsage",
            requests: &[
                "Terminabsage",
                "Termin absagen am {old_date}",
                "Terminverschiebung",
            ],
            openings: &[
                "Guten Tag, ich muss leider meinen Termin am {old_date} absagen.",
                "Hallo, ich habe am {old_date} einen Termin und kann da leider nicht.",
            ],
            needs_id: true,
            core: &[
                (A, "Einen Moment, ich suche Ihren Termin heraus."),
                (
                    A,
                    "Ich sehe hier Ihren Termin am {old_date} um {time2} Uhr bei {doc}. Ist das richtig?",
                ),
                (U, "Ja, genau der."),
                (
                    A,
                    "Möchten Sie den Termin nur absagen oder gleich einen neuen vereinbaren?",
                ),
            ],
            ok: &[
                (U, "Wenn möglich gleich einen neuen, bitte."),
                (A, "Wie wäre es mit {date} um {time} Uhr?"),
                (U, "Das passt gut."),
                (
                    A,
                    "Dann habe ich den alten Termin storniert und Sie für {date} um {time} Uhr neu eingetragen.",
                ),
            ],
            fail: &[
                (
                    U,
                    "Nur absagen, ich melde mich wieder, wenn ich weiß, wann ich kann.",
                ),
                (
                    A,
                    "In Ordnung, der Termin am {old_date} ist storniert. Bitte beachten Sie, dass Absagen unter 24 Stunden in Rechnung gestellt werden können.",
                ),
                (U, "Oh, das wusste ich nicht. Na gut."),
            ],
            summary: &["{caller} sagte den Termin am {old_date} ab."],
            summary_ok: &["Neuer Termin am {date} um {time} Uhr vereinbart."],
            summary_fail: &["Kein Ersatztermin vereinbart; Hinweis auf Ausfallgebühr gegeben."],
        },
        Scenario {
            topic: "Rezept",
            requests: &[
                "Folgerezept {med}",
                "Rezeptbestellung",
                "Wiederholungsrezept {med}",
            ],
            openings: &[
                "Guten Tag, ich bräuchte ein neues Rezept für {med}.",
                "Hallo, mein {med} geht zur Neige, kann ich ein Folgerezept bekommen?",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Gerne. Nehmen Sie {med} schon länger, ist es also eine Dauermedikation?",
                ),
                (U, "Ja, seit ungefähr drei Jahren."),
                (A, "Wie viele Packungen benötigen Sie?"),
                (U, "Eine Packung reicht, die große mit hundert Stück."),
            ],
            ok: &[
                (
                    A,
                    "Ich habe die Anfrage an {doc} weitergegeben. Möchten Sie das Rezept abholen oder als E-Rezept auf Ihre Versichertenkarte?",
                ),
                (
                    U,
                    "E-Rezept wäre super, dann kann ich direkt in die Apotheke.",
                ),
                (
                    A,
                    "Gerne, das E-Rezept ist ab {date} auf Ihrer Karte verfügbar.",
                ),
            ],
            fail: &[
                (
                    A,
                    "Laut Ihrer Akte war die letzte Kontrolle vor über einem Jahr. Für ein neues Rezept muss {doc} Sie vorher noch einmal sehen.",
                ),
                (U, "Ach so. Aber ich habe nur noch Tabletten für drei Tage."),
                (
                    A,
                    "Ich verstehe. Ich notiere das als dringend, die Praxis ruft Sie heute noch zurück.",
                ),
            ],
            summary: &["{caller} bat um ein Folgerezept für {med}."],
            summary_ok: &[
                "E-Rezept ab {date} verfügbar.",
                "Rezeptanfrage an {doc} weitergeleitet, E-Rezept ab {date} auf der Karte.",
            ],
            summary_fail: &["Rezept nur nach Kontrolltermin möglich; dringender Rückruf notiert."],
        },
        Scenario {
            topic: "Rechnung",
            requests: &[
                "Frage zu Rechnung #{inv}",
                "Rechnung #{inv} – Betrag unklar",
                "Rückfrage Rechnung",
            ],
            openings: &[
                "Guten Tag, ich habe eine Frage zu meiner Rechnung mit der Nummer {inv}.",
                "Hallo, ich habe eine Rechnung über {amount} bekommen und verstehe nicht, wofür.",
            ],
            needs_id: true,
            core: &[
                (A, "Natürlich. Um welche Rechnung geht es genau?"),
                (U, "Die Rechnungsnummer ist {inv}, über {amount}."),
                (A, "Einen Moment, ich rufe die Rechnung auf."),
                (
                    A,
                    "Die Rechnung betrifft eine individuelle Gesundheitsleistung, die nicht von der Krankenkasse übernommen wird.",
                ),
                (U, "Davon hat mir aber niemand etwas gesagt."),
            ],
            ok: &[
                (
                    A,
                    "Laut Unterlagen haben Sie dafür eine Einverständniserklärung unterschrieben. Ich kann Ihnen eine Kopie per Post schicken.",
                ),
                (
                    U,
                    "Ach so, ja, jetzt erinnere ich mich. Dann ist das in Ordnung.",
                ),
                (
                    A,
                    "Gut. Die Zahlungsfrist beträgt zwei Wochen, auf Wunsch ist auch eine Ratenzahlung möglich.",
                ),
            ],
            fail: &[
                (
                    A,
                    "Das kann ich leider nicht abschließend klären. Ich gebe Ihr Anliegen an unsere Abrechnung weiter.",
                ),
                (U, "Und bis dahin muss ich nicht zahlen?"),
                (
                    A,
                    "Die Zahlungsfrist wird ausgesetzt, bis sich die Abrechnung bei Ihnen gemeldet hat.",
                ),
            ],
            summary: &["{caller} hatte eine Frage zu Rechnung #{inv} über {amount}."],
            summary_ok: &[
                "Agent konnte die Frage beantworten.",
                "Rechnung erklärt; Kopie der Einverständniserklärung wird zugeschickt.",
            ],
            summary_fail: &["Anliegen an die Abrechnung weitergegeben, Zahlungsfrist ausgesetzt."],
        },
        Scenario {
            topic: "Öffnungszeiten",
            requests: &["Öffnungszeiten", "Frage zu den Sprechzeiten"],
            openings: &[
                "Hallo, wann haben Sie denn heute geöffnet?",
                "Guten Tag, ich wollte nur fragen, wie Ihre Öffnungszeiten sind.",
            ],
            needs_id: false,
            core: &[
                (
                    A,
                    "Wir haben Montag bis Freitag von 8 bis 12 Uhr geöffnet, außerdem Montag, Dienstag und Donnerstag nachmittags von 15 bis 18 Uhr.",
                ),
                (U, "Und mittwochs nachmittags?"),
                (
                    A,
                    "Mittwochnachmittag und Freitagnachmittag ist die Praxis geschlossen.",
                ),
            ],
            ok: &[
                (U, "Alles klar, dann komme ich morgen früh vorbei."),
                (
                    A,
                    "Gerne. Eine offene Sprechstunde gibt es täglich von 8 bis 9 Uhr.",
                ),
            ],
            fail: &[
                (U, "Das ist blöd, ich arbeite bis 17 Uhr."),
                (
                    A,
                    "Dann empfehle ich Ihnen einen Termin am Montag oder Donnerstag ab 17 Uhr. Soll ich einen eintragen?",
                ),
                (U, "Nein, ich überlege es mir noch."),
            ],
            summary: &["{caller} fragte nach den Öffnungszeiten der Praxis."],
            summary_ok: &["Öffnungszeiten und offene Sprechstunde mitgeteilt."],
            summary_fail: &["Öffnungszeiten passen nicht; kein Termin vereinbart."],
        },
        Scenario {
            topic: "Versicherung",
            requests: &[
                "Frage zur Kostenübernahme",
                "Versicherung: {ins}",
                "Wechsel der Krankenkasse",
            ],
            openings: &[
                "Guten Tag, ich habe die Krankenkasse gewechselt und bin jetzt bei der {ins}.",
                "Hallo, ich bin neu bei der {ins} und habe eine Frage zur Vorsorgeuntersuchung.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Danke für den Hinweis. Haben Sie schon die neue Versichertenkarte erhalten?",
                ),
                (U, "Ja, die kam letzte Woche."),
                (
                    A,
                    "Dann bringen Sie die Karte bitte beim nächsten Besuch mit, wir lesen sie dann neu ein.",
                ),
                (
                    U,
                    "Und wird die Vorsorgeuntersuchung dann von der {ins} bezahlt?",
                ),
            ],
            ok: &[
                (
                    A,
                    "Ja, die Vorsorgeuntersuchung ist eine Kassenleistung und wird von der {ins} übernommen.",
                ),
                (U, "Prima, danke."),
            ],
            fail: &[
                (
                    A,
                    "Das hängt von Ihrem Tarif ab. Das kann ich leider nicht verbindlich sagen, bitte fragen Sie direkt bei der {ins} nach.",
                ),
                (U, "Hm, okay. Ich hatte gehofft, das schneller zu klären."),
            ],
            summary: &[
                "{caller} meldete einen Wechsel zur {ins} und fragte nach der Kostenübernahme.",
            ],
            summary_ok: &[
                "Kostenübernahme bestätigt; neue Karte wird beim nächsten Besuch eingelesen.",
            ],
            summary_fail: &["Kostenübernahme unklar, Rückfrage bei der Krankenkasse empfohlen."],
        },
        Scenario {
            topic: "Befund",
            requests: &[
                "Befundbesprechung",
                "Laborergebnisse",
                "Nachfrage Blutwerte",
            ],
            openings: &[
                "Guten Tag, ich wollte fragen, ob meine Blutwerte schon da sind.",
                "Hallo, ich war letzte Woche zur Blutabnahme und warte auf die Ergebnisse.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Ich schaue nach. Die Blutabnahme war am {past_date}, richtig?",
                ),
                (U, "Ja, genau."),
                (
                    A,
                    "Die Ergebnisse sind da. Aus Datenschutzgründen darf ich Befunde am Telefon nicht im Detail mitteilen.",
                ),
                (U, "Verstehe. Ist denn irgendetwas auffällig?"),
            ],
            ok: &[
                (
                    A,
                    "{doc} hat die Werte bereits angesehen und keine Auffälligkeiten vermerkt. Eine Besprechung ist nicht nötig.",
                ),
                (U, "Oh, das ist eine Erleichterung. Danke!"),
            ],
            fail: &[
                (
                    A,
                    "{doc} möchte die Werte gerne persönlich mit Ihnen besprechen. Ich kann Ihnen den {date} um {time} Uhr anbieten.",
                ),
                (
                    U,
                    "Oh je, jetzt mache ich mir Sorgen. Na gut, ich nehme den Termin.",
                ),
                (
                    A,
                    "Machen Sie sich bitte keine Sorgen, das ist ein ganz normaler Ablauf. Ich habe den Termin eingetragen.",
                ),
            ],
            summary: &["{caller} fragte nach den Ergebnissen der Blutabnahme vom {past_date}."],
            summary_ok: &["Werte unauffällig, keine Besprechung nötig."],
            summary_fail: &["Besprechungstermin am {date} um {time} Uhr vereinbart."],
        },
        Scenario {
            topic: "Rückruf",
            requests: &[
                "Rückrufbitte",
                "Möchte mit dem Praxisteam sprechen",
                "Überweisung an Facharzt",
            ],
            openings: &[
                "Guten Tag, ich bräuchte eine Überweisung zum Orthopäden und würde gerne mit jemandem vom Team sprechen.",
                "Hallo, kann ich bitte mit einem Menschen sprechen?",
            ],
            needs_id: false,
            core: &[
                (
                    A,
                    "Ich bin der digitale Assistent der Praxis. Vielleicht kann ich Ihnen schon weiterhelfen – worum geht es?",
                ),
                (U, "Es geht um eine Überweisung, das ist etwas kompliziert."),
                (A, "Verstanden, dafür ist das Praxisteam zuständig."),
            ],
            ok: &[(A, "Ich schaue, wer gerade verfügbar ist.")],
            fail: &[
                (
                    A,
                    "Leider ist gerade niemand vom Team frei. Ich notiere einen Rückrufwunsch.",
                ),
                (U, "Gut, aber bitte heute noch."),
                (
                    A,
                    "Ich habe vermerkt, dass Sie heute noch zurückgerufen werden möchten.",
                ),
            ],
            summary: &["{caller} wollte wegen einer Überweisung mit dem Praxisteam sprechen."],
            summary_ok: &["Anruf an {emp} weitergeleitet."],
            summary_fail: &["Niemand verfügbar; Rückruf für heute notiert."],
        },
    ],
};

// ---------------------------------------------------------------------------
// English (UK)
// ---------------------------------------------------------------------------

static EN: Pack = Pack {
    practice: "Riverside Medical Centre",
    doctors: &["Dr Patel", "Dr O'Brien", "Dr Hughes"],
    employees: &["Emma Wilson", "Priya Shah", "Tom Baker", "Gráinne Murphy"],
    meds: &[
        "amlodipine 5 mg",
        "sertraline 50 mg",
        "salbutamol inhalers",
        "levothyroxine 50 micrograms",
        "omeprazole 20 mg",
    ],
    insurers: &["Bupa", "AXA Health", "Vitality", "Aviva"],
    complaints: &[
        "back pain",
        "a sore throat and a cough",
        "bad headaches",
        "knee pain",
        "earache",
        "dizzy spells",
    ],
    notes: &[
        "Callback arranged for Thursday",
        "Prescription ready for collection",
        "Patient not reached, try again",
        "Invoice passed to practice manager",
        "Appointment confirmed in the diary",
        "Update insurance details at next visit",
        "Callback done",
    ],
    greetings: &[
        "Hello, you're through to {practice}, this is the digital receptionist. How can I help you today?",
        "Thank you for calling {practice}. I'm the virtual assistant – what can I do for you?",
        "{practice}, reception, hello. How can I help?",
    ],
    ident_named: &[
        (A, "Could I take your full name and date of birth, please?"),
        (U, "It's {full}, born {dob}."),
        (A, "Thank you{, hn}, I've found your record."),
    ],
    ident_anon: &[
        (A, "Could I take your name, please?"),
        (
            U,
            "I'd rather not give my name over the phone, if that's all right.",
        ),
        (A, "That's fine, I'll help as much as I can."),
    ],
    fillers: &[
        &[
            (U, "Sorry, could you say that again?"),
            (A, "Of course, I'll repeat that slowly."),
        ],
        &[
            (A, "Are you still there?"),
            (U, "Yes, sorry, I'm still here."),
        ],
        &[(U, "Hang on, let me grab a pen."), (U, "Right, go ahead.")],
        &[
            (A, "One moment while I check the system."),
            (A, "Thanks for bearing with me."),
        ],
        &[
            (U, "Sorry, the line's a bit bad, I'm on the bus."),
            (A, "No problem, I'll speak a little more clearly."),
        ],
        &[
            (U, "Is there parking at the surgery?"),
            (
                A,
                "Yes, there's a small car park behind the building, including two disabled bays.",
            ),
        ],
        &[
            (U, "Do I need to bring anything?"),
            (
                A,
                "Just a list of any medication you're taking, and your NHS number if you have it.",
            ),
        ],
        &[
            (U, "Is {doc} in this week?"),
            (A, "{doc} is in Monday to Thursday this week."),
        ],
        &[
            (A, "Would you like a text confirmation?"),
            (U, "Yes please, to this number."),
        ],
        &[
            (U, "Erm, hold on a second."),
            (
                U,
                "Sorry, my daughter was asking me something. Where were we?",
            ),
            (A, "No worries, we were just going through your request."),
        ],
        &[
            (U, "Is the building wheelchair accessible?"),
            (
                A,
                "Yes, there's step-free access and a lift to the first floor.",
            ),
        ],
        &[
            (U, "How long is the wait usually once I'm there?"),
            (
                A,
                "With an appointment, usually no more than fifteen minutes.",
            ),
        ],
        &[
            (A, "Have I understood that correctly?"),
            (U, "Yes, exactly."),
        ],
        &[
            (
                U,
                "By the way, I've moved house. Should I give you my new address?",
            ),
            (
                A,
                "Please update it through the online portal or at reception with proof of address.",
            ),
        ],
    ],
    end_user_hangup: &[
        (A, "Is there anything else I can help with?"),
        (U, "No, that's everything. Thanks, bye!"),
    ],
    end_user_abrupt: &[(U, "I'll try again later then. Bye.")],
    end_agent_hangup: &[
        (A, "Is there anything else I can help with?"),
        (U, "No, that's all, thanks."),
        (A, "Have a lovely day{, hn}. Goodbye!"),
    ],
    end_transfer: &[(A, "I'll put you through to {emp} now. Please hold.")],
    more_topics: &[
        "And while I've got you, one more thing.",
        "Oh, and something else.",
        "Sorry, there's another thing I wanted to ask.",
    ],
    anon_caller: "An anonymous caller",
    long_request: "Several requests",
    long_summary: "{caller} had several requests ({topics}).",
    long_summary2: "Very long call; all points were dealt with.",
    transfer_summary: "Call transferred to {emp}.",
    ansi_turn: "My patient number is \u{1b}[31m4711\u{1b}[0m, it's printed in red on my letter.",
    ansi_summary_prefix: "\u{1b}[31mURGENT\u{1b}[0m ",
    bidi_summary: "Reference given by caller: \u{202E}CBA-4321\u{202C}.",
    zwsp_turn: "My email is zoe\u{200B}.clarke@example.co.uk, all lower case.",
    scenarios: &[
        Scenario {
            topic: "appointment",
            requests: &[
                "Appointment request",
                "Book appointment with {doc}",
                "Routine check-up",
            ],
            openings: &[
                "Hi, I'd like to book an appointment with {doc}, please.",
                "Hello, I need to see a doctor, ideally this week.",
                "Hi there, I'm calling to book a check-up.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Of course. Can you tell me briefly what it's about, so I can find the right slot?",
                ),
                (
                    U,
                    "I've had {complaint} for a few days and it's not getting any better.",
                ),
                (
                    A,
                    "I'm sorry to hear that. Do you have a temperature or any other symptoms?",
                ),
                (U, "No temperature, it's just really uncomfortable."),
                (A, "Understood. Let me check {doc}'s availability."),
            ],
            ok: &[
                (A, "I have {date} at {time}. Would that suit you?"),
                (U, "Is there anything earlier?"),
                (
                    A,
                    "Not with {doc}, I'm afraid, but I also have {date2} at {time2}.",
                ),
                (U, "No, I'll take the first one, {date} at {time}."),
                (
                    A,
                    "Lovely, you're booked in with {doc} on {date} at {time}. Please arrive five minutes early.",
                ),
                (U, "Will do, thanks."),
            ],
            fail: &[
                (
                    A,
                    "I'm sorry, {doc} is fully booked for the next two weeks.",
                ),
                (U, "Oh no. It's really quite painful."),
                (
                    A,
                    "I can put you on the cancellation list and we'll call you if something comes up. If it gets worse, please call 111.",
                ),
                (U, "Okay, put me on the list then."),
            ],
            summary: &["{caller} asked for an appointment with {doc} ({complaint})."],
            summary_ok: &[
                "Appointment booked for {date} at {time}.",
                "Agent booked an appointment on {date} at {time}.",
            ],
            summary_fail: &["No slots available; added to the cancellation list."],
        },
        Scenario {
            topic: "cancellation",
            requests: &[
                "Cancel appointment",
                "Cancel appointment on {old_date}",
                "Reschedule appointment",
            ],
            openings: &[
                "Hi, I need to cancel my appointment on {old_date}, I'm afraid.",
                "Hello, I've got an appointment on {old_date} and I can't make it.",
            ],
            needs_id: true,
            core: &[
                (A, "One moment, let me find your appointment."),
                (
                    A,
                    "I can see an appointment on {old_date} at {time2} with {doc}. Is that the one?",
                ),
                (U, "Yes, that's it."),
                (A, "Would you like to cancel it or move it to another day?"),
            ],
            ok: &[
                (U, "If I could rebook straight away, that'd be great."),
                (A, "How about {date} at {time}?"),
                (U, "That works."),
                (
                    A,
                    "Done – I've cancelled the old appointment and booked you in for {date} at {time}.",
                ),
            ],
            fail: &[
                (
                    U,
                    "Just cancel it for now, I'll ring back when I know my shifts.",
                ),
                (
                    A,
                    "No problem, the appointment on {old_date} is cancelled. Please give us at least 24 hours' notice where you can.",
                ),
                (U, "Oh, okay. Fair enough."),
            ],
            summary: &["{caller} cancelled the appointment on {old_date}."],
            summary_ok: &["Rebooked for {date} at {time}."],
            summary_fail: &["No new appointment booked; caller will ring back."],
        },
        Scenario {
            topic: "prescription",
            requests: &[
                "Repeat prescription: {med}",
                "Prescription request",
                "Medication refill",
            ],
            openings: &[
                "Hi, I need a repeat prescription for {med}, please.",
                "Hello, I'm running low on {med} – can I order some more?",
            ],
            needs_id: true,
            core: &[
                (A, "Of course. Is that on your repeat list?"),
                (U, "Yes, I've been on it for about three years."),
                (A, "And which pharmacy would you like it sent to?"),
                (U, "The one on the high street, please."),
            ],
            ok: &[
                (
                    A,
                    "I've passed the request to {doc}. It should be ready at the pharmacy from {date}.",
                ),
                (U, "Brilliant, thank you."),
                (A, "You'll get a text once it's been sent."),
            ],
            fail: &[
                (
                    A,
                    "I can see your medication review is overdue, so {doc} will need to see you before issuing more.",
                ),
                (U, "But I've only got three days' worth left."),
                (
                    A,
                    "I understand. I'll mark it as urgent and someone from the surgery will call you back today.",
                ),
            ],
            summary: &["{caller} requested a repeat prescription for {med}."],
            summary_ok: &["Request passed to {doc}; ready at the pharmacy from {date}."],
            summary_fail: &["Medication review overdue; urgent callback requested."],
        },
        Scenario {
            topic: "invoice",
            requests: &[
                "Question about invoice #{inv}",
                "Invoice #{inv} – amount unclear",
                "Billing query",
            ],
            openings: &[
                "Hello, I've got a question about an invoice, number {inv}.",
                "Hi, I received a bill for {amount} and I'm not sure what it's for.",
            ],
            needs_id: true,
            core: &[
                (A, "Of course. Which invoice is it exactly?"),
                (U, "The number is {inv}, for {amount}."),
                (A, "Just a moment, I'll bring it up."),
                (
                    A,
                    "That invoice is for the travel vaccinations last month, which aren't covered by the NHS.",
                ),
                (U, "Nobody mentioned there'd be a charge."),
            ],
            ok: &[
                (
                    A,
                    "Our records show you signed the private fee form at the time. I can email you a copy.",
                ),
                (U, "Oh, right, I do remember now. That's fine then."),
                (
                    A,
                    "Great. Payment is due within fourteen days, and you can pay online or at reception.",
                ),
            ],
            fail: &[
                (
                    A,
                    "I'm not able to resolve that myself, so I'll pass it to our practice manager.",
                ),
                (U, "And I don't have to pay until then?"),
                (
                    A,
                    "That's right, the invoice is on hold until the practice manager has been in touch.",
                ),
            ],
            summary: &["{caller} had a question about invoice #{inv} for {amount}."],
            summary_ok: &[
                "Agent was able to answer the question.",
                "Invoice explained; copy of the signed form to be emailed.",
            ],
            summary_fail: &["Passed to the practice manager; invoice put on hold."],
        },
        Scenario {
            topic: "opening hours",
            requests: &["Opening hours", "Question about surgery hours"],
            openings: &[
                "Hi, what time are you open until today?",
                "Hello, I just wanted to check your opening hours.",
            ],
            needs_id: false,
            core: &[
                (
                    A,
                    "We're open Monday to Friday, eight in the morning until half past six in the evening.",
                ),
                (U, "And on Saturdays?"),
                (
                    A,
                    "We run an extended-hours clinic on Saturday mornings from nine till twelve, by appointment only.",
                ),
            ],
            ok: &[
                (U, "Perfect, I'll pop in tomorrow morning then."),
                (
                    A,
                    "Sounds good. Our walk-in blood clinic runs from eight till ten.",
                ),
            ],
            fail: &[
                (U, "That's no good, I work until seven."),
                (
                    A,
                    "You could book one of our Saturday appointments. Shall I check for you?",
                ),
                (U, "No, I'll think about it."),
            ],
            summary: &["{caller} asked about the surgery's opening hours."],
            summary_ok: &["Opening hours and walk-in clinic times given."],
            summary_fail: &["Hours do not suit the caller; no appointment made."],
        },
        Scenario {
            topic: "insurance",
            requests: &[
                "Private referral – {ins}",
                "Insurance question",
                "Insurance form for {ins}",
            ],
            openings: &[
                "Hi, I've got private cover with {ins} and I need a referral letter.",
                "Hello, my insurer {ins} needs a form filled in by the doctor.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Thanks for letting me know. Do you have a claim or policy number from {ins}?",
                ),
                (U, "Yes, it's on the letter they sent me."),
                (
                    A,
                    "Please send the letter through the online portal so the doctor can see it.",
                ),
                (U, "And is there a charge for that?"),
            ],
            ok: &[
                (
                    A,
                    "Yes, private letters are charged at {amount}, and {doc} will complete it within ten working days.",
                ),
                (U, "That's fine, thanks."),
            ],
            fail: &[
                (
                    A,
                    "It depends on the type of form, so I can't give you a price yet. The secretaries will let you know once they've seen it.",
                ),
                (U, "Hmm, okay. I was hoping to sort it out today."),
            ],
            summary: &["{caller} asked about a referral letter for {ins}."],
            summary_ok: &["Fee of {amount} explained; {doc} to complete within ten working days."],
            summary_fail: &["Fee unclear until the form has been reviewed."],
        },
        Scenario {
            topic: "test results",
            requests: &["Test results", "Blood test results", "Results enquiry"],
            openings: &[
                "Hi, I'm ringing to see if my blood test results are back.",
                "Hello, I had a blood test last week and I'm waiting for the results.",
            ],
            needs_id: true,
            core: &[
                (A, "Let me check. Was the blood test on {past_date}?"),
                (U, "Yes, that's right."),
                (
                    A,
                    "The results are back. For data protection reasons I can't go through the details over the phone.",
                ),
                (U, "I understand. Is there anything to worry about?"),
            ],
            ok: &[
                (
                    A,
                    "{doc} has reviewed them and marked them as normal, no further action needed.",
                ),
                (U, "Oh, that's a relief. Thank you!"),
            ],
            fail: &[
                (
                    A,
                    "{doc} would like to discuss them with you in person. I can offer you {date} at {time}.",
                ),
                (U, "Oh dear, now I'm worried. Okay, I'll take it."),
                (
                    A,
                    "Please try not to worry, this is quite routine. You're booked in.",
                ),
            ],
            summary: &["{caller} asked for the results of the blood test on {past_date}."],
            summary_ok: &["Results normal, no further action."],
            summary_fail: &["Review appointment booked for {date} at {time}."],
        },
        Scenario {
            topic: "callback",
            requests: &[
                "Callback request",
                "Wants to speak to staff",
                "Referral to specialist",
            ],
            openings: &[
                "Hi, I need a referral to a physio and I'd like to speak to someone at the surgery.",
                "Hello, can I speak to a real person, please?",
            ],
            needs_id: false,
            core: &[
                (
                    A,
                    "I'm the surgery's digital assistant. I may be able to help – what is it regarding?",
                ),
                (U, "It's about a referral, it's a bit complicated."),
                (
                    A,
                    "Understood, that's something the team will need to handle.",
                ),
            ],
            ok: &[(A, "Let me see who's available.")],
            fail: &[
                (
                    A,
                    "Unfortunately no one from the team is free right now. I'll log a callback request.",
                ),
                (U, "Okay, but today please."),
                (A, "I've noted that you'd like a call back today."),
            ],
            summary: &["{caller} wanted to speak to the team about a referral."],
            summary_ok: &["Call transferred to {emp}."],
            summary_fail: &["Nobody available; callback requested for today."],
        },
    ],
};

// ---------------------------------------------------------------------------
// French
// ---------------------------------------------------------------------------

static FR: Pack = Pack {
    practice: "Cabinet médical du Dr Moreau",
    doctors: &["Dr Moreau", "Dr Benali", "Dr Lefèvre"],
    employees: &[
        "Camille Durand",
        "Élodie Martin",
        "Julien Roux",
        "Inès Haddad",
    ],
    meds: &[
        "Doliprane 1000 mg",
        "Lévothyrox 75 µg",
        "Kardégic 75 mg",
        "Ventoline",
        "Metformine 850 mg",
    ],
    insurers: &[
        "MGEN",
        "Harmonie Mutuelle",
        "Malakoff Humanis",
        "AG2R La Mondiale",
    ],
    complaints: &[
        "mal au dos",
        "mal à la gorge et de la toux",
        "des maux de tête",
        "mal au genou",
        "mal aux oreilles",
        "des vertiges",
    ],
    notes: &[
        "Rappel prévu jeudi",
        "Ordonnance prête à l'accueil",
        "Patient injoignable, rappeler",
        "Facture transmise au secrétariat",
        "Rendez-vous confirmé dans l'agenda",
        "Mettre à jour la mutuelle à la prochaine visite",
        "Rappel effectué",
    ],
    greetings: &[
        "{practice}, bonjour ! Vous êtes en ligne avec l'assistant virtuel. Que puis-je faire pour vous ?",
        "Bonjour, vous êtes bien au {practice}, je suis l'accueil automatique. Comment puis-je vous aider ?",
        "{practice}, bonjour. Je vous écoute.",
    ],
    ident_named: &[
        (
            A,
            "Puis-je avoir votre nom et votre date de naissance, s'il vous plaît ?",
        ),
        (U, "{full}, {ne} le {dob}."),
        (A, "Merci{, hn}, j'ai bien trouvé votre dossier."),
    ],
    ident_anon: &[
        (A, "Puis-je avoir votre nom, s'il vous plaît ?"),
        (U, "Je préfère ne pas donner mon nom au téléphone."),
        (
            A,
            "Aucun problème, je vais quand même essayer de vous aider.",
        ),
    ],
    fillers: &[
        &[
            (U, "Pardon, vous pouvez répéter, s'il vous plaît ?"),
            (A, "Bien sûr, je répète plus lentement."),
        ],
        &[
            (A, "Vous êtes toujours là ?"),
            (U, "Oui, oui, je suis là. Excusez-moi."),
        ],
        &[
            (U, "Attendez, je prends de quoi noter."),
            (U, "Voilà, je vous écoute."),
        ],
        &[
            (A, "Un instant, je vérifie dans le système."),
            (A, "Merci de votre patience."),
        ],
        &[
            (U, "Excusez-moi, ça capte mal, je suis dans le train."),
            (A, "Pas de souci, je parle un peu plus fort."),
        ],
        &[
            (U, "Il y a un parking près du cabinet ?"),
            (
                A,
                "Oui, il y a un parking public juste en face, gratuit la première heure.",
            ),
        ],
        &[
            (U, "Je dois apporter quelque chose ?"),
            (
                A,
                "Votre carte Vitale, votre attestation de mutuelle et vos derniers examens si vous en avez.",
            ),
        ],
        &[
            (U, "Le {doc} est là cette semaine ?"),
            (A, "Le {doc} consulte du lundi au jeudi cette semaine."),
        ],
        &[
            (A, "Voulez-vous une confirmation par SMS ?"),
            (U, "Oui, volontiers, sur ce numéro."),
        ],
        &[
            (U, "Euh, attendez une seconde."),
            (
                U,
                "Pardon, ma fille me demandait quelque chose. On en était où ?",
            ),
            (A, "Pas de problème, nous parlions de votre demande."),
        ],
        &[
            (U, "Le cabinet est accessible en fauteuil roulant ?"),
            (A, "Oui, l'entrée est de plain-pied et il y a un ascenseur."),
        ],
        &[
            (U, "Il faut attendre longtemps en général ?"),
            (A, "Avec rendez-vous, rarement plus d'un quart d'heure."),
        ],
        &[
            (A, "Ai-je bien compris ?"),
            (U, "Oui, c'est exactement ça."),
        ],
        &[
            (
                U,
                "Au fait, j'ai déménagé. Je vous donne ma nouvelle adresse ?",
            ),
            (
                A,
                "Volontiers, mais le plus simple est de la mettre à jour à l'accueil lors de votre prochaine visite.",
            ),
        ],
    ],
    end_user_hangup: &[
        (A, "Puis-je faire autre chose pour vous ?"),
        (U, "Non, c'est tout. Merci, au revoir !"),
    ],
    end_user_abrupt: &[(U, "Bon, je rappellerai plus tard. Au revoir.")],
    end_agent_hangup: &[
        (A, "Puis-je faire autre chose pour vous ?"),
        (U, "Non, merci, c'est tout."),
        (A, "Je vous souhaite une bonne journée{, hn}. Au revoir !"),
    ],
    end_transfer: &[(A, "Je vous mets en relation avec {emp}. Ne quittez pas.")],
    more_topics: &[
        "Et pendant que je vous ai, j'ai une autre question.",
        "Ah, et autre chose.",
        "Excusez-moi, il y a encore un point.",
    ],
    anon_caller: "Un appelant anonyme",
    long_request: "Plusieurs demandes",
    long_summary: "{caller} avait plusieurs demandes ({topics}).",
    long_summary2: "Appel très long ; tous les points ont été traités.",
    transfer_summary: "Appel transféré à {emp}.",
    ansi_turn: "Mon numéro de patient est \u{1b}[31m4711\u{1b}[0m, il est écrit en rouge sur le courrier.",
    ansi_summary_prefix: "\u{1b}[31mURGENT\u{1b}[0m ",
    bidi_summary: "Référence donnée par l'appelant : \u{202E}CBA-4321\u{202C}.",
    zwsp_turn: "Mon e-mail, c'est renee\u{200B}.lefevre@example.fr, tout en minuscules.",
    scenarios: &[
        Scenario {
            topic: "rendez-vous",
            requests: &[
                "Prise de rendez-vous",
                "Rendez-vous avec le {doc}",
                "Consultation de contrôle",
            ],
            openings: &[
                "Bonjour, je voudrais prendre rendez-vous avec le {doc}.",
                "Bonjour, j'aurais besoin d'un rendez-vous assez rapidement.",
                "Oui bonjour, c'est pour un rendez-vous de contrôle.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Bien sûr. C'est à quel sujet, pour que je choisisse le bon créneau ?",
                ),
                (
                    U,
                    "J'ai {complaint} depuis quelques jours et ça ne passe pas.",
                ),
                (
                    A,
                    "Je suis désolé de l'entendre. Avez-vous de la fièvre ou d'autres symptômes ?",
                ),
                (U, "Non, pas de fièvre, mais c'est vraiment gênant."),
                (A, "Très bien. Je regarde les disponibilités du {doc}."),
            ],
            ok: &[
                (
                    A,
                    "J'ai un créneau {date} à {time}. Est-ce que cela vous convient ?",
                ),
                (U, "Il n'y a rien de plus tôt ?"),
                (A, "Pas avec le {doc}, mais j'ai aussi {date2} à {time2}."),
                (U, "Non, je vais prendre le premier, {date} à {time}."),
                (
                    A,
                    "Parfait, c'est noté : {date} à {time} avec le {doc}. Pensez à apporter votre carte Vitale.",
                ),
                (U, "D'accord, merci beaucoup."),
            ],
            fail: &[
                (
                    A,
                    "Je suis désolé, le {doc} est complet pour les deux prochaines semaines.",
                ),
                (U, "Ah zut. J'ai vraiment mal."),
                (
                    A,
                    "Je peux vous inscrire sur la liste d'attente et nous vous rappellerons en cas de désistement. En cas d'urgence, appelez le 15.",
                ),
                (U, "Bon, d'accord, inscrivez-moi."),
            ],
            summary: &["{caller} a demandé un rendez-vous avec le {doc} ({complaint})."],
            summary_ok: &[
                "Rendez-vous fixé {date} à {time}.",
                "L'agent a fixé un rendez-vous {date} à {time}.",
            ],
            summary_fail: &["Aucun créneau disponible ; inscription sur la liste d'attente."],
        },
        Scenario {
            topic: "annulation",
            requests: &[
                "Annulation de rendez-vous",
                "Annulation du rendez-vous du {old_date}",
                "Report de rendez-vous",
            ],
            openings: &[
                "Bonjour, je dois malheureusement annuler mon rendez-vous du {old_date}.",
                "Bonjour, j'ai un rendez-vous {old_date} et je ne pourrai pas venir.",
            ],
            needs_id: true,
            core: &[
                (A, "Un instant, je recherche votre rendez-vous."),
                (
                    A,
                    "Je vois un rendez-vous {old_date} à {time2} avec le {doc}. C'est bien celui-là ?",
                ),
                (U, "Oui, c'est ça."),
                (A, "Souhaitez-vous simplement l'annuler ou le déplacer ?"),
            ],
            ok: &[
                (U, "Si possible, j'aimerais en reprendre un tout de suite."),
                (A, "Que diriez-vous de {date} à {time} ?"),
                (U, "Ça me va très bien."),
                (
                    A,
                    "C'est fait : l'ancien rendez-vous est annulé et le nouveau est noté pour {date} à {time}.",
                ),
            ],
            fail: &[
                (
                    U,
                    "Annulez-le simplement, je rappellerai quand je connaîtrai mon planning.",
                ),
                (
                    A,
                    "Entendu, le rendez-vous du {old_date} est annulé. Merci de prévenir au moins 24 heures à l'avance la prochaine fois.",
                ),
                (U, "Oui, désolé, c'était imprévu."),
            ],
            summary: &["{caller} a annulé le rendez-vous du {old_date}."],
            summary_ok: &["Nouveau rendez-vous fixé {date} à {time}."],
            summary_fail: &["Pas de nouveau rendez-vous ; l'appelant rappellera."],
        },
        Scenario {
            topic: "ordonnance",
            requests: &[
                "Renouvellement d'ordonnance : {med}",
                "Demande d'ordonnance",
                "Renouvellement de traitement",
            ],
            openings: &[
                "Bonjour, j'aurais besoin d'un renouvellement d'ordonnance pour {med}.",
                "Bonjour, je n'ai bientôt plus de {med}, est-ce que je peux avoir une nouvelle ordonnance ?",
            ],
            needs_id: true,
            core: &[
                (A, "Bien sûr. Vous prenez ce traitement depuis longtemps ?"),
                (U, "Oui, depuis environ trois ans."),
                (A, "Pour combien de temps vous faut-il l'ordonnance ?"),
                (U, "Pour trois mois, s'il vous plaît."),
            ],
            ok: &[
                (
                    A,
                    "J'ai transmis la demande au {doc}. Je peux envoyer l'ordonnance directement à votre pharmacie, si vous le souhaitez.",
                ),
                (U, "À la pharmacie, ce serait parfait."),
                (A, "C'est noté, elle sera envoyée à votre pharmacie {date}."),
            ],
            fail: &[
                (
                    A,
                    "D'après votre dossier, votre dernier bilan date de plus d'un an. Le {doc} doit vous revoir avant de renouveler.",
                ),
                (U, "Mais il ne me reste que trois jours de traitement."),
                (
                    A,
                    "Je comprends. Je le note comme urgent, le cabinet vous rappellera aujourd'hui.",
                ),
            ],
            summary: &["{caller} a demandé le renouvellement de l'ordonnance pour {med}."],
            summary_ok: &["Demande transmise au {doc} ; ordonnance envoyée à la pharmacie {date}."],
            summary_fail: &["Consultation nécessaire avant renouvellement ; rappel urgent noté."],
        },
        Scenario {
            topic: "facture",
            requests: &[
                "Question sur la facture n° {inv}",
                "Facture n° {inv} – montant incompris",
                "Question de facturation",
            ],
            openings: &[
                "Bonjour, j'ai une question sur ma facture numéro {inv}.",
                "Bonjour, j'ai reçu une facture de {amount} et je ne comprends pas à quoi elle correspond.",
            ],
            needs_id: true,
            core: &[
                (A, "Bien sûr. De quelle facture s'agit-il exactement ?"),
                (U, "C'est la facture {inv}, de {amount}."),
                (A, "Un instant, je l'affiche."),
                (
                    A,
                    "Cette facture correspond à un dépassement d'honoraires lors de votre dernière consultation.",
                ),
                (U, "Personne ne m'en a parlé pourtant."),
            ],
            ok: &[
                (
                    A,
                    "Le dépassement est normalement pris en charge par votre mutuelle. Je peux vous envoyer une feuille de soins pour le remboursement.",
                ),
                (U, "Ah, d'accord, dans ce cas c'est parfait."),
                (A, "Je vous l'envoie par courrier aujourd'hui."),
            ],
            fail: &[
                (
                    A,
                    "Je ne peux pas régler cela moi-même, je transmets votre demande au secrétariat.",
                ),
                (U, "Et en attendant, je dois payer ?"),
                (
                    A,
                    "Non, la facture est suspendue jusqu'à ce que le secrétariat vous recontacte.",
                ),
            ],
            summary: &["{caller} avait une question sur la facture n° {inv} de {amount}."],
            summary_ok: &[
                "L'agent a pu répondre à la question.",
                "Facture expliquée ; feuille de soins envoyée par courrier.",
            ],
            summary_fail: &["Demande transmise au secrétariat ; facture suspendue."],
        },
        Scenario {
            topic: "horaires",
            requests: &["Horaires d'ouverture", "Question sur les horaires"],
            openings: &[
                "Bonjour, vous êtes ouverts jusqu'à quelle heure aujourd'hui ?",
                "Bonjour, je voulais juste connaître vos horaires d'ouverture.",
            ],
            needs_id: false,
            core: &[
                (
                    A,
                    "Le cabinet est ouvert du lundi au vendredi de 8h30 à 12h et de 14h à 19h.",
                ),
                (U, "Et le samedi ?"),
                (
                    A,
                    "Le samedi matin, de 9h à 12h, uniquement sur rendez-vous.",
                ),
            ],
            ok: &[
                (U, "Très bien, je passerai demain matin alors."),
                (
                    A,
                    "Parfait. Il y a aussi une consultation sans rendez-vous de 8h30 à 10h.",
                ),
            ],
            fail: &[
                (U, "Ce n'est pas pratique, je travaille jusqu'à 19h."),
                (
                    A,
                    "Vous pourriez prendre un rendez-vous le samedi matin. Voulez-vous que je regarde ?",
                ),
                (U, "Non, je vais réfléchir."),
            ],
            summary: &["{caller} a demandé les horaires d'ouverture du cabinet."],
            summary_ok: &["Horaires et créneaux sans rendez-vous communiqués."],
            summary_fail: &["Horaires incompatibles ; aucun rendez-vous pris."],
        },
        Scenario {
            topic: "mutuelle",
            requests: &[
                "Question mutuelle",
                "Changement de mutuelle : {ins}",
                "Tiers payant",
            ],
            openings: &[
                "Bonjour, j'ai changé de mutuelle, je suis maintenant chez {ins}.",
                "Bonjour, je viens de passer chez {ins} et j'ai une question sur le tiers payant.",
            ],
            needs_id: true,
            core: &[
                (
                    A,
                    "Merci de nous prévenir. Avez-vous reçu votre nouvelle attestation ?",
                ),
                (U, "Oui, je l'ai reçue la semaine dernière."),
                (
                    A,
                    "Apportez-la lors de votre prochaine visite avec votre carte Vitale, nous mettrons votre dossier à jour.",
                ),
                (U, "Et le tiers payant fonctionne avec {ins} ?"),
            ],
            ok: &[
                (
                    A,
                    "Oui, le cabinet pratique le tiers payant avec {ins}, vous n'aurez rien à avancer.",
                ),
                (U, "Super, merci."),
            ],
            fail: &[
                (
                    A,
                    "Cela dépend de votre contrat, je ne peux pas vous le confirmer. Je vous conseille de contacter directement {ins}.",
                ),
                (U, "Bon, d'accord. J'espérais régler ça plus vite."),
            ],
            summary: &[
                "{caller} a signalé un changement de mutuelle ({ins}) et demandé si le tiers payant s'applique.",
            ],
            summary_ok: &[
                "Tiers payant confirmé ; dossier à mettre à jour lors de la prochaine visite.",
            ],
            summary_fail: &["Prise en charge incertaine ; contacter la mutuelle."],
        },
        Scenario {
            topic: "résultats",
            requests: &[
                "Résultats d'analyses",
                "Résultats de prise de sang",
                "Demande de résultats",
            ],
            openings: &[
                "Bonjour, je voulais savoir si mes résultats de prise de sang sont arrivés.",
                "Bonjour, j'ai fait une prise de sang la semaine dernière et j'attends les résultats.",
            ],
            needs_id: true,
            core: &[
                (A, "Je regarde. La prise de sang date bien du {past_date} ?"),
                (U, "Oui, c'est ça."),
                (
                    A,
                    "Les résultats sont arrivés. Pour des raisons de confidentialité, je ne peux pas vous les détailler au téléphone.",
                ),
                (U, "Je comprends. Il y a quelque chose d'inquiétant ?"),
            ],
            ok: &[
                (
                    A,
                    "Le {doc} les a déjà consultés et n'a rien noté d'anormal. Pas besoin de consultation.",
                ),
                (U, "Ouf, ça me rassure. Merci !"),
            ],
            fail: &[
                (
                    A,
                    "Le {doc} souhaite en discuter avec vous de vive voix. Je peux vous proposer {date} à {time}.",
                ),
                (U, "Oh là là, ça m'inquiète. Bon, je prends ce rendez-vous."),
                (
                    A,
                    "Ne vous inquiétez pas, c'est une démarche habituelle. C'est noté.",
                ),
            ],
            summary: &["{caller} a demandé les résultats de la prise de sang du {past_date}."],
            summary_ok: &["Résultats normaux, pas de suite à donner."],
            summary_fail: &["Rendez-vous de discussion fixé {date} à {time}."],
        },
        Scenario {
            topic: "rappel",
            requests: &[
                "Demande de rappel",
                "Souhaite parler au secrétariat",
                "Lettre pour un spécialiste",
            ],
            openings: &[
                "Bonjour, j'ai besoin d'une lettre pour un kiné et je voudrais parler à quelqu'un du cabinet.",
                "Bonjour, est-ce que je peux parler à une vraie personne, s'il vous plaît ?",
            ],
            needs_id: false,
            core: &[
                (
                    A,
                    "Je suis l'assistant virtuel du cabinet. Je peux peut-être vous aider : de quoi s'agit-il ?",
                ),
                (
                    U,
                    "C'est pour une lettre d'orientation, c'est un peu compliqué.",
                ),
                (A, "Je comprends, c'est le secrétariat qui s'en occupe."),
            ],
            ok: &[(A, "Je regarde qui est disponible.")],
            fail: &[
                (
                    A,
                    "Malheureusement, personne n'est disponible pour le moment. Je note une demande de rappel.",
                ),
                (U, "D'accord, mais aujourd'hui si possible."),
                (A, "C'est noté, le cabinet vous rappellera aujourd'hui."),
            ],
            summary: &[
                "{caller} souhaitait parler au secrétariat au sujet d'une lettre d'orientation.",
            ],
            summary_ok: &["Appel transféré à {emp}."],
            summary_fail: &["Personne de disponible ; rappel demandé pour aujourd'hui."],
        },
    ],
};
