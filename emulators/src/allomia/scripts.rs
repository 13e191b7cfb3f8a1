//! Clinic conversations for the AlloMia emulator, in English and in French as spoken in Québec.
//!
//! Each scenario is one caller intent (`userPrimaryIntent`) with a few outcomes (`callOutcome`);
//! each outcome has the turns and the summary in both languages. Placeholders in braces are
//! filled per call: `{clinic}`, `{caller}` (full name or "the caller"), `{first}`, `{doc}`,
//! `{date}`, `{time}`, `{date2}`, `{time2}`, `{med}`, `{pharmacy}`, `{amount}`, `{inv}`,
//! `{card}`, `{dob}`, `{ne}` (né/née).

/// Who speaks a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum W {
    /// The AI assistant (`Agent:` in the transcript).
    A,
    /// The caller (`User:`).
    U,
}

impl W {
    pub fn prefix(self) -> &'static str {
        match self {
            W::A => "Agent",
            W::U => "User",
        }
    }
}

pub type Line = (W, &'static str);

/// One outcome's conversation in one language.
pub struct Text {
    pub turns: &'static [Line],
    pub summary: &'static str,
}

pub struct Outcome {
    /// `callOutcome`.
    pub name: &'static str,
    pub weight: u32,
    /// `callEndedReason`.
    pub ended: &'static str,
    /// Relative weights of positive, neutral, negative sentiment.
    pub sentiment: [u32; 3],
    /// Duration range in seconds.
    pub secs: (u32, u32),
    pub en: Text,
    pub fr: Text,
}

pub struct Scenario {
    /// `userPrimaryIntent`.
    pub intent: &'static str,
    /// The caller starts (inbound/web) or the assistant calls out (outbound reminders).
    pub outbound: bool,
    pub outcomes: &'static [Outcome],
}

/// The greeting of inbound and web calls.
pub const GREETING_EN: &str =
    "Thank you for calling {clinic}. This is the virtual assistant. How can I help you today?";
pub const GREETING_FR: &str = "Bonjour, vous êtes bien à {clinic}. Je suis l'assistante virtuelle. Comment puis-je vous aider aujourd'hui?";

pub const ANON_EN: &str = "The caller";
pub const ANON_FR: &str = "L'appelant";

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        intent: "appointment_confirmation",
        outbound: true,
        outcomes: &[
            Outcome {
                name: "appointment_confirmed",
                weight: 60,
                ended: "assistant-ended-call",
                sentiment: [55, 42, 3],
                secs: (45, 110),
                en: Text {
                    turns: &[
                        (
                            W::A,
                            "Hello, this is the virtual assistant from {clinic}. Am I speaking with {caller}?",
                        ),
                        (W::U, "Yes, speaking."),
                        (
                            W::A,
                            "I'm calling to confirm your appointment with {doc} on {date} at {time}. Will you be able to make it?",
                        ),
                        (W::U, "Yes, I'll be there."),
                        (
                            W::A,
                            "Perfect. Please bring your {card} and arrive ten minutes early. Is there anything else I can help you with?",
                        ),
                        (W::U, "No, that's all. Thank you."),
                        (W::A, "You're welcome. See you on {date}. Goodbye!"),
                    ],
                    summary: "Outbound reminder: {caller} confirmed the appointment with {doc} on {date} at {time}. Reminded to bring the {card}.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::A,
                            "Bonjour, ici l'assistante virtuelle de {clinic}. Est-ce que je parle bien à {caller}?",
                        ),
                        (W::U, "Oui, c'est moi."),
                        (
                            W::A,
                            "Je vous appelle pour confirmer votre rendez-vous avec {doc} le {date} à {time}. Est-ce que ça vous convient toujours?",
                        ),
                        (W::U, "Oui, oui, je vais être là."),
                        (
                            W::A,
                            "Parfait. N'oubliez pas votre {card} et présentez-vous dix minutes d'avance. Est-ce que je peux faire autre chose pour vous?",
                        ),
                        (W::U, "Non, c'est beau. Merci!"),
                        (W::A, "Avec plaisir. À {date}, bonne journée!"),
                    ],
                    summary: "Rappel sortant : {caller} a confirmé son rendez-vous avec {doc} le {date} à {time}. Rappel d'apporter la {card}.",
                },
            },
            Outcome {
                name: "appointment_rescheduled",
                weight: 15,
                ended: "assistant-ended-call",
                sentiment: [40, 50, 10],
                secs: (70, 160),
                en: Text {
                    turns: &[
                        (
                            W::A,
                            "Hello, this is the virtual assistant from {clinic}. Am I speaking with {caller}?",
                        ),
                        (W::U, "Yes, who's calling?"),
                        (
                            W::A,
                            "I'm calling to confirm your appointment with {doc} on {date} at {time}.",
                        ),
                        (
                            W::U,
                            "Oh, actually I can't make it that day. I have to work.",
                        ),
                        (
                            W::A,
                            "No problem. I have {date2} at {time2} available with {doc}. Would that work for you?",
                        ),
                        (W::U, "Yes, that's better."),
                        (
                            W::A,
                            "Done. Your appointment is now on {date2} at {time2}. You'll receive a text message confirmation.",
                        ),
                        (W::U, "Great, thanks."),
                    ],
                    summary: "Outbound reminder: {caller} could not attend on {date}; the appointment with {doc} was moved to {date2} at {time2}.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::A,
                            "Bonjour, ici l'assistante virtuelle de {clinic}. Est-ce que je parle bien à {caller}?",
                        ),
                        (W::U, "Oui, qui parle?"),
                        (
                            W::A,
                            "Je vous appelle pour confirmer votre rendez-vous avec {doc} le {date} à {time}.",
                        ),
                        (
                            W::U,
                            "Ah, finalement je ne pourrai pas ce jour-là, je travaille.",
                        ),
                        (
                            W::A,
                            "Pas de problème. J'ai une disponibilité le {date2} à {time2} avec {doc}. Est-ce que ça vous irait?",
                        ),
                        (W::U, "Oui, c'est mieux."),
                        (
                            W::A,
                            "C'est fait. Votre rendez-vous est maintenant le {date2} à {time2}. Vous allez recevoir une confirmation par texto.",
                        ),
                        (W::U, "Parfait, merci."),
                    ],
                    summary: "Rappel sortant : {caller} ne pouvait pas se présenter le {date}; le rendez-vous avec {doc} a été déplacé au {date2} à {time2}.",
                },
            },
            Outcome {
                name: "voicemail_left",
                weight: 25,
                ended: "voicemail",
                sentiment: [0, 100, 0],
                secs: (20, 45),
                en: Text {
                    turns: &[(
                        W::A,
                        "Hello, this is the virtual assistant from {clinic} calling for {caller}. This is a reminder of your appointment with {doc} on {date} at {time}. If you need to change it, please call us back. Thank you and have a good day.",
                    )],
                    summary: "Outbound reminder reached voicemail; a message about the appointment with {doc} on {date} at {time} was left.",
                },
                fr: Text {
                    turns: &[(
                        W::A,
                        "Bonjour, ici l'assistante virtuelle de {clinic}, j'appelle pour {caller}. Ceci est un rappel de votre rendez-vous avec {doc} le {date} à {time}. Si vous devez le modifier, veuillez nous rappeler. Merci et bonne journée.",
                    )],
                    summary: "Le rappel sortant a abouti à la boîte vocale; un message concernant le rendez-vous avec {doc} le {date} à {time} a été laissé.",
                },
            },
        ],
    },
    Scenario {
        intent: "reschedule_appointment",
        outbound: false,
        outcomes: &[
            Outcome {
                name: "appointment_rescheduled",
                weight: 80,
                ended: "customer-ended-call",
                sentiment: [45, 45, 10],
                secs: (80, 210),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Hi, I need to move my appointment. It's on {date} at {time}.",
                        ),
                        (
                            W::A,
                            "Of course. Can I have your full name and date of birth, please?",
                        ),
                        (W::U, "{caller}, born {dob}."),
                        (
                            W::A,
                            "Thank you. I see your appointment with {doc} on {date} at {time}. When would you prefer?",
                        ),
                        (
                            W::U,
                            "Anything later that week, preferably in the afternoon.",
                        ),
                        (W::A, "I have {date2} at {time2}. Would that work?"),
                        (W::U, "Yes, perfect."),
                        (
                            W::A,
                            "Your appointment has been moved to {date2} at {time2} with {doc}. Anything else?",
                        ),
                        (W::U, "No, that's it. Thanks a lot."),
                    ],
                    summary: "{caller} moved the appointment with {doc} from {date} at {time} to {date2} at {time2}.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Oui bonjour, je voudrais déplacer mon rendez-vous. C'est le {date} à {time}.",
                        ),
                        (
                            W::A,
                            "Bien sûr. Pouvez-vous me donner votre nom complet et votre date de naissance?",
                        ),
                        (W::U, "{caller}, {ne} le {dob}."),
                        (
                            W::A,
                            "Merci. Je vois votre rendez-vous avec {doc} le {date} à {time}. Quand préféreriez-vous?",
                        ),
                        (
                            W::U,
                            "Plus tard dans la semaine, en après-midi si possible.",
                        ),
                        (
                            W::A,
                            "J'ai le {date2} à {time2}. Est-ce que ça vous convient?",
                        ),
                        (W::U, "Oui, parfait."),
                        (
                            W::A,
                            "Votre rendez-vous est déplacé au {date2} à {time2} avec {doc}. Autre chose?",
                        ),
                        (W::U, "Non, c'est tout. Merci beaucoup."),
                    ],
                    summary: "{caller} a déplacé son rendez-vous avec {doc} du {date} à {time} au {date2} à {time2}.",
                },
            },
            Outcome {
                name: "transferred_to_human",
                weight: 20,
                ended: "assistant-forwarded-call",
                sentiment: [15, 50, 35],
                secs: (90, 260),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Hi, I need to change my appointment, but it's a bit complicated, it's for my two kids.",
                        ),
                        (
                            W::A,
                            "I can help with one appointment at a time. Can I have the name of the first patient?",
                        ),
                        (
                            W::U,
                            "Honestly I'd rather talk to someone at the front desk.",
                        ),
                        (
                            W::A,
                            "Of course. I'm transferring you to the front desk now, please hold.",
                        ),
                    ],
                    summary: "{caller} wanted to move two family members' appointments and asked for a person; transferred to the front desk.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Bonjour, je dois changer un rendez-vous, mais c'est compliqué, c'est pour mes deux enfants.",
                        ),
                        (
                            W::A,
                            "Je peux vous aider pour un rendez-vous à la fois. Quel est le nom du premier patient?",
                        ),
                        (
                            W::U,
                            "Honnêtement, j'aimerais mieux parler à quelqu'un à l'accueil.",
                        ),
                        (
                            W::A,
                            "Bien sûr. Je vous transfère à l'accueil, veuillez patienter.",
                        ),
                    ],
                    summary: "{caller} voulait déplacer les rendez-vous de deux membres de sa famille et a demandé à parler à quelqu'un; transfert à l'accueil.",
                },
            },
        ],
    },
    Scenario {
        intent: "prescription_renewal",
        outbound: false,
        outcomes: &[
            Outcome {
                name: "prescription_request_sent",
                weight: 75,
                ended: "customer-ended-call",
                sentiment: [50, 45, 5],
                secs: (60, 180),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Hello, I'm calling to renew my prescription for {med}.",
                        ),
                        (
                            W::A,
                            "I can send a renewal request to your doctor. May I have your full name and date of birth?",
                        ),
                        (W::U, "{caller}, {dob}."),
                        (
                            W::A,
                            "Thank you. Which pharmacy should receive the prescription?",
                        ),
                        (W::U, "{pharmacy}, as usual."),
                        (
                            W::A,
                            "The request for {med} has been sent to {doc}. Renewals usually take two business days, and the pharmacy will contact you.",
                        ),
                        (W::U, "Perfect, thank you."),
                    ],
                    summary: "{caller} asked to renew {med}; the request was sent to {doc}, to be filled at {pharmacy} within two business days.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Bonjour, j'appelle pour renouveler ma prescription de {med}.",
                        ),
                        (
                            W::A,
                            "Je peux transmettre une demande de renouvellement à votre médecin. Quel est votre nom complet et votre date de naissance?",
                        ),
                        (W::U, "{caller}, le {dob}."),
                        (
                            W::A,
                            "Merci. À quelle pharmacie dois-je envoyer l'ordonnance?",
                        ),
                        (W::U, "{pharmacy}, comme d'habitude."),
                        (
                            W::A,
                            "J'ai transmis la demande pour {med}; c'est {doc} qui va l'approuver. Le renouvellement prend habituellement deux jours ouvrables et la pharmacie vous contactera.",
                        ),
                        (W::U, "Parfait, merci."),
                    ],
                    summary: "{caller} a demandé le renouvellement de {med}; demande transmise pour approbation par {doc}, pour {pharmacy}, d'ici deux jours ouvrables.",
                },
            },
            Outcome {
                name: "transferred_to_human",
                weight: 25,
                ended: "assistant-forwarded-call",
                sentiment: [10, 45, 45],
                secs: (70, 200),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Hi, I'm out of {med} since yesterday and my pharmacy says the prescription expired.",
                        ),
                        (
                            W::A,
                            "I'm sorry to hear that. Since you are already out of medication, I will transfer you to a nurse who can look at this today.",
                        ),
                        (W::U, "Okay, thank you."),
                    ],
                    summary: "{caller} ran out of {med} and the prescription had expired; transferred to the nurse line for same-day follow-up.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Bonjour, je n'ai plus de {med} depuis hier et la pharmacie me dit que ma prescription est expirée.",
                        ),
                        (
                            W::A,
                            "Je suis désolée. Comme vous êtes déjà à court de médicament, je vous transfère à une infirmière qui pourra s'en occuper aujourd'hui.",
                        ),
                        (W::U, "D'accord, merci."),
                    ],
                    summary: "{caller} n'avait plus de {med} et l'ordonnance était expirée; transfert à l'infirmière pour un suivi le jour même.",
                },
            },
        ],
    },
    Scenario {
        intent: "billing_question",
        outbound: false,
        outcomes: &[
            Outcome {
                name: "information_provided",
                weight: 50,
                ended: "customer-ended-call",
                sentiment: [35, 50, 15],
                secs: (50, 150),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Hi, I received an invoice, number {inv}, for {amount} and I don't understand what it's for.",
                        ),
                        (
                            W::A,
                            "I can help with that. Invoice {inv} is for the uninsured form your doctor completed during your last visit.",
                        ),
                        (W::U, "Oh, the form for my employer. Okay. How can I pay?"),
                        (
                            W::A,
                            "You can pay online with the link on the invoice, by phone with a credit card, or at the front desk during your next visit.",
                        ),
                        (W::U, "Okay, I'll pay online. Thanks."),
                    ],
                    summary: "{caller} asked about invoice {inv} ({amount}); explained it covers an uninsured form and gave the payment options.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Bonjour, j'ai reçu une facture, numéro {inv}, de {amount} et je ne comprends pas c'est pour quoi.",
                        ),
                        (
                            W::A,
                            "Je peux vous aider. La facture {inv} concerne le formulaire non couvert que votre médecin a rempli lors de votre dernière visite.",
                        ),
                        (
                            W::U,
                            "Ah, le formulaire pour mon employeur. D'accord. Comment je peux payer?",
                        ),
                        (
                            W::A,
                            "Vous pouvez payer en ligne avec le lien sur la facture, par téléphone par carte de crédit, ou à l'accueil lors de votre prochaine visite.",
                        ),
                        (W::U, "Correct, je vais payer en ligne. Merci."),
                    ],
                    summary: "{caller} avait une question sur la facture {inv} ({amount}); expliqué qu'il s'agit d'un formulaire non couvert et donné les modes de paiement.",
                },
            },
            Outcome {
                name: "transferred_to_human",
                weight: 50,
                ended: "assistant-forwarded-call",
                sentiment: [5, 40, 55],
                secs: (60, 240),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Yes, I was charged {amount} twice for the same visit. Invoice {inv}.",
                        ),
                        (
                            W::A,
                            "I'm sorry about that. Refunds have to be handled by our billing office. I'll transfer you now.",
                        ),
                        (W::U, "Fine."),
                    ],
                    summary: "{caller} reported being charged twice ({amount}, invoice {inv}); transferred to the billing office for a refund.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Oui, on m'a chargé {amount} deux fois pour la même visite. Facture {inv}.",
                        ),
                        (
                            W::A,
                            "Je suis désolée. Les remboursements sont traités par notre service de facturation. Je vous transfère.",
                        ),
                        (W::U, "Correct."),
                    ],
                    summary: "{caller} a signalé un double paiement ({amount}, facture {inv}); transfert à la facturation pour un remboursement.",
                },
            },
        ],
    },
    Scenario {
        intent: "book_appointment",
        outbound: false,
        outcomes: &[
            Outcome {
                name: "appointment_booked",
                weight: 75,
                ended: "customer-ended-call",
                sentiment: [55, 40, 5],
                secs: (90, 240),
                en: Text {
                    turns: &[
                        (
                            W::U,
                            "Hi, I'd like to book an appointment with {doc}. I've had a sore throat for a week.",
                        ),
                        (
                            W::A,
                            "I can book that for you. May I have your full name and date of birth?",
                        ),
                        (W::U, "{caller}, born {dob}."),
                        (
                            W::A,
                            "Thank you. {doc} has an opening on {date} at {time}. Would you like it?",
                        ),
                        (W::U, "Yes, please."),
                        (
                            W::A,
                            "You're booked with {doc} on {date} at {time}. Please bring your {card}.",
                        ),
                        (W::U, "Thank you, bye."),
                    ],
                    summary: "{caller} booked an appointment with {doc} on {date} at {time} for a sore throat.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Bonjour, j'aimerais prendre un rendez-vous avec {doc}. J'ai mal à la gorge depuis une semaine.",
                        ),
                        (
                            W::A,
                            "Je peux m'en occuper. Quel est votre nom complet et votre date de naissance?",
                        ),
                        (W::U, "{caller}, {ne} le {dob}."),
                        (
                            W::A,
                            "Merci. Il y a une disponibilité avec {doc} le {date} à {time}. Voulez-vous la prendre?",
                        ),
                        (W::U, "Oui, s'il vous plaît."),
                        (
                            W::A,
                            "C'est réservé avec {doc} le {date} à {time}. N'oubliez pas votre {card}.",
                        ),
                        (W::U, "Merci, bonne journée."),
                    ],
                    summary: "{caller} a pris rendez-vous avec {doc} le {date} à {time} pour un mal de gorge.",
                },
            },
            Outcome {
                name: "callback_requested",
                weight: 25,
                ended: "customer-ended-call",
                sentiment: [10, 50, 40],
                secs: (60, 150),
                en: Text {
                    turns: &[
                        (W::U, "Hello, I need to see {doc} this week if possible."),
                        (
                            W::A,
                            "I'm sorry, {doc} has no openings this week. The first availability is on {date2}. Would you like a callback if something opens up?",
                        ),
                        (W::U, "Yes, please call me back."),
                        (
                            W::A,
                            "I've added you to the cancellation list. Someone will call you back at this number.",
                        ),
                    ],
                    summary: "{caller} wanted an appointment with {doc} this week; none available, added to the cancellation list for a callback.",
                },
                fr: Text {
                    turns: &[
                        (
                            W::U,
                            "Bonjour, j'aurais besoin de voir {doc} cette semaine si possible.",
                        ),
                        (
                            W::A,
                            "Je suis désolée, {doc} n'a plus de place cette semaine. La première disponibilité est le {date2}. Voulez-vous qu'on vous rappelle si une place se libère?",
                        ),
                        (W::U, "Oui, rappelez-moi s'il vous plaît."),
                        (
                            W::A,
                            "Je vous ai ajouté à la liste d'annulation. Quelqu'un vous rappellera à ce numéro.",
                        ),
                    ],
                    summary: "{caller} voulait un rendez-vous avec {doc} cette semaine; aucune place, ajouté à la liste d'annulation pour un rappel.",
                },
            },
        ],
    },
    Scenario {
        intent: "cancel_appointment",
        outbound: false,
        outcomes: &[Outcome {
            name: "appointment_cancelled",
            weight: 100,
            ended: "customer-ended-call",
            sentiment: [25, 65, 10],
            secs: (40, 110),
            en: Text {
                turns: &[
                    (W::U, "Hi, I need to cancel my appointment on {date}."),
                    (W::A, "Sure. Can I have your full name, please?"),
                    (W::U, "{caller}."),
                    (
                        W::A,
                        "Your appointment with {doc} on {date} at {time} is cancelled. Would you like to book another one?",
                    ),
                    (W::U, "Not right now, I'll call back. Thanks."),
                ],
                summary: "{caller} cancelled the appointment with {doc} on {date} at {time}; will call back to rebook.",
            },
            fr: Text {
                turns: &[
                    (W::U, "Bonjour, je dois annuler mon rendez-vous du {date}."),
                    (W::A, "Bien sûr. Votre nom complet, s'il vous plaît?"),
                    (W::U, "{caller}."),
                    (
                        W::A,
                        "Votre rendez-vous avec {doc} le {date} à {time} est annulé. Voulez-vous en prendre un autre?",
                    ),
                    (W::U, "Pas tout de suite, je vais rappeler. Merci."),
                ],
                summary: "{caller} a annulé son rendez-vous avec {doc} le {date} à {time}; rappellera pour en reprendre un.",
            },
        }],
    },
    Scenario {
        intent: "clinic_information",
        outbound: false,
        outcomes: &[Outcome {
            name: "information_provided",
            weight: 100,
            ended: "customer-ended-call",
            sentiment: [50, 45, 5],
            secs: (25, 90),
            en: Text {
                turns: &[
                    (W::U, "Hi, what are your opening hours on Saturday?"),
                    (
                        W::A,
                        "On Saturdays the clinic is open from 9 a.m. to noon, for walk-in visits only.",
                    ),
                    (W::U, "And is there parking?"),
                    (W::A, "Yes, there is free parking behind the building."),
                    (W::U, "Great, thank you."),
                ],
                summary: "{caller} asked about Saturday hours and parking; information provided.",
            },
            fr: Text {
                turns: &[
                    (
                        W::U,
                        "Bonjour, vous êtes ouverts jusqu'à quelle heure le samedi?",
                    ),
                    (
                        W::A,
                        "Le samedi, la clinique est ouverte de 9 h à midi, sans rendez-vous seulement.",
                    ),
                    (W::U, "Pis est-ce qu'il y a du stationnement?"),
                    (
                        W::A,
                        "Oui, il y a un stationnement gratuit derrière l'édifice.",
                    ),
                    (W::U, "Super, merci."),
                ],
                summary: "{caller} voulait connaître les heures du samedi et le stationnement; information donnée.",
            },
        }],
    },
];

/// Relative weight of each scenario for a general front-desk assistant.
pub const FRONT_DESK_WEIGHTS: [u32; 7] = [0, 22, 20, 10, 24, 10, 14];
/// … for a billing line.
pub const BILLING_WEIGHTS: [u32; 7] = [0, 0, 0, 70, 0, 0, 30];
/// … for an appointment-reminder assistant (outbound).
pub const REMINDER_WEIGHTS: [u32; 7] = [100, 0, 0, 0, 0, 0, 0];

/// Medication names (English, French).
pub const MEDS: &[(&str, &str)] = &[
    ("rosuvastatin", "rosuvastatine"),
    ("metformin", "metformine"),
    ("ramipril", "ramipril"),
    ("levothyroxine", "lévothyroxine"),
    ("salbutamol", "salbutamol"),
    ("perindopril", "périndopril"),
    ("sertraline", "sertraline"),
];

/// A very long caller line for the unusual transcripts (about 1,700 characters, no line break).
pub const LONG_LINE_EN: &str = "So the thing is, I was there last month for my blood test and the lady at the desk told me the results would be sent to {doc} within a week, and then I got a message saying I needed to book a follow-up, but when I tried to book online the website kept saying there were no slots, and then my pharmacy called because my {med} renewal was waiting for approval, and I'm not sure if that's related to the blood test or not, because the last time the doctor said we might change the dose depending on the results, and I also have a question about the invoice I got in the mail, which I think is for the form for my insurance, but I'm not sure because it doesn't say, and my daughter also needs an appointment for her vaccines before school starts, so I thought I'd just call and sort everything out at once, if that's okay, because I work long hours and it's really hard for me to call during the day, and last time I waited on hold for forty minutes and then the call dropped, so I'm a bit frustrated, to be honest, but I know it's not your fault, I just want to make sure the blood test results actually got to the doctor and that someone looks at them before my prescription runs out, because I only have about five pills left and I don't want to run out over the long weekend like last time, when I had to go to the walk-in clinic and they couldn't see my file.";
pub const LONG_LINE_FR: &str = "Ben en fait, je suis allé le mois passé pour ma prise de sang pis la dame à l'accueil m'a dit que les résultats seraient envoyés au docteur dans la semaine, pis après j'ai reçu un message qui disait que je devais prendre un rendez-vous de suivi, mais quand j'ai essayé de réserver en ligne le site disait tout le temps qu'il n'y avait plus de place, pis là ma pharmacie m'a appelé parce que le renouvellement de mon ordonnance de {med} attendait une approbation, pis je ne sais pas si c'est relié à la prise de sang ou pas, parce que la dernière fois le docteur avait dit qu'on changerait peut-être la dose selon les résultats, pis j'ai aussi une question sur la facture que j'ai reçue par la poste, je pense que c'est pour le formulaire d'assurance mais je ne suis pas certain parce que c'est pas écrit, pis ma fille a besoin d'un rendez-vous pour ses vaccins avant la rentrée, fait que je me suis dit que j'appellerais pour tout régler d'un coup si ça vous dérange pas, parce que je travaille de longues heures pis c'est vraiment difficile d'appeler pendant la journée, pis la dernière fois j'ai attendu quarante minutes en ligne pis l'appel a coupé, fait que je suis un peu découragé, mais je sais que c'est pas de votre faute, je veux juste m'assurer que les résultats se sont rendus au docteur pis que quelqu'un les regarde avant que ma prescription finisse, parce qu'il me reste à peu près cinq pilules pis je veux pas en manquer pendant la longue fin de semaine comme la dernière fois.";

/// A transcript that is not in the `Speaker: text` format at all (an export of free notes).
pub const UNFORMATTED_EN: &str = "[call notes — automatic export]\n\n(caller asked about the results of a blood test; the assistant explained that results are reviewed by {doc} and that the clinic calls back only if something needs attention)\n\n(no further questions; call ended by the caller)";
pub const UNFORMATTED_FR: &str = "[notes d'appel — exportation automatique]\n\n(l'appelant voulait les résultats d'une prise de sang; l'assistante a expliqué que les résultats sont révisés par {doc} et que la clinique rappelle seulement si un suivi est nécessaire)\n\n(aucune autre question; appel terminé par l'appelant)";

/// A line that looks like `Name: text` but is no speaker (only `Agent` and `User` are): it
/// continues the first turn of the transcripts that have a continuation line.
pub const NOTE_EN: &str = "Note: please have your {card} ready.";
pub const NOTE_FR: &str = "Rappel : ayez votre {card} en main.";
