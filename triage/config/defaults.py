"""The versioned default configuration: taxonomy, teams, personas and escalation rules.

``seed_configuration`` writes it into an empty database; after that the admin owns it and
every change bumps a ``ConfigVersion``. Bump DEFAULTS_VERSION when this file changes.
"""

from __future__ import annotations

DEFAULTS_VERSION = 1

TAXONOMY: list[dict] = [
    {
        "slug": "billing",
        "name": "Billing",
        "description": "Charges, invoices, refunds, plan upgrades and downgrades, payment "
        "methods, cancellations of a subscription.",
        "subcategories": [
            "refund",
            "double_charge",
            "invoice",
            "plan_change",
            "payment_method",
            "cancellation",
        ],
    },
    {
        "slug": "technical",
        "name": "Technical",
        "description": "Something in the product or the API does not work as documented: outages, "
        "errors, bugs, slow pages, failing integrations or bank feeds.",
        "subcategories": ["outage", "bug", "api", "integration", "performance", "data_sync"],
    },
    {
        "slug": "account",
        "name": "Account & security",
        "description": "Logging in, two-factor authentication, SSO, users and permissions, data "
        "export and deletion, suspected security incidents.",
        "subcategories": [
            "login",
            "two_factor",
            "sso",
            "permissions",
            "data_deletion",
            "data_export",
            "security",
        ],
    },
    {
        "slug": "feature_request",
        "name": "Feature request",
        "description": "The customer asks for something the product does not do yet, or suggests "
        "an improvement.",
        "subcategories": ["reporting", "integrations", "ui", "api"],
    },
    {
        "slug": "general",
        "name": "General",
        "description": "How-to questions, pricing information, feedback and anything that fits no "
        "other category.",
        "subcategories": ["how_to", "pricing", "feedback", "other"],
    },
]

_SLA_STANDARD = {"P1": 2, "P2": 8, "P3": 24, "P4": 72}
_SLA_FAST = {"P1": 1, "P2": 4, "P3": 12, "P4": 48}
_OFFICE = {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}

TEAMS: list[dict] = [
    {
        "slug": "escalations",
        "name": "Escalations",
        "categories": [],
        "skills": ["legal", "retention", "billing", "technical"],
        "is_escalation_team": True,
        "sla_hours": _SLA_FAST,
    },
    {
        "slug": "security-response",
        "name": "Security Response",
        "categories": [],
        "skills": ["security", "account"],
        "is_escalation_team": True,
        "sla_hours": {"P1": 1, "P2": 2, "P3": 8, "P4": 24},
    },
    {
        "slug": "billing",
        "name": "Billing",
        "categories": ["billing"],
        "skills": ["billing", "refunds"],
        "escalation_team": "escalations",
        "sla_hours": _SLA_STANDARD,
        "business_hours": _OFFICE,
    },
    {
        "slug": "technical",
        "name": "Technical Support",
        "categories": ["technical"],
        "skills": ["technical", "api", "integrations"],
        "escalation_team": "escalations",
        "sla_hours": _SLA_FAST,
    },
    {
        "slug": "account",
        "name": "Account & Security",
        "categories": ["account"],
        "skills": ["account", "security"],
        "escalation_team": "security-response",
        "sla_hours": _SLA_FAST,
    },
    {
        "slug": "product",
        "name": "Product Feedback",
        "categories": ["feature_request"],
        "skills": ["product"],
        "escalation_team": "escalations",
        "sla_hours": {"P1": 8, "P2": 24, "P3": 72, "P4": 120},
        "business_hours": _OFFICE,
    },
    {
        "slug": "general",
        "name": "General Support",
        "categories": ["general"],
        "skills": ["general", "how_to"],
        "escalation_team": "escalations",
        "sla_hours": _SLA_STANDARD,
        "business_hours": _OFFICE,
    },
]

PERSONAS: list[dict] = [
    {
        "tier": "enterprise",
        "name": "Enterprise",
        "voice": "formal",
        "cite_sources": True,
        "max_words": 220,
        "greetings": {
            "en": "Dear {name},",
            "de": "Sehr geehrte(r) {name},",
            "es": "Estimado/a {name}:",
            "fr": "Bonjour {name},",
        },
        "signoffs": {
            "en": "Kind regards,\nLedgerly Enterprise Support",
            "de": "Mit freundlichen Grüßen\nLedgerly Enterprise Support",
            "es": "Atentamente,\nSoporte Enterprise de Ledgerly",
            "fr": "Cordialement,\nLe support Enterprise de Ledgerly",
        },
        "phrases": {
            "en": {
                "escalation_path": "If you need this handled urgently, your account manager and "
                "our escalation desk (escalations@ledgerly.example) are "
                "available around the clock."
            },
            "de": {
                "escalation_path": "Für dringende Fälle erreichen Sie Ihre Kundenbetreuung und "
                "unser Eskalationsteam (escalations@ledgerly.example) rund um "
                "die Uhr."
            },
            "es": {
                "escalation_path": "Si necesita una respuesta urgente, su gestor de cuenta y "
                "nuestro equipo de escalado (escalations@ledgerly.example) "
                "están disponibles las 24 horas."
            },
            "fr": {
                "escalation_path": "En cas d'urgence, votre responsable de compte et notre équipe "
                "d'escalade (escalations@ledgerly.example) sont joignables 24 "
                "h/24."
            },
        },
    },
    {
        "tier": "business",
        "name": "Business",
        "voice": "formal",
        "cite_sources": False,
        "max_words": 180,
        "greetings": {
            "en": "Hello {name},",
            "de": "Hallo {name},",
            "es": "Hola {name}:",
            "fr": "Bonjour {name},",
        },
        "signoffs": {
            "en": "Best regards,\nLedgerly Support",
            "de": "Viele Grüße\nIhr Ledgerly Support",
            "es": "Saludos,\nSoporte de Ledgerly",
            "fr": "Bien cordialement,\nLe support Ledgerly",
        },
        "phrases": {},
    },
    {
        "tier": "self_serve",
        "name": "Self-serve",
        "voice": "friendly",
        "cite_sources": False,
        "max_words": 120,
        "greetings": {
            "en": "Hi {name},",
            "de": "Hallo {name},",
            "es": "¡Hola, {name}!",
            "fr": "Bonjour {name},",
        },
        "signoffs": {
            "en": "Cheers,\nThe Ledgerly team",
            "de": "Viele Grüße\nDein Ledgerly-Team",
            "es": "¡Un saludo!\nEl equipo de Ledgerly",
            "fr": "À bientôt,\nL'équipe Ledgerly",
        },
        "phrases": {},
    },
    {
        "tier": "developer",
        "name": "Developer",
        "voice": "technical",
        "cite_sources": True,
        "max_words": 200,
        "greetings": {
            "en": "Hi {name},",
            "de": "Hallo {name},",
            "es": "Hola {name}:",
            "fr": "Bonjour {name},",
        },
        "signoffs": {
            "en": "— Ledgerly Developer Support",
            "de": "— Ledgerly Developer Support",
            "es": "— Soporte para desarrolladores de Ledgerly",
            "fr": "— Support développeurs Ledgerly",
        },
        "phrases": {},
    },
]

# Signal patterns are case-insensitive regular expressions, per language.
ESCALATION_RULES: list[dict] = [
    {
        "slug": "cancel",
        "name": "Wants to cancel",
        "kind": "signal",
        "tier": 2,
        "patterns": {
            "en": [
                r"\bcancel(l?ing|l?ed)? (my|our|the) (account|subscription|plan|contract)\b",
                r"\bclose my account\b",
                r"\bswitch(ing)? to (a )?competitor\b",
            ],
            "de": [r"\bk(ü|ue)ndig", r"\bvertrag (beenden|auflösen)\b"],
            "es": [
                r"\bcancelar (mi|la|nuestra) (cuenta|suscripci[oó]n)\b",
                r"\bdar(me)? de baja\b",
            ],
            "fr": [r"\br[ée]silier\b", r"\bannuler (mon|notre) abonnement\b"],
        },
    },
    {
        "slug": "legal",
        "name": "Legal threat",
        "kind": "signal",
        "tier": 3,
        "patterns": {
            "en": [
                r"\blawyers?\b",
                r"\blegal action\b",
                r"\bsue\b",
                r"\bsuing\b",
                r"\battorneys?\b",
                r"\bsmall claims\b",
            ],
            "de": [r"\banwalt", r"\brechtliche schritte\b", r"\bklage\b", r"\bverklagen\b"],
            "es": [r"\babogad[oa]s?\b", r"\bdemanda(r)?\b", r"\bacciones legales\b"],
            "fr": [
                r"\bavocats?\b",
                r"\bporter plainte\b",
                r"\bpoursuites?\b",
                r"\bmise en demeure\b",
            ],
        },
    },
    {
        "slug": "chargeback",
        "name": "Chargeback or dispute",
        "kind": "signal",
        "tier": 2,
        "patterns": {
            "en": [
                r"\bchargebacks?\b",
                r"\bdispute (the|this) (charge|payment)\b",
                r"\bcontact(ing)? my bank\b",
            ],
            "de": [
                r"\brückbuchung\b",
                r"\blastschrift zurück",
                r"\bzahlung (anfechten|widerrufen)\b",
            ],
            "es": [r"\bcontracargo\b", r"\bdisputar el cargo\b", r"\breclamar al banco\b"],
            "fr": [
                r"\brejet de pr[ée]l[èe]vement\b",
                r"\bcontester (le|ce) (paiement|pr[ée]l[èe]vement)\b",
                r"\bopposition\b",
            ],
        },
    },
    {
        "slug": "public_complaint",
        "name": "Public complaint",
        "kind": "signal",
        "tier": 2,
        "patterns": {
            "en": [
                r"\b(twitter|linkedin|trustpilot|reddit|social media)\b",
                r"\bpublic review\b",
                r"\btell everyone\b",
            ],
            "de": [r"\b(bewertung|öffentlich machen|soziale medien)\b"],
            "es": [r"\b(redes sociales|reseña pública)\b"],
            "fr": [r"\b(réseaux sociaux|avis public)\b"],
        },
    },
    {
        "slug": "repeat_contact",
        "name": "Repeat contact",
        "kind": "signal",
        "tier": 2,
        "patterns": {
            "en": [
                r"\b(third|3rd|fourth|fifth) time\b",
                r"\balready (contacted|written|emailed|told) (you|support)\b",
                r"\bagain and again\b",
                r"\bstill (not|no) (fixed|resolved|answer)\b",
            ],
            "de": [r"\b(dritte|vierte)s? mal\b", r"\bschon wieder\b", r"\bimmer noch nicht\b"],
            "es": [r"\b(tercera|cuarta) vez\b", r"\btodav[ií]a no\b", r"\bya (les )?escrib[ií]\b"],
            "fr": [
                r"\b(troisi[èe]me|quatri[èe]me) fois\b",
                r"\btoujours pas\b",
                r"\bd[ée]j[àa] ([ée]crit|contact[ée])\b",
            ],
        },
    },
    {
        "slug": "manager",
        "name": "Asks for a manager",
        "kind": "signal",
        "tier": 2,
        "patterns": {
            "en": [r"\b(manager|supervisor|someone in charge)\b"],
            "de": [r"\b(vorgesetzte|vorgesetzten|geschäftsführung|manager)\b"],
            "es": [r"\b(supervisor|gerente|responsable)\b"],
            "fr": [r"\b(responsable|superviseur|manager)\b"],
        },
    },
    {
        "slug": "waiting_days",
        "name": "Days of waiting",
        "kind": "signal",
        "tier": 2,
        "patterns": {
            "en": [
                r"\b(waiting|waited) (for )?(\d+|two|three|four|five|several) (days|weeks)\b",
                r"\bno (one|body) (has )?(answered|replied|responded)\b",
            ],
            "de": [r"\bseit (\d+|zwei|drei|vier|mehreren) (tagen|wochen)\b"],
            "es": [r"\b(esperando|espero) (desde hace )?(\d+|dos|tres|varios) (d[ií]as|semanas)\b"],
            "fr": [r"\bdepuis (\d+|deux|trois|plusieurs) (jours|semaines)\b"],
        },
    },
    {
        "slug": "security_issue",
        "name": "Security issue",
        "kind": "rule",
        "tier": 3,
        "patterns": {
            "en": [
                r"\b(hacked|compromised|breach|unauthori[sz]ed (access|login)|phishing|stolen "
                r"(password|credentials)|suspicious login)\b"
            ],
            "de": [r"\b(gehackt|kompromittiert|unbefugte[rn]? zugriff|datenleck|phishing)\b"],
            "es": [
                r"\b(hackead[oa]|comprometid[oa]|acceso no autorizado|filtraci[oó]n|phishing)\b"
            ],
            "fr": [
                r"\b(pirat[ée]|compromis|acc[èe]s non autoris[ée]|fuite de "
                r"donn[ée]es|hame[çc]onnage)\b"
            ],
        },
    },
    {
        "slug": "data_deletion",
        "name": "Data deletion request",
        "kind": "rule",
        "tier": 2,
        "patterns": {
            "en": [
                r"\b(delete|erase|remove) (all )?(my|our) (personal )?(data|information|account)\b",
                r"\bgdpr\b",
                r"\bright to (be forgotten|erasure)\b",
            ],
            "de": [
                r"\b(daten|konto) l(ö|oe)schen\b",
                r"\bdsgvo\b",
                r"\bl(ö|oe)schung meiner daten\b",
            ],
            "es": [
                r"\b(borrar|eliminar) (mis|todos mis) datos\b",
                r"\brgpd\b",
                r"\bderecho al olvido\b",
            ],
            "fr": [
                r"\bsupprimer (mes|toutes mes) donn[ée]es\b",
                r"\brgpd\b",
                r"\bdroit à l'oubli\b",
            ],
        },
    },
    {
        "slug": "refund_outside_policy",
        "name": "Refund outside policy",
        "kind": "rule",
        "tier": 2,
        "params": {"policy_days": 30},
        "patterns": {
            "en": [
                r"\brefund\b.*\b(last year|(\d{2,}|two|three|four|five|six) months|annual plan)\b",
                r"\bfull refund\b",
            ],
            "de": [r"\b(rückerstattung|geld zurück)\b.*\b(letztes jahr|monate)\b"],
            "es": [r"\breembolso\b.*\b(año pasado|meses)\b"],
            "fr": [r"\bremboursement\b.*\b(l'an dernier|mois)\b"],
        },
    },
    {
        "slug": "missing_account_data",
        "name": "Account question without account data",
        "kind": "rule",
        "tier": 1,
        "patterns": {},
    },
    {
        "slug": "repeat_tickets",
        "name": "Several open tickets on the same issue",
        "kind": "rule",
        "tier": 2,
        "params": {"max_recent": 2, "days": 14},
        "patterns": {},
    },
]
