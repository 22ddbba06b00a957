"""Customer satisfaction (CSAT): the reply that resolves a ticket asks for a rating by a signed
link; the customer rates 1-5 with an optional comment, in their language, without logging in.

- One rating per ticket. The link in the reply is good for one rating (its nonce is replaced when
  it is used); the page that thanks for the rating carries a fresh link to change it, good for
  ``SatisfactionRating.CHANGE_DAYS`` days from the first rating.
- A rating of 1-2, or a comment saying the answer was wrong, reopens nothing but puts the ticket on
  its team lead's "needs a look" list and makes an evaluation case of the reply (the draft, what
  was sent and the versions that produced it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from triage.models import EvaluationCase, Review, SatisfactionRating, Ticket
from triage.review.complaints import complaint_case, says_wrong

SALT = "deskpilot.satisfaction"
# A link older than this is refused even unused (the reply it came with is old news).
LINK_MAX_AGE = timedelta(days=60)
COMMENT_MAX = 2000

# What the customer reads, in their language (English for any other).
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "footer": "How did we do? Rate this answer (one click, no login): {url}",
        "title": "How did we do?",
        "question": "How satisfied are you with our answer?",
        "scale": "1 = very dissatisfied, 5 = very satisfied",
        "comment": "Anything you want to tell us? (optional)",
        "send": "Send my rating",
        "thanks": "Thank you: you rated our answer {score} out of 5.",
        "change": "Changed your mind? You can change your rating until {until}.",
        "used": "This link was already used to rate this answer.",
        "expired": "This link has expired.",
        "forged": "This link is not valid.",
        "choose": "Choose a rating from 1 to 5.",
    },
    "de": {
        "footer": "Wie zufrieden sind Sie? Bewerten Sie diese Antwort (ein Klick, ohne Anmeldung): "
        "{url}",
        "title": "Wie war unsere Antwort?",
        "question": "Wie zufrieden sind Sie mit unserer Antwort?",
        "scale": "1 = sehr unzufrieden, 5 = sehr zufrieden",
        "comment": "Möchten Sie uns noch etwas sagen? (optional)",
        "send": "Bewertung senden",
        "thanks": "Danke: Sie haben unsere Antwort mit {score} von 5 bewertet.",
        "change": "Sie können Ihre Bewertung bis {until} ändern.",
        "used": "Dieser Link wurde bereits für eine Bewertung verwendet.",
        "expired": "Dieser Link ist abgelaufen.",
        "forged": "Dieser Link ist ungültig.",
        "choose": "Wählen Sie eine Bewertung von 1 bis 5.",
    },
    "es": {
        "footer": "¿Qué tal lo hicimos? Valore esta respuesta (un clic, sin iniciar sesión): {url}",
        "title": "¿Qué tal lo hicimos?",
        "question": "¿Qué tan satisfecho está con nuestra respuesta?",
        "scale": "1 = muy insatisfecho, 5 = muy satisfecho",
        "comment": "¿Algo que quiera contarnos? (opcional)",
        "send": "Enviar mi valoración",
        "thanks": "Gracias: ha valorado nuestra respuesta con {score} de 5.",
        "change": "Puede cambiar su valoración hasta el {until}.",
        "used": "Este enlace ya se utilizó para valorar esta respuesta.",
        "expired": "Este enlace ha caducado.",
        "forged": "Este enlace no es válido.",
        "choose": "Elija una valoración del 1 al 5.",
    },
    "fr": {
        "footer": "Notre réponse vous a-t-elle aidé ? Notez-la (un clic, sans connexion) : {url}",
        "title": "Notre réponse vous a-t-elle aidé ?",
        "question": "Êtes-vous satisfait de notre réponse ?",
        "scale": "1 = très insatisfait, 5 = très satisfait",
        "comment": "Souhaitez-vous nous dire quelque chose ? (facultatif)",
        "send": "Envoyer ma note",
        "thanks": "Merci : vous avez noté notre réponse {score} sur 5.",
        "change": "Vous pouvez modifier votre note jusqu'au {until}.",
        "used": "Ce lien a déjà servi à noter cette réponse.",
        "expired": "Ce lien a expiré.",
        "forged": "Ce lien n'est pas valide.",
        "choose": "Choisissez une note de 1 à 5.",
    },
}


class RatingError(ValueError):
    """The link cannot rate: ``kind`` is forged, used or expired (the page says it in the
    customer's language)."""

    def __init__(self, kind: str, language: str = "en") -> None:
        super().__init__(kind)
        self.kind = kind
        self.language = language


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def _token(rating: SatisfactionRating) -> str:
    return signing.dumps({"r": rating.pk, "n": rating.nonce}, salt=SALT, compress=True)


def rating_url(rating: SatisfactionRating) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("dashboard:rate", args=[_token(rating)])


def ask_for_rating(*, ticket: Ticket, review: Review) -> str:
    """The line that asks for a rating, for the reply that resolves ``ticket`` ("" when the
    customer rated this ticket already). Call inside the reply's transaction."""
    language = ticket.language if ticket.language in TEXTS else "en"
    rating, created = SatisfactionRating.objects.get_or_create(
        ticket=ticket,
        defaults={"review": review, "language": language, "nonce": secrets.token_hex(16)},
    )
    if not created:
        if rating.score is not None:
            return ""
        rating.review, rating.language, rating.nonce = review, language, secrets.token_hex(16)
        rating.asked_at = timezone.now()
        rating.save(update_fields=["review", "language", "nonce", "asked_at"])
    return texts(language)["footer"].format(url=rating_url(rating))


def _read(token: str, *, now: datetime) -> SatisfactionRating:
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise RatingError("expired") from None
    except signing.BadSignature:
        raise RatingError("forged") from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise RatingError("forged")
    rating = SatisfactionRating.objects.filter(pk=data["r"]).first()
    if rating is None:
        raise RatingError("forged")
    if not secrets.compare_digest(str(data.get("n", "")), rating.nonce):
        raise RatingError("used", rating.language)
    if rating.rated_at is not None and now > change_until(rating):
        raise RatingError("expired", rating.language)
    return rating


def open_link(token: str, *, now: datetime | None = None) -> SatisfactionRating:
    """The rating a link is for. Raises RatingError (forged, used, expired)."""
    return _read(token, now=now or timezone.now())


def change_until(rating: SatisfactionRating) -> datetime:
    assert rating.rated_at is not None
    return rating.rated_at + timedelta(days=SatisfactionRating.CHANGE_DAYS)


@dataclass(frozen=True)
class Rated:
    rating: SatisfactionRating
    change_token: str  # a fresh link's token, to change the rating
    change_until: datetime


def rate(token: str, *, score: int, comment: str = "", now: datetime | None = None) -> Rated:
    """Store the customer's rating through ``token`` (used up: a fresh token comes back to change
    it). Raises RatingError, or ValueError for a score outside 1-5."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValueError("the score must be 1 to 5")
    now = now or timezone.now()
    with transaction.atomic():
        rating = _read(token, now=now)
        rating = SatisfactionRating.objects.select_for_update().get(pk=rating.pk)
        _read(token, now=now)  # a concurrent use of the same link lost the race
        comment = comment.strip()[:COMMENT_MAX]
        rating.score, rating.comment = score, comment
        rating.says_wrong = says_wrong(comment)
        rating.rated_at = rating.rated_at or now
        rating.nonce = secrets.token_hex(16)
        low = score <= 2 or rating.says_wrong
        if low and not rating.needs_look:
            rating.needs_look, rating.looked_at, rating.looked_at_by = True, None, None
            _case(rating)
        elif not low:
            rating.needs_look = False
        rating.save()
    return Rated(rating=rating, change_token=_token(rating), change_until=change_until(rating))


def _case(rating: SatisfactionRating) -> EvaluationCase:
    """The complaint as an evaluation case: the draft, the reply sent, the versions behind them."""
    return complaint_case(
        ticket=rating.ticket,
        origin=EvaluationCase.Origin.LOW_RATING,
        review=rating.review,
        said={"rating": rating.score, "comment": rating.comment, "says_wrong": rating.says_wrong},
    )


def needs_look(*, team_ids: list[int] | None = None, limit: int = 100) -> list[SatisfactionRating]:
    """Low ratings and "that was wrong" comments no lead has looked at, newest first."""
    rows = SatisfactionRating.objects.filter(needs_look=True, looked_at__isnull=True)
    if team_ids is not None:
        rows = rows.filter(ticket__team_id__in=team_ids)
    return list(
        rows.select_related("ticket", "review__reviewer", "ticket__team").order_by("-rated_at")[
            :limit
        ]
    )


def mark_looked_at(*, rating: SatisfactionRating, user: AbstractBaseUser) -> None:
    SatisfactionRating.objects.filter(pk=rating.pk).update(
        looked_at=timezone.now(), looked_at_by=user
    )
