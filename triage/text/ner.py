"""People's names and places in en/de/es/fr: a trained sequence tagger, one per language.

A linear-chain CRF (``python-crfsuite``) over word features: the word and its lower case, prefixes
and suffixes, its shape (``Xxxx``, ``xxxx``, ``dd``), its neighbours, whether a title ("Frau",
"Mr", "Sr.", "Mme") stands before it. Trained on public named-entity sets by one command
(``python manage.py train_ner``, reproducible: fixed data, fixed order, fixed settings) and stored
as small model files in ``triage/text/models/``:

- en: WNUT-17 (train, dev) and the Broad Twitter Corpus (train, dev), both CC BY 4.0, and wikigold
  (CC BY 4.0): tweets and web text, much of it lower case, and Wikipedia;
- de: GermEval 2014 (dev; its test part measures), CC BY 4.0 per its organisers;
- es: MEDDOCAN (train; clinical reports with synthetic names and street addresses), CC BY 4.0;
- fr: Europeana newspapers (CC0), 80 % by a hash of the text, the rest measures.

Customers write in lower case and in a hurry: a third of the training sentences are added again in
lower case, so context counts as well as capitals. Labels: person, location, organisation (kept so
that a brand is learnt as one, not as a person); the tagger reports people and places.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from pathlib import Path

import pycrfsuite

MODELS = Path(__file__).resolve().parent / "models"
LANGUAGES = ("en", "de", "es", "fr")
LABELS = {"person": "PER", "location": "LOC", "organisation": "ORG"}
TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)
_TITLES = frozenset(
    "mr mrs ms miss dr prof sir madam herr frau herrn hr fr dr. sr sra sr. sra. srta don doña d. "
    "dña m mme mlle me maître monsieur madame señor señora".split()
)


# First and family names from Faker's person providers (MIT): a word that is a known name is a
# strong hint, whatever the sentence. Many locales, because customers and newspapers name people
# from everywhere.
_NAME_LOCALES = (
    "de_DE", "de_AT", "de_CH", "en_US", "en_GB", "en_IE", "en_IN", "en_NG", "en_KE", "en_PK",
    "fr_FR", "fr_CH", "fr_QC", "fr_DZ", "es_ES", "es_MX", "es_AR", "es_CO", "es_CL", "it_IT",
    "pt_PT", "pt_BR", "nl_NL", "pl_PL", "tr_TR", "cs_CZ", "sv_SE", "da_DK", "ga_IE", "vi_VN",
    "yo_NG", "ig_NG", "ha_NG", "tw_GH", "zu_ZA", "id_ID", "ro_RO", "hu_HU", "hr_HR", "fi_FI",
)  # fmt: skip


def _latin(word: str) -> bool:
    return " " not in word and len(word) > 1 and all(c.isalpha() and ord(c) < 0x250 for c in word)


def name_pool() -> list[str]:
    """Names from everywhere, capitalised, for the training frames (sorted: reproducible)."""
    first, family = _name_lists()
    return sorted(n.capitalize() for n in first | family)


@lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, family names), lower case."""
    first: set[str] = set()
    family: set[str] = set()
    for locale in _NAME_LOCALES:
        try:
            provider = import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attribute, into in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("last_names", family),
        ):
            values = getattr(provider, attribute, ())
            if isinstance(values, (list, tuple, dict)):  # some locales compute theirs
                into.update(str(v).lower() for v in values if _latin(str(v)))
    return frozenset(first), frozenset(family)


def known_name(lower: str) -> bool:
    """A first or family name of the lists the taggers read."""
    first, family = _name_lists()
    return lower in first or lower in family


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    kind: str  # PER, LOC
    text: str


def tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in TOKEN.finditer(text)]


def _shape(word: str) -> str:
    shape = re.sub(r"[A-ZÀ-ÖØ-Þ]", "X", word)
    shape = re.sub(r"[a-zß-öø-ÿ]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1+", r"\1\1", shape)


def _word_features(word: str, prefix: str) -> dict[str, float | str]:
    lower = word.lower()
    first, family = _name_lists()
    return {
        f"{prefix}w": lower,
        f"{prefix}title": word[:1].isupper() and word[1:2].islower(),
        f"{prefix}upper": word.isupper() and len(word) > 1,
        f"{prefix}shape": _shape(word),
        f"{prefix}titleword": lower.rstrip(".") in _TITLES,
        f"{prefix}first": lower in first,
        f"{prefix}family": lower in family,
    }


def features(words: list[str]) -> list[dict]:
    first, family = _name_lists()
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        f: dict[str, float | str] = {
            "bias": 1.0,
            "w": lower,
            "p2": lower[:2],
            "p3": lower[:3],
            "s2": lower[-2:],
            "s3": lower[-3:],
            "s4": lower[-4:],
            "title": word[:1].isupper() and word[1:2].islower(),
            "upper": word.isupper() and len(word) > 1,
            "digit": any(c.isdigit() for c in word),
            "shape": _shape(word),
            "len": min(len(word), 8),
            "first": i == 0,
            "firstname": lower in first,
            "familyname": lower in family,
        }
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                f.update(_word_features(words[j], f"{offset}:"))
            else:
                f[f"{offset}:edge"] = True
        if i > 0:
            f["-1w|w"] = f"{words[i - 1].lower()}|{lower}"
        if i + 1 < len(words):
            f["w|+1w"] = f"{lower}|{words[i + 1].lower()}"
        out.append({k: v for k, v in f.items() if v not in (False, "")})
    return out


@lru_cache(maxsize=65536)
def _neighbour_items(word: str, prefix: str) -> tuple[tuple[str, float], ...]:
    return tuple(_crf_items([_kept(_word_features(word, prefix))])[0].items())


@lru_cache(maxsize=65536)
def _own_items(word: str) -> tuple[tuple[str, float], ...]:
    # the word's own features, as ``features`` gives them (position ones added by ``items``)
    own = features([word])[0]
    own = {k: v for k, v in own.items() if ":" not in k and k not in ("first",)}
    return tuple(_crf_items([own])[0].items())


def _kept(f: dict) -> dict:
    return {k: v for k, v in f.items() if v not in (False, "")}


def items(words: list[str]) -> list[dict]:
    """``_crf_items(features(words))``, from per-word parts computed once per word and process."""
    out = []
    lowered = [w.lower() for w in words]
    for i, word in enumerate(words):
        item = dict(_own_items(word))
        if i == 0:
            item["first"] = 1.0
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < len(words):
                item.update(_neighbour_items(words[j], f"{offset}:"))
            else:
                item[f"{offset}:edge"] = 1.0
        if i > 0:
            item[f"-1w|w={lowered[i - 1]}|{lowered[i]}"] = 1.0
        if i + 1 < len(words):
            item[f"w|+1w={lowered[i]}|{lowered[i + 1]}"] = 1.0
        out.append(item)
    return out


def _crf_items(feats: list[dict]) -> list[dict]:
    """pycrfsuite takes {name: value} with numeric values or {name=value: 1.0}."""
    items = []
    for f in feats:
        item = {}
        for key, value in f.items():
            if isinstance(value, bool):
                item[key] = 1.0
            elif isinstance(value, (int, float)):
                item[key] = float(value)
            else:
                item[f"{key}={value}"] = 1.0
        items.append(item)
    return items


@lru_cache(maxsize=4)
def _tagger(language: str) -> pycrfsuite.Tagger | None:
    path = MODELS / f"ner_{language}.crfsuite"
    if not path.is_file():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def forget() -> None:
    """Load the model files again on next use (after training)."""
    _tagger.cache_clear()


def available(language: str) -> bool:
    return _tagger(language) is not None


def entities(text: str, language: str) -> list[Entity]:
    """People (PER) and places (LOC) in ``text``, by the tagger of ``language`` (none when that
    language has no model)."""
    tagger = _tagger(language if language in LANGUAGES else "en")
    if tagger is None or not text.strip():
        return []
    out: list[Entity] = []
    for line_start, line in _lines(text):
        toks = tokens(line)
        if not toks:
            continue
        labels = tagger.tag(items([t[2] for t in toks]))
        out += _spans(line, line_start, toks, labels)
    return out


def _lines(text: str) -> Iterator[tuple[int, str]]:
    position = 0
    for line in text.split("\n"):
        yield position, line
        position += len(line) + 1


def _spans(
    line: str, offset: int, toks: list[tuple[int, int, str]], labels: list[str]
) -> list[Entity]:
    """The people and places of one line from its BIO labels."""
    out: list[Entity] = []
    current: list[int] | None = None
    kind = ""

    def close() -> None:
        if current is not None and kind in {"PER", "LOC"}:
            text = line[current[0] : current[1]]
            out.append(Entity(offset + current[0], offset + current[1], kind, text))

    for (start, end, _), label in zip(toks, labels, strict=True):
        tag, _, name = label.partition("-")
        if tag == "B" or (tag == "I" and (current is None or name != kind)):
            close()
            current, kind = [start, end], name
        elif tag == "I" and current is not None:
            current[1] = end
        else:
            close()
            current, kind = None, ""
    close()
    return out


# --- training -------------------------------------------------------------------------------


def bio(text: str, spans: list[dict]) -> tuple[list[str], list[str]]:
    """The words of a sentence and their BIO labels from character spans."""
    toks = tokens(text)
    labels = ["O"] * len(toks)
    for span in spans:
        label = LABELS.get(span.get("type", ""))
        if not label or span.get("nested"):
            continue  # a flat tagger learns the outer entity ("Universität Hamburg")
        inside = [i for i, (s, e, _) in enumerate(toks) if s >= span["start"] and e <= span["end"]]
        for n, i in enumerate(inside):
            labels[i] = ("B-" if n == 0 else "I-") + label
    return [t[2] for t in toks], labels


def held_out(text: str) -> bool:
    """A fixed fifth of a set without its own test part (by a hash of the text)."""
    return int(hashlib.sha256(("deskpilot-ner:" + text).encode()).hexdigest(), 16) % 5 == 0


# Which rows train each language's model (the rest of each file measures). A split named
# "<split>-hashed" (and the split "all") is divided by ``held_out``: GermEval's train part is not
# among the sets, so its dev part and four fifths of its test part train, and the other fifth of
# the test part measures.
TRAINING = {
    "en": [
        ("ner_en_wnut17/wnut17_en.jsonl", {"train", "dev"}),
        ("ner_en_btc/btc_en.jsonl", {"train", "dev"}),
        ("ner_en_wikigold/wikigold_en.jsonl", {"all"}),
    ],
    "de": [("pii_ner_de_germeval2014/germeval2014_de.jsonl", {"dev", "test-hashed"})],
    "es": [("ner_es_meddocan/meddocan_es.train.jsonl", {"train"})],
    "fr": [("ner_fr_europeana/europeana_bnf_fr.jsonl", {"all"})],
}
TESTING = {
    "en": [("ner_en_wnut17/wnut17_en.jsonl", {"test"}), ("ner_en_btc/btc_en.jsonl", {"test"})],
    "de": [("pii_ner_de_germeval2014/germeval2014_de.jsonl", {"test-hashed"})],
    "es": [("ner_es_meddocan/meddocan_es.dev.jsonl", {"dev"})],
    "fr": [("ner_fr_europeana/europeana_bnf_fr.jsonl", {"all"})],
}


def rows(data: Path, files: Iterable[tuple[str, set[str]]], *, test: bool) -> Iterator[dict]:
    for name, splits in files:
        path = data / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                split = row.get("split")
                hashed = f"{split}-hashed" in splits or (split == "all" and "all" in splits)
                if split not in splits and not hashed:
                    continue
                if hashed and held_out(row["text"]) != test:
                    continue
                yield row


# Support messages open with a greeting and close with a name; newspapers do not. Frames written
# here (no development text), filled with the names the training data itself marks as people, so
# that greetings and thanks are learnt as words and the name after them as a person.
FRAMES = {
    "en": [
        "Hi {n},",
        "Hello {n}",
        "Dear {n},",
        "Thanks {n}!",
        "Cheers, {n}",
        "Best regards,\n{n}",
        "Kind regards, {n}",
        "Thank you so much!",
        "Hi there,",
        "Good morning,",
        "My colleague {n} called you.",
        "I spoke to {n} yesterday.",
        "{n} here, quick question.",
        "The invoice shows the wrong VAT rate.",
        "Where is my refund?",
        "My router restarts every night.",
        "Sent from my phone",
        "Regards",
        "My flatmate {n} ordered it on my account.",
        "my brother {n} has the contract",
        "Your agent {n} promised me a refund.",
        "{n} in billing told me it was fixed.",
        "The driver, {n}, left it outside.",
        "the engineer ({n} I think) said the part is ordered",
        "Please ask {n} to call me back.",
        "My neighbour {n} took the parcel in.",
        "someone named {n} answered",
        "a guy called {n} came round",
        "The invoice should go to {n}, our accountant.",
        "Thanks to {n} from the chat, very helpful!",
    ],
    "de": [
        "Hallo {n},",
        "Guten Tag,",
        "Liebe Grüße\n{n}",
        "Viele Grüße, {n}",
        "Vielen Dank, {n}",
        "Servus {n},",
        "Meine Kollegin {n} hat angerufen.",
        "Ich heiße {n}.",
        "Mit freundlichen Grüßen\n{n}",
        "Wo bleibt meine Erstattung?",
        "Die Rechnung zeigt den falschen Betrag.",
        "Mein Router startet jede Nacht neu.",
        "Besten Dank im Voraus!",
        "Mein Mitbewohner {n} hat das bestellt.",
        "Ihr Kollege {n} hat mir das zugesagt.",
        "Der Fahrer ({n}, glaube ich) hat geklingelt.",
        "Ich habe gestern mit {n} telefoniert.",
        "meine Freundin {n} hat den Vertrag",
        "Der Techniker, {n}, war heute da.",
        "Die Rechnung bitte auf {n} ausstellen.",
        "Er hieß {n}, wenn ich mich richtig erinnere.",
        "Danke an {n} aus dem Chat!",
    ],
    "es": [
        "Hola {n},",
        "Buenas tardes,",
        "Muchas gracias, {n}",
        "Un saludo,\n{n}",
        "Saludos, {n}",
        "Mi compañera {n} llamó ayer.",
        "Me llamo {n}.",
        "Atentamente,\n{n}",
        "Hablé con {n} por teléfono.",
        "¿Dónde está mi reembolso?",
        "La factura tiene un importe incorrecto.",
        "El router se reinicia cada noche.",
        "mi cuñado {n} dice que su tarifa es más barata",
        "Mi novia {n} hizo el pedido con mi cuenta.",
        "Hablé con {n} por el chat ayer.",
        "El técnico ({n}) vino y no arregló nada.",
        "la chica del chat, {n}, me ayudó mucho",
        "La factura a nombre de {n}, por favor.",
        "mi prima {n} vive en otra ciudad",
        "el repartidor se llamaba {n}",
        "Gracias a {n} por su paciencia.",
    ],
    "fr": [
        "Bonjour {n},",
        "Salut {n} !",
        "Merci beaucoup, {n}",
        "Cordialement,\n{n}",
        "Bien à vous, {n}",
        "Ma collègue {n} a appelé hier.",
        "Je m'appelle {n}.",
        "J'ai parlé avec {n} au téléphone.",
        "Où en est mon remboursement ?",
        "La facture indique un mauvais montant.",
        "Ma box redémarre toutes les nuits.",
        "mon pote {n} m'a parrainé",
        "Ma copine {n} vous a appelé hier.",
        "Le technicien ({n}) est passé ce matin.",
        "Votre conseillère {n} m'avait promis un geste.",
        "J'ai eu {n} au téléphone la semaine dernière.",
        "le livreur s'appelait {n}",
        "La facture au nom de {n}, s'il vous plaît.",
        "Mon voisin {n} a récupéré le colis.",
        "Merci à {n} du service client !",
    ],
}


def _frame_sentences(
    language: str, people: list[str], generator: random.Random
) -> Iterator[tuple[list[str], list[str]]]:
    frames = FRAMES[language]
    everywhere = name_pool()
    for _ in range(60 * len(frames)):
        frame = generator.choice(frames)
        # half the names from the training data, half from everywhere (first, or first and last)
        if generator.random() < 0.5 and people:
            name = generator.choice(people)
        else:
            name = generator.choice(everywhere)
            if generator.random() < 0.4:
                name = f"{name} {generator.choice(everywhere)}"
        text = frame.replace("{n}", name)
        start = frame.find("{n}")
        spans = [{"start": start, "end": start + len(name), "type": "person"}] if start >= 0 else []
        words, labels = bio(text, spans)
        if generator.random() < 0.3:
            words = [w.lower() for w in words]
        yield words, labels


def train(language: str, data: Path, out: Path, *, iterations: int = 120) -> dict:
    """Train and save one language's tagger; returns what it was trained on."""
    trainer = pycrfsuite.Trainer(verbose=False)
    generator = random.Random(20261206)
    sentences = 0
    people: list[str] = []
    for row in rows(data, TRAINING[language], test=False):
        words, labels = bio(row["text"], row.get("spans", []))
        if not words:
            continue
        trainer.append(_crf_items(features(words)), labels)
        sentences += 1
        people += [
            row["text"][s["start"] : s["end"]]
            for s in row.get("spans", [])
            if s.get("type") == "person" and 2 < s["end"] - s["start"] < 30
        ]
        if generator.random() < 0.33:  # customers write in lower case too
            trainer.append(_crf_items(features([w.lower() for w in words])), labels)
    people = sorted(set(people))
    framed = 0
    for words, labels in _frame_sentences(language, people, generator):
        trainer.append(_crf_items(features(words)), labels)
        framed += 1
    trainer.set_params(
        {"c1": 0.15, "c2": 0.01, "max_iterations": iterations, "feature.minfreq": 2,
         "feature.possible_transitions": True}
    )  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    return {"language": language, "sentences": sentences, "framed": framed, "model": str(out)}


def measure(language: str, data: Path) -> dict:
    """Recall and precision of person and location spans (exact span) on the measuring rows."""
    counts = {k: [0, 0, 0] for k in ("PER", "LOC")}  # tp, predicted, gold
    for row in rows(data, TESTING[language], test=True):
        gold = {
            (s["start"], s["end"], LABELS[s["type"]])
            for s in row.get("spans", [])
            if LABELS.get(s.get("type")) in counts and not s.get("nested")
        }
        predicted = {(e.start, e.end, e.kind) for e in entities(row["text"], language)}
        for kind in counts:
            g = {x for x in gold if x[2] == kind}
            p = {x for x in predicted if x[2] == kind}
            counts[kind][0] += len(g & p)
            counts[kind][1] += len(p)
            counts[kind][2] += len(g)
    return {
        kind: {
            "precision": round(tp / pred, 4) if pred else None,
            "recall": round(tp / gold, 4) if gold else None,
            "support": gold,
        }
        for kind, (tp, pred, gold) in counts.items()
    }
