"""The tone of a customer's message: angry, frustrated, neutral or positive, in en/de/es/fr.

Two readings are combined:

- **Valence** from VADER (``vaderSentiment``), a lexicon model built for short social-media text:
  it weighs each word, handles negation ("not happy"), boosters ("really"), capitals, "!!!" and
  "but"-clauses. Its English lexicon is extended here with German, Spanish and French words,
  negations and emoji it lacks; words that only describe a problem in a support ticket ("error",
  "declined", "missing") are made neutral, since a factual report is not a mood.
- **Cues** a support lead reads the tone from: hostility (swearing, insults, threats of a lawyer
  or a chargeback, 😡), intensity (shouting, "!!!"), frustration (a problem that persists or
  repeats, waiting, being ignored, disappointment, 🙄), sarcasm ("thanks for nothing", "oh great,
  … again"), and thanks, praise and relief.

The rules: hostility makes a message angry; frustration, sarcasm or strongly negative valence make
it frustrated; a message that thanks or praises and shows no frustration is positive (never
negative); where no cue speaks, the text model when it is sure enough. A **text model** (logistic
regression on hashed character and word n-grams) reads tone from wording the cue lists do not hold,
and a **combination** (logistic regression over the cues, the valence, the rules' label and the
text model's probabilities) gives the label. Both are trained by ``python manage.py
train_sentiment`` on ``sentiment_train.jsonl`` (written here) and the development part of
``../shared/data/sentiment_dev`` and stored as weights (``models/sentiment.npz``).
``sentiment_score`` gives the label and a score in [-1, 1].
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from vaderSentiment import vaderSentiment as vader

from triage.text import hashing
from triage.text.cleaning import without_quoted_lines

# Valence on VADER's scale (-4 … 4) for words its English lexicon lacks.
_LEXICON = {
    # de
    "danke": 2.0, "dank": 1.8, "super": 2.5, "toll": 2.3, "prima": 2.2, "klasse": 2.2,
    "perfekt": 2.8, "hilfreich": 1.8, "großartig": 3.0, "zufrieden": 2.0, "begeistert": 2.8,
    "ausgezeichnet": 3.0, "gelöst": 1.5, "geklappt": 1.5, "bestens": 2.3, "freundlich": 1.5,
    "schnell": 0.8, "schlecht": -2.3, "enttäuscht": -2.2, "enttäuschend": -2.2, "ärgerlich": -2.0,
    "nervt": -2.0, "nervig": -2.0, "genervt": -2.2, "leider": -0.8, "schade": -1.5,
    "wütend": -3.0, "sauer": -2.5, "stinksauer": -3.4, "frechheit": -3.0, "katastrophe": -3.0,
    "unverschämt": -3.2, "unverschämtheit": -3.2, "lächerlich": -2.5, "schande": -3.0,
    "betrug": -3.2, "abzocke": -3.2, "inkompetent": -3.0, "unfassbar": -2.0, "schlimm": -2.2,
    "gefällt": 1.8, "liebe": 2.0, "empfehle": 1.8, "top": 2.0,
    # es
    "gracias": 2.0, "genial": 2.8, "estupendo": 2.8, "excelente": 3.0, "perfecto": 2.8,
    "útil": 1.8, "contento": 2.2, "contenta": 2.2, "encanta": 2.8, "geniales": 2.8,
    "resuelto": 1.5, "solucionado": 1.5, "agradezco": 2.0, "rapidez": 1.0, "malo": -2.3,
    "pésimo": -3.2, "decepcionado": -2.2, "decepcionada": -2.2, "molesto": -2.0, "molesta": -2.0,
    "harto": -2.8, "harta": -2.8, "cansando": -1.5, "pena": -1.5, "furioso": -3.2,
    "furiosa": -3.2, "vergüenza": -3.0, "estafa": -3.4, "ladrones": -3.4, "robo": -3.0,
    "inaceptable": -3.0, "indignante": -3.0, "desastre": -3.0, "basura": -3.0, "asco": -3.2,
    "incompetentes": -3.0, "recomendaré": 2.0,
    # fr
    "merci": 2.0, "génial": 2.8, "géniaux": 2.8, "parfait": 2.8, "formidable": 3.0,
    "utile": 1.5, "ravi": 2.8, "ravie": 2.8, "adore": 3.0, "bravo": 2.5, "réglé": 1.5,
    "résolu": 1.5, "remercie": 2.0, "mauvais": -2.3, "nul": -2.8, "déçu": -2.2, "déçue": -2.2,
    "agaçant": -2.0, "énervé": -2.5, "marre": -2.8, "dommage": -1.5, "furieux": -3.2,
    "furieuse": -3.2, "honte": -3.0, "arnaque": -3.4, "voleurs": -3.4, "vol": -2.5,
    "inadmissible": -3.2, "scandaleux": -3.2, "catastrophe": -3.0, "minable": -3.0,
    "écœurant": -3.0, "incompétents": -3.0, "recommanderai": 2.0,
}  # fmt: skip
# English words that only describe the problem a ticket is about.
_PROBLEM_WORDS = (
    "error", "errors", "fail", "fails", "failed", "failure", "problem", "problems", "issue",
    "issues", "declined", "decline", "cancel", "cancelled", "canceled", "cancellation", "wrong",
    "forgot", "forgotten", "missing", "lost", "crash", "crashed", "crashes", "bug", "bugs",
    "damaged", "no", "blank", "delay", "delayed", "stop", "stopped", "unable", "refused",
    "fault", "warning", "alert", "charged", "charges", "debt", "overdue", "fraud",
)  # fmt: skip
# English lexicon words that are everyday words in German, Spanish or French ("die" is an
# article, "Mal" a time, "pain" bread, "sin" without, "kind" a child, "Gift" poison).
_FALSE_FRIENDS = ("die", "mal", "pain", "hell", "kind", "gift", "war", "sin", "cuts", "cut", "fin")
_NEGATIONS = (
    "nicht", "kein", "keine", "keinen", "nie", "niemals", "nichts", "no", "nunca", "jamás",
    "tampoco", "ni", "ne", "pas", "jamais", "rien", "aucun", "aucune",
)  # fmt: skip


@cache
def _analyzer() -> vader.SentimentIntensityAnalyzer:
    analyzer = vader.SentimentIntensityAnalyzer()
    analyzer.lexicon.update(_LEXICON)
    for word in _PROBLEM_WORDS:
        analyzer.lexicon.pop(word, None)
    for word in _FALSE_FRIENDS:
        analyzer.lexicon.pop(word, None)
    analyzer.lexicon["fraud"] = -3.0  # a charge of fraud is a mood, not a description
    for word in _NEGATIONS:
        if word not in vader.NEGATE:
            vader.NEGATE.append(word)  # the library's negation list is module-wide
    return analyzer


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_PROFANITY = _any(
    r"\b(fuck\w*|f\*+\w*|shit\w*|bullshit|crap|damn\w*|bloody hell|wtf|hell is|piss\w*)\b",
    r"\b(schei(ß|ss)\w*|verdammt\w*|mist|kacke|saftladen)\b",
    r"\b(mierda|joder|coño|hostia|me cago|puta\w*|cabr[oó]n\w*)\b",
    r"\b(putain|merde|bordel|chier|connard\w*|conne?s?(?= !))\b|à la con|quel con",
)
# Words and phrases of open anger: "unacceptable", "furious", "are you kidding me", "stop …".
_ANGER = _any(
    r"\b(unacceptable|outrageous|furious|livid|enraged|are you kidding( me)?|kidding me|"
    r"(don't|do not) you dare|stop (sending|ignoring|lying|wasting)|had enough|i'm done|"
    r"i am done|seriously)\b",
    r"\b(wütend|stinksauer|empört|reicht (es|mir)|nase voll|hören sie auf|"
    r"unfassbar schlecht\w*|im ernst|ist das ihr ernst)\b",
    r"\b(inaceptable|inadmisible|furios[oa]|indignad[oa]|basta ya|tomando el pelo|dejad de|"
    r"dejen de|estoy hart[oa]|hasta las narices|hasta el moño|hasta el gorro|en serio)\b",
    r"\b(inadmissible|inacceptable|furieux|furieuse|ça suffit|moquez de (moi|nous)|arrêtez de|"
    r"j'en ai marre de vous|ras[- ]le[- ]bol|sérieusement|c'est une blague)\b",
)
_INSULT = _any(
    r"\b(useless|incompetent|pathetic|disgrace\w*|disgusting|scam\w*|fraud\w*|thie(f|ves)|"
    r"joke of a|clowns?|idiots?|morons?|worst|shame on you|how dare you|liars?|lying|robbery|"
    r"rip-?off|crooks?|swindl\w*|scammers?|cowboys|disgusting|appalling|atrocious)\b",
    r"\b(inkompetent\w*|frechheit|unverschämt\w*|betrug|betrüger\w*|abzocke|schande|"
    r"das (aller)?letzte|seid (\w+ )?die letzten|lächerlich|katastrophe|belogen|lügner|"
    r"verarsch\w*|gauner|halsabschneider|wucher|lausig\w*|mies\w*|sauerei)\b",
    r"\b(incompetentes?|estafa\w*|ladrones|vergüenza|desastre|basura|asco|robo|tomadura de "
    r"pelo|indignante|cómo os atrevéis|mentisteis|mentirosos|sinvergüenzas?|atraco|timo|"
    r"timador\w*|asqueros\w*|lamentable|cachondeo|chapuza\w*)\b",
    r"\b(incompétents?|arnaque\w*|voleurs?|honte|minable|écœurant|scandaleux|catastrophe|"
    r"comment osez|menti|menteurs|du vol|nul|escroc\w*|foutage|foutez|lamentable|voyous|"
    r"honteux|inacceptable)\b",
)
_THREAT = _any(
    r"\b(lawyer|attorney|sue you|legal action|chargeback|charge back|report(ing)? you|consumer "
    r"(authority|protection)|ombudsman|(to|contact\w*|involv\w*) the (\w+ )?regulator|"
    r"trading standards|small claims|review everywhere|reviews? everywhere|never again)\b",
    r"\b(anzeige|polizei|anwalt|anwältin|verbraucherzentrale|schlichtung\w*|bundesnetzagentur|"
    r"rückbuch\w*|zurückbuch\w*|schlechte bewertungen|nie wieder|niemals)\b",
    r"\b(abogad[oa]|denuncia\w*|consumo|consumidor(es)?|reclamación|reseñas negativas|"
    r"devolución del cargo|nunca más)\b",
    r"\b(avocat|plainte|association de consommateurs|médiateur|opposition|"
    r"avis négatifs|plus jamais|hors de question)\b",
)
_ANGRY_EMOJI = re.compile("[😡🤬👿💢😠🖕]")
_FRUSTRATED_EMOJI = re.compile("[🙄😤😒😞😩😫☹🙁😕😣😖😔😢😭]")
_POSITIVE_EMOJI = re.compile("[😀😃😄😁😊🙂😍🥰👍🙏❤💙💚🎉⭐🌟👏✅😎🤩]")
_FRUSTRATION = _any(
    # en: persisting, repeating, waiting, ignored, disappointed, tired of it
    r"\b(still|again|yet again|once again|once more|another (week|day|month|time)|keeps?|"
    r"kept|every (time|morning|day)|(second|third|fourth|fifth|\d+(st|nd|rd|th)) time|"
    r"how many times|so long|too long|how long|ages|waiting|been waiting|for (days|weeks|months)|"
    r"(\d+|two|three|ten) (days|weeks|months)|no (reply|answer|response)|nobody|no one|"
    r"anyone there|disappoint\w*|annoy\w*|frustrat\w*|fed up|tired of|sick of|waste of|"
    r"ridiculous|in circles|not happy|not satisfied|unhappy|getting tired|seriously\?|"
    r"nobody did|never (arrived|came|called)|twice|three times|already (explained|asked|told|"
    r"written|wrote|called|sent)|came back|back again|happened again|recurring|on hold|"
    r"(\d+|several) (minutes|hours)|let down|letdown|underwhelm\w*|not (great|good|ok|okay))\b",
    # de
    r"\b(immer noch|noch immer|schon wieder|wieder (nicht|kein\w*|das|die|der|dasselbe)|"
    r"leider wieder|erneut|nochmal|ständig|jedes mal|jeden "
    r"(morgen|tag|monat)|(zweite|dritte|vierte)[ns]? mal|dreimal|seit (tagen|wochen|monaten)|seit "
    r"\w+ (tagen|wochen)|keine antwort|niemand|keiner|enttäuscht\w*|nervt|nervig|genervt|leid|"
    r"weiterhin|nicht zufrieden|unzufrieden|trotzdem nicht|ohne erfolg|schade|na toll|"
    r"so lange|erreicht man nie|nie jemanden|zweimal|schon (erklärt|gefragt|geschrieben|"
    r"angerufen)|zum wiederholten mal|tritt wieder auf|warteschleife|seit \d+ (minuten|stunden)|"
    r"nicht (gut|toll|schön)|verzögert|ärgerlich)\b",
    # es
    r"\b(todavía|aún|sigue sin|sigo sin|sigue|otra vez|de nuevo|una vez más|cada (mañana|día|"
    r"mes|vez)|(segunda|tercera|cuarta) vez|tres veces|llevo (\w+ )?(días|semanas|meses)|hace "
    r"\w+ (días|semanas)|sin respuesta|no he recibido respuesta|nadie|decepcionad\w*|molest\w*|"
    r"hart[oa]|cansando|cansad[oa]|continúa|no estoy content\w*|y nada|tarda tanto|una pena|"
    r"dos veces|ya (lo )?he (explicado|preguntado|escrito|llamado)|(ha|han) vuelto a|volvió a|"
    r"en espera|llevo \d+ (minutos|horas)|desilusionad\w*|no es (bueno|normal)|retraso)\b",
    # fr
    r"\b(toujours pas|toujours|encore|à nouveau|de nouveau|une fois de plus|chaque (matin|jour|"
    r"mois|fois)|(deuxième|troisième|quatrième) fois|trois fois|depuis (des|\w+) (jours|"
    r"semaines|mois)|aucune réponse|personne|déçu\w*|agaçant|énervé\w*|marre|en avoir assez|"
    r"persiste|pas content\w*|sans succès|autant de temps|dommage|jamais joindre|deux fois|"
    r"déjà (expliqué|demandé|écrit|appelé)|revenue?|réapparu|en attente|depuis \d+ (minutes|"
    r"heures)|pas (terrible|top|normal)|retard)\b",
)
# Praise in a sentence that complains: "thanks for nothing", "oh great, … again".
_SARCASM = _any(
    r"\b(thanks for nothing|oh (great|wonderful|perfect|brilliant)|yeah right|just great|"
    r"love how|wow,? just wow)\b|/s\b",
    r"\b(danke für nichts|na toll|na super|ganz toll)\b",
    r"\b(gracias por nada|genial,|qué bien,)\b",
    r"\b(merci pour rien|génial,|super,? encore|bravo,? encore)\b",
)
_THANKS = _any(
    r"\b(thanks?|thank you|thx|ty|cheers|appreciate\w*|grateful)\b",
    r"\b(danke\w*|dank|vielen dank|bedanke)\b",
    r"\b(gracias|agradezco|agradecid[oa])\b",
    r"\b(mercis?|remercie\w*)\b",
)
# "Merci de résilier …" and "danke im Voraus für …" ask; they do not thank for anything done.
_POLITE_PLEASE = re.compile(r"(?i)\bmerci (de|d'|d’)\s*(\w+(er|ir|re)\b|m'|m’|nous|bien)")
# "works again", "läuft wieder", "gerne wieder": "again" that is good news.
_WORKS_AGAIN = _any(
    r"\b(works?|working|running|fine|back) again\b",
    r"\b(läuft|funktioniert|geht|klappt|gerne) wieder\b",
    r"\b(funciona|va) (de nuevo|otra vez)\b",
    r"\b(marche|fonctionne) (à nouveau|de nouveau|encore)\b",
)
_PRAISE = _any(
    r"\b(great|awesome|amazing|brilliant|excellent|perfect\w*|fantastic|wonderful|love|"
    r"impressed|star|superb|helpful|well done|good job|recommend|sorted|solved|fixed|works? "
    r"(now|perfectly|again|like a charm)|all good|did the trick|happy with|saved my|"
    r"much appreciated|friendly|great news|good news)\b",
    r"\b(super|toll|prima|klasse|perfekt|großartig|ausgezeichnet|hilfreich|gelöst|erledigt|"
    r"geklappt|klappt|funktioniert (jetzt|wieder|alles)|zufrieden|bestens|gefällt|empfehle|top|"
    r"einwandfrei|gerettet|gute nachrichten|freundlich)\b",
    r"\b(genial\w*|estupendo|excelente|perfecto|útil|resuelto|solucionado|funciona|encanta|"
    r"content[oa]|de diez|recomendaré|se agradece|amable|salvado|de maravilla|buenas noticias)\b",
    r"\b(génia\w*|parfait|formidable|excellent|utile|résolu|réglé|ça marche|fonctionne|adore|"
    r"bravo|ravie?|au top|top|recommanderai|apprécié|aimable|sauvé|à merveille|bonne nouvelle)\b",
)


@dataclass(frozen=True)
class Reading:
    label: str
    score: float
    valence: float
    cues: tuple[str, ...]


def _shouting(text: str) -> tuple[bool, bool]:
    """(the message is shouted, some words are in capitals for emphasis)."""
    letters = [c for c in text if c.isalpha()]
    caps_words = re.findall(r"\b[A-ZÄÖÜÉÈÀÑ]{3,}\b", text)
    ratio = sum(c.isupper() for c in letters) / len(letters) if letters else 0
    return len(letters) >= 12 and ratio > 0.6, bool(caps_words)


TRAINING_FILE = Path(__file__).with_name("sentiment_train.jsonl")
MODEL = Path(__file__).resolve().parent / "models" / "sentiment.npz"
LABELS = ("angry", "frustrated", "neutral", "positive")
# The development set written outside the project (its development part trains; the held-out
# part, by ``triage.evaluation.datasets.split_of``, only measures).
DEV_SET = Path("sentiment_dev") / "cases.jsonl"


def training_rows(data: Path | None = None, *, split_of=None) -> list[dict]:
    """The labelled messages shipped here, then (with ``data``, the folder of public sets, when
    it holds them) the rows of ``sentiment_dev`` that ``split_of`` puts in its development part."""
    with TRAINING_FILE.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    path = data / DEV_SET if data is not None else None
    if path is not None and path.is_file() and split_of is not None:
        with path.open(encoding="utf-8") as handle:
            rows += [
                row
                for row in (json.loads(line) for line in handle if line.strip())
                if split_of(row) == "dev" and row.get("sentiment") in LABELS
            ]
    return rows


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class TextModel:
    """A logistic regression over hashed n-grams (``triage.text.hashing``): the probability of
    each of ``LABELS``. Only the columns its training texts filled carry weights (the others'
    are zero), so it keeps those and their weights."""

    columns: np.ndarray  # sorted
    coef: np.ndarray  # (4, len(columns))
    intercept: np.ndarray  # (4,)

    def proba(self, text: str) -> np.ndarray:
        columns, values = hashing.row(text)
        at = np.searchsorted(self.columns, columns)
        known = at < len(self.columns)
        known[known] = self.columns[at[known]] == columns[known]
        scores = self.intercept + self.coef[:, at[known]].astype(np.float64) @ values[known]
        return softmax(scores)


def fit_text_model(texts: list[str], labels: list[str]) -> TextModel:
    features = hashing.matrix(texts)
    columns = np.unique(features.indices)
    regression = LogisticRegression(C=TEXT_C, solver="newton-cg", max_iter=3000)
    regression.fit(features[:, columns], labels)
    coef = np.zeros((len(LABELS), len(columns)), dtype=np.float32)
    intercept = np.full(len(LABELS), -30.0)  # a label without examples is never chosen
    for row, label in enumerate(regression.classes_):
        coef[LABELS.index(str(label))] = regression.coef_[row]
        intercept[LABELS.index(str(label))] = regression.intercept_[row]
    return TextModel(columns, coef, intercept)


# The text model's regularisation and the combination's (chosen by 10-fold cross-validation on the
# development rows among 0.3-10; see the README).
TEXT_C = 10.0
COMBINE_C = 10.0
# In the list of rules, the text model names a mood only when it is this sure.
MODEL_CONFIDENCE = 0.4


@dataclass(frozen=True)
class Cues:
    names: tuple[str, ...]
    hostile: int
    intensity: int
    frustration: int
    sarcasm: bool
    thanks: bool
    praise: bool
    valence: float
    interrobang: bool


_CUE_NAMES = (
    "swearing", "insult", "threat", "anger", "angry emoji", "shouting", "capitals", "!!!",
    "sarcasm", "frustration", "thanks", "praise",
)  # fmt: skip


def read_cues(text: str) -> Cues:
    valence = _analyzer().polarity_scores(text)["compound"] if text.strip() else 0.0
    cues = []
    hostile = 0
    for name, pattern in (
        ("swearing", _PROFANITY),
        ("insult", _INSULT),
        ("threat", _THREAT),
        ("anger", _ANGER),
        ("angry emoji", _ANGRY_EMOJI),
    ):
        if pattern.search(text):
            cues.append(name)
            hostile += 1
    shouting, emphasis = _shouting(text)
    if shouting:
        cues.append("shouting")
        hostile += 1
    intensity = 0
    if emphasis:
        cues.append("capitals")
        intensity += 1
    if re.search(r"[!?]{3,}|!!|\?!|!\?|\?\?", text):
        cues.append("!!!")
        intensity += 1
    sarcasm = bool(_SARCASM.search(text))
    complaint = _WORKS_AGAIN.sub(" ", text)
    frustration = (
        len(_FRUSTRATION.findall(complaint)) + bool(_FRUSTRATED_EMOJI.search(text)) + sarcasm
    )
    if sarcasm:
        cues.append("sarcasm")
    if frustration:
        cues.append("frustration")
    thanks = bool(_THANKS.search(_POLITE_PLEASE.sub(" ", text))) and not sarcasm
    praise = (bool(_PRAISE.search(text)) or bool(_POSITIVE_EMOJI.search(text))) and not sarcasm
    if thanks:
        cues.append("thanks")
    if praise:
        cues.append("praise")
    interrobang = "?!" in text or "!?" in text
    return Cues(
        tuple(cues), hostile, intensity, frustration, sarcasm, thanks, praise, valence, interrobang
    )


def _plain_thanks(cues: Cues) -> bool:
    return cues.thanks and not (cues.frustration or cues.intensity or cues.hostile)


def rule_label(cues: Cues, probabilities: np.ndarray) -> str:
    """The list of rules: hostility is angry, frustration frustrated, thanks without frustration
    positive; where no cue speaks, the text model when it is sure enough."""
    c = cues
    if c.hostile and not (c.praise and c.valence > 0.3 and not c.frustration):
        return "angry"
    if c.intensity and c.frustration and (c.valence <= -0.3 or c.interrobang):
        return "angry" if not c.thanks else "frustrated"
    if _plain_thanks(c):
        return "positive"  # a thank-you is never read as negative
    if c.frustration or (c.valence <= -0.6 and not c.thanks) or (c.intensity and c.valence < -0.2):
        return "frustrated"
    if c.thanks or c.praise or c.valence >= 0.6:
        return "positive"
    best = int(np.argmax(probabilities))
    if LABELS[best] != "neutral" and probabilities[best] < MODEL_CONFIDENCE:
        return "neutral"
    return LABELS[best]


def combined_features(cues: Cues, probabilities: np.ndarray, rule: str) -> np.ndarray:
    """What the combination reads: each cue, the valence (and its two sides), the rules' label and
    the text model's probabilities."""
    v = cues.valence
    return np.concatenate(
        [
            [1.0 if name in cues.names else 0.0 for name in _CUE_NAMES],
            [v, max(v, 0.0), min(v, 0.0)],
            [1.0 if rule == label else 0.0 for label in LABELS],
            probabilities,
        ]
    )


@dataclass(frozen=True)
class SentimentModel:
    """The text model and the combination of cues, rules and text model (a logistic regression
    over ``combined_features``; None: the rules' label stands)."""

    text: TextModel
    combine_coef: np.ndarray | None = None  # (4, features)
    combine_intercept: np.ndarray | None = None
    trained_on: frozenset[str] = frozenset()  # digests of the training messages

    def label(self, cues: Cues, probabilities: np.ndarray, rule: str) -> str:
        if self.combine_coef is None or self.combine_intercept is None:
            return rule
        scores = self.combine_coef @ combined_features(cues, probabilities, rule)
        return LABELS[int(np.argmax(scores + self.combine_intercept))]


def train(rows: list[dict], *, folds: int = 5) -> SentimentModel:
    """The text model on every row; the combination on each row's cues and the probabilities of a
    text model that did not learn that row (``folds``-fold), so it learns how far to trust the
    text model on messages it has not seen."""
    texts = [r["text"] for r in rows]
    labels = np.array([r["sentiment"] for r in rows])
    text = fit_text_model(texts, labels.tolist())
    held = np.zeros((len(rows), len(LABELS)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for fit, out in splitter.split(np.zeros(len(rows)), labels):
        model = fit_text_model([texts[i] for i in fit], labels[fit].tolist())
        held[out] = [model.proba(texts[i]) for i in out]
    features = []
    for message, probabilities in zip(texts, held, strict=True):
        cues = read_cues(message)
        rule = rule_label(cues, probabilities)
        features.append(combined_features(cues, probabilities, rule))
    combine = LogisticRegression(C=COMBINE_C, max_iter=3000).fit(np.array(features), labels)
    coef = np.zeros((len(LABELS), len(features[0])))
    intercept = np.full(len(LABELS), -30.0)
    for row, label in enumerate(combine.classes_):
        coef[LABELS.index(str(label))] = combine.coef_[row]
        intercept[LABELS.index(str(label))] = combine.intercept_[row]
    return SentimentModel(text, coef, intercept, frozenset(text_digest(t) for t in texts))


def save(model: SentimentModel, path: Path = MODEL) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        text_columns=model.text.columns.astype(np.int32),
        text_coef=model.text.coef.astype(np.float16),
        text_intercept=model.text.intercept,
        combine_coef=model.combine_coef,
        combine_intercept=model.combine_intercept,
        trained_on=np.array(sorted(model.trained_on)),
    )
    shipped_model.cache_clear()


@cache
def shipped_model() -> SentimentModel:
    """The model in ``models/sentiment.npz`` (built by ``manage.py train_sentiment``); without
    the file, one trained on the messages shipped here."""
    if not MODEL.is_file():
        return train(training_rows())
    data = np.load(MODEL)
    return SentimentModel(
        TextModel(data["text_columns"].astype(np.int64), data["text_coef"], data["text_intercept"]),
        data["combine_coef"],
        data["combine_intercept"],
        frozenset(str(d) for d in data["trained_on"]),
    )


def read_sentiment(text: str, *, model: SentimentModel | None = None) -> Reading:
    """The tone of ``text`` with the cues it was read from (``model``: another model, for
    cross-validation). Quoted lines (our earlier words a customer answers between theirs) are not
    the customer's tone and are not read."""
    text = without_quoted_lines(text)
    if not text.strip():
        return Reading("neutral", 0.0, 0.0, ())
    model = model or shipped_model()
    cues = read_cues(text)
    probabilities = model.text.proba(text)
    rule = rule_label(cues, probabilities)
    label = model.label(cues, probabilities, rule)
    if label in ("angry", "frustrated") and _plain_thanks(cues):
        label = rule  # a thank-you is never read as negative
    names = list(cues.names)
    if label != "neutral" and (label != rule or not names):
        names.append("text model")  # the label is not the rules' alone
    valence, frustration, hostile = cues.valence, cues.frustration, cues.hostile
    score = valence + 0.3 * (cues.thanks + cues.praise) - 0.25 * min(frustration, 2) - 0.4 * hostile
    if label == "neutral":
        score = max(-0.2, min(0.2, score))
    elif label in ("angry", "frustrated"):
        score = min(score, -0.1)
    else:
        score = max(score, 0.1)
    return Reading(label, round(max(-1.0, min(1.0, score)), 3), round(valence, 3), tuple(names))


def sentiment_of(text: str) -> str:
    return read_sentiment(text).label


SENTIMENT_RISK = {"angry": 0.6, "frustrated": 0.3, "neutral": 0.05, "positive": 0.0}


def sentiment_score(text: str) -> tuple[str, float]:
    """The label and a score in [-1, 1]: negative for angry and frustrated, positive for praise."""
    reading = read_sentiment(text)
    return reading.label, reading.score
