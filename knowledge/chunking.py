"""Split Markdown articles into chunks that keep their heading path."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHUNK_CHARS = 1200
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# A section for agents only: its heading says "(internal)" or starts with "Internal".
INTERNAL_HEADING = re.compile(r"^internal\b|\(internal\)\s*$|\[internal\]\s*$", re.IGNORECASE)
# A paragraph for agents only inside a public section: it starts with "Internal:".
INTERNAL_PARAGRAPH = re.compile(r"^\s*(?:>\s*)?internal\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Chunk:
    heading: str
    text: str
    internal: bool = False  # for agents: never shown to a draft engine or inserted in a reply


def chunk_markdown(title: str, body: str, *, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """One chunk per section (heading path "Title › Section"), long sections split on paragraphs."""
    path: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    current: list[str] = []

    def flush() -> None:
        text = "\n".join(current).strip()
        if text:
            sections.append(
                (
                    " › ".join([title, *path[1:]] if path and path[0] == title else [title, *path]),
                    [text],
                )
            )
        current.clear()

    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path[:] = path[: level - 1]
            path.append(match.group(2))
            continue
        current.append(line)
    flush()

    chunks: list[Chunk] = []
    for heading, (text,) in sections:
        section_internal = bool(INTERNAL_HEADING.search(heading.rsplit(" › ", 1)[-1]))
        public, internal = [], []
        for paragraph in re.split(r"\n\s*\n", text):
            (
                internal if section_internal or INTERNAL_PARAGRAPH.match(paragraph) else public
            ).append(paragraph)
        for part, is_internal in (("\n\n".join(public), False), ("\n\n".join(internal), True)):
            for piece in _split(part.strip(), max_chars) if part.strip() else []:
                chunks.append(Chunk(heading=heading[:300], text=piece, internal=is_internal))
    return chunks


def _split(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    buffer = ""
    for paragraph in re.split(r"\n\s*\n", text):
        while len(paragraph) > max_chars:  # one enormous paragraph: cut at a word boundary
            cut = paragraph.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            pieces.append(paragraph[:cut].strip())
            paragraph = paragraph[cut:].strip()
        if buffer and len(buffer) + len(paragraph) + 2 > max_chars:
            pieces.append(buffer)
            buffer = paragraph
        else:
            buffer = f"{buffer}\n\n{paragraph}" if buffer else paragraph
    if buffer:
        pieces.append(buffer)
    return [piece for piece in pieces if piece]
