"""Fixed phrases of the local draft engine per language (en, de, es, fr) and voice."""

from __future__ import annotations

# Acknowledgement by sentiment. Neutral questions get none: no reflexive apology.
ACK = {
    "formal": {
        "angry": {
            "en": "I am sorry for the trouble this has caused, and I understand your frustration.",
            "de": "Es tut mir leid, dass Ihnen dadurch Unannehmlichkeiten entstanden sind; ich "
            "verstehe Ihren Ärger.",
            "es": "Lamento las molestias que esto le ha causado y entiendo su malestar.",
            "fr": "Je suis désolé(e) pour la gêne occasionnée et je comprends votre "
            "mécontentement.",
        },
        "frustrated": {
            "en": "I understand this has been frustrating, and I appreciate your patience.",
            "de": "Ich verstehe, dass das ärgerlich ist, und danke Ihnen für Ihre Geduld.",
            "es": "Entiendo que esto resulta frustrante y le agradezco su paciencia.",
            "fr": "Je comprends que ce soit frustrant et je vous remercie de votre patience.",
        },
        "positive": {
            "en": "Thank you for your kind message.",
            "de": "Vielen Dank für Ihre freundliche Nachricht.",
            "es": "Muchas gracias por su amable mensaje.",
            "fr": "Merci pour votre aimable message.",
        },
        "neutral": {},
    },
    "friendly": {
        "angry": {
            "en": "I'm really sorry about this — that's not the experience we want you to have.",
            "de": "Das tut mir wirklich leid – so soll es nicht sein.",
            "es": "¡Lo siento mucho! No es la experiencia que queremos para ti.",
            "fr": "Je suis vraiment désolé(e), ce n'est pas l'expérience que nous voulons vous "
            "offrir.",
        },
        "frustrated": {
            "en": "Sorry for the hassle, let's get this sorted.",
            "de": "Sorry für den Aufwand – lass uns das lösen.",
            "es": "Perdona las molestias, vamos a resolverlo.",
            "fr": "Désolé(e) pour le désagrément, réglons cela.",
        },
        "positive": {
            "en": "Thanks so much for your message!",
            "de": "Vielen Dank für deine Nachricht!",
            "es": "¡Muchas gracias por tu mensaje!",
            "fr": "Merci beaucoup pour votre message !",
        },
        "neutral": {},
    },
    "technical": {
        "angry": {
            "en": "Sorry for the disruption.",
            "de": "Entschuldigung für die Störung.",
            "es": "Disculpa la interrupción.",
            "fr": "Désolé pour l'interruption.",
        },
        "frustrated": {
            "en": "Sorry for the trouble.",
            "de": "Sorry für den Ärger.",
            "es": "Perdona las molestias.",
            "fr": "Désolé pour le désagrément.",
        },
        "positive": {"en": "Thanks!", "de": "Danke!", "es": "¡Gracias!", "fr": "Merci !"},
        "neutral": {},
    },
}

NEXT_STEP = {
    "billing": {
        "en": "If anything on your invoice still looks wrong, reply to this email and we will "
        "look into it.",
        "de": "Falls auf Ihrer Rechnung noch etwas nicht stimmt, antworten Sie einfach auf diese "
        "E-Mail.",
        "es": "Si algo de su factura sigue sin cuadrar, responda a este correo y lo revisaremos.",
        "fr": "Si quelque chose semble encore incorrect sur votre facture, répondez simplement à "
        "cet e-mail.",
    },
    "technical": {
        "en": "If the problem persists after these steps, reply with the time it happened and a "
        "screenshot, and we will investigate.",
        "de": "Falls das Problem danach weiter besteht, antworten Sie bitte mit dem Zeitpunkt und "
        "einem Screenshot.",
        "es": "Si el problema continúa, responda con la hora en que ocurrió y una captura de "
        "pantalla.",
        "fr": "Si le problème persiste, répondez avec l'heure à laquelle il s'est produit et une "
        "capture d'écran.",
    },
    "account": {
        "en": "If you need anything else for your account, just reply to this email.",
        "de": "Wenn Sie für Ihr Konto noch etwas benötigen, antworten Sie einfach auf diese "
        "E-Mail.",
        "es": "Si necesita algo más para su cuenta, responda a este correo.",
        "fr": "Si vous avez besoin d'autre chose pour votre compte, répondez simplement à cet "
        "e-mail.",
    },
    "feature_request": {
        "en": "We will let you know when there is news on this.",
        "de": "Wir melden uns, sobald es hierzu Neuigkeiten gibt.",
        "es": "Le avisaremos cuando haya novedades.",
        "fr": "Nous vous tiendrons informé(e) dès qu'il y aura du nouveau.",
    },
    "general": {
        "en": "Let us know if you have any other questions.",
        "de": "Melden Sie sich gern, wenn Sie weitere Fragen haben.",
        "es": "Díganos si tiene cualquier otra pregunta.",
        "fr": "N'hésitez pas si vous avez d'autres questions.",
    },
}

CLARIFY = {
    "en": "Thank you for getting in touch. To help you quickly, could you tell us a bit more: "
    "what were you trying to do, what happened instead (any error message or screenshot "
    "helps), and since when does it happen?",
    "de": "Danke für Ihre Nachricht. Damit wir schnell helfen können: Was wollten Sie tun, was "
    "ist stattdessen passiert (Fehlermeldung oder Screenshot helfen), und seit wann tritt "
    "das auf?",
    "es": "Gracias por escribirnos. Para ayudarle rápido, ¿podría contarnos qué intentaba hacer, "
    "qué ocurrió en su lugar (un mensaje de error o una captura ayudan) y desde cuándo "
    "sucede?",
    "fr": "Merci de nous avoir contactés. Pour vous aider rapidement, pourriez-vous préciser ce "
    "que vous essayiez de faire, ce qui s'est passé à la place (un message d'erreur ou une "
    "capture d'écran nous aide) et depuis quand ?",
}

SOURCES_LABEL = {"en": "References", "de": "Quellen", "es": "Referencias", "fr": "Références"}
