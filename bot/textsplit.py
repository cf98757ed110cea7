"""Split long texts for channels with a message size limit, never mid-line if avoidable."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Cut at line breaks, then sentence ends, then spaces; a hard cut is the last resort."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for sep, piece in _pieces(text, limit):
        candidate = f"{current}{sep}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            if current.strip():
                chunks.append(current)
            current = piece
    if current.strip():
        chunks.append(current)
    return chunks


def _pieces(text: str, limit: int) -> list[tuple[str, str]]:
    """(separator before the piece, piece) with every piece at most `limit` long."""
    out: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if len(line) <= limit:
            out.append(("\n", line))
            continue
        sep = "\n"
        for sentence in _SENTENCE_END.split(line):
            while len(sentence) > limit:
                cut = sentence.rfind(" ", 0, limit + 1)
                cut = cut if cut > limit // 2 else limit
                out.append((sep, sentence[:cut].rstrip()))
                sep = " "
                sentence = sentence[cut:].lstrip()
            out.append((sep, sentence))
            sep = " "
    return out
