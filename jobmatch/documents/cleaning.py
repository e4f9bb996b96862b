"""Text repairs shared by every format: what PDF and Word exports do to words and lines."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c]")
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Undecodable glyphs (pdfminer's "(cid:N)"), control characters, zero-width characters.
_JUNK = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\ufffd]")
# Symbols used as list bullets, including the private-use code points of the Symbol and
# Wingdings fonts that Word exports keep (U+F0B7 is Word's default bullet).
_BULLET_SYMBOLS = (
    "•◦▪▫■□●○◆◇♦❖⋄◊►▶▸‣⁃∙·➢➣➤➔→✓✔✗\uf0b7\uf0a7\uf0a8\uf0d8\uf0d9\uf076\uf0fc\uf0e8\uf06e\uf0a4"
)
# A bullet at a line start; an undecodable glyph there ("(cid:127)") is one too.
_BULLET = re.compile(
    rf"^ *(?:(?:[{_BULLET_SYMBOLS}]|\(cid:\d+\))[ {_BULLET_SYMBOLS}]*|[-–—*] +)", re.MULTILINE
)
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# Three or more single characters separated by single spaces: "D A T A" (a wider gap ends it).
_LETTER_RUN = re.compile(r"(?<!\S)\S(?: \S){2,}(?!\S)")
# Two single characters between wider gaps ("D u  0 9 / 0 2"), joined on letter-spaced lines.
_LETTER_PAIR = re.compile(r"(?:^|(?<=  ))(\S) (\S)(?=  |$)")
_SOFT_HYPHEN_BREAK = re.compile("\u00ad *\n *")
# A word cut by a hyphen at a line end: letters, "-", line break, letters.
_BROKEN_WORD = re.compile(r"([^\W\d_]+)- *\n *([^\W\d_]+)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _byte_of() -> dict[str, int]:
    """Map each character that cp1252 (or Latin-1, for the C1 controls) gives a high byte."""
    table = {chr(byte): byte for byte in range(0x80, 0x100)}
    for byte in range(0x80, 0xA0):
        try:
            table[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            continue
    return table


_BYTE_OF = _byte_of()


def _char_class(low: int, high: int) -> str:
    return "".join(re.escape(ch) for ch, byte in _BYTE_OF.items() if low <= byte <= high)


_CONTINUATION = f"[{_char_class(0x80, 0xBF)}]"
# A UTF-8 lead byte and its continuation bytes, decoded one byte per character.
_MOJIBAKE = re.compile(
    f"[{_char_class(0xC2, 0xDF)}]{_CONTINUATION}"
    f"|[{_char_class(0xE0, 0xEF)}]{_CONTINUATION}{{2}}"
    f"|\u00f0{_CONTINUATION}{{3}}"
)


# "Â" standing alone: what is left of a no-break space (C2 A0) decoded as cp1252.
_LONE_A_CIRCUMFLEX = re.compile(r"(?<!\S)Â+(?!\S)")


def _decode_mojibake(match: re.Match[str]) -> str:
    raw = bytes(_BYTE_OF[ch] for ch in match.group())
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 or Latin-1 ("Ã©" → "é", "â€¢" → "•").

    Only complete, valid UTF-8 byte sequences are decoded, which real text never spells out
    with these characters, so correct text is left alone. A lone ``"Â"`` (what remains of a
    no-break space) is dropped, and ``"â¢"`` (a bullet missing its middle byte) becomes ``"•"``.
    """
    text = _MOJIBAKE.sub(_decode_mojibake, text).replace("â¢", "•")
    return _LONE_A_CIRCUMFLEX.sub("", text)


def _join_run(match: re.Match[str]) -> str:
    run = match.group()
    return run.replace(" ", "") if sum(ch.isalnum() for ch in run) >= 3 else run


def join_letter_spacing(line: str) -> str:
    """Rejoin letter-spaced words: ``"D A T A  S C I E N C E"`` → ``"DATA SCIENCE"``.

    Runs of three or more single characters separated by single spaces (and holding at least
    three letters or digits) are joined; a wider gap separates two words. On a line where
    such a run was joined, two single characters between wider gaps are joined too
    (``"D u  0 9 / 0 2 / 2 0 2 6"`` → ``"Du 09/02/2026"``). A leading ``"- "`` bullet is
    kept apart.
    """
    prefix = "- " if line.startswith("- ") else ""
    body = line[len(prefix) :]
    joined = _LETTER_RUN.sub(_join_run, body)
    if joined != body:
        joined = _LETTER_PAIR.sub(r"\1\2", joined)
    return prefix + joined


def repair_hyphenation(text: str) -> str:
    """Join words cut by a hyphen at a line end: ``"develop-\nment"`` → ``"development"``.

    The hyphen is kept (only the line break goes) when the next line starts with a capital
    (``"Saint-\nÉtienne"``), or when the document itself shows it is a compound: the
    hyphenated form, or its second part as a word of three letters or more, appears elsewhere
    in the text (``"cloud-\nnative"`` next to ``"cloud-native"`` or ``"native"``).
    """
    vocabulary: set[str] = set()
    for word in _WORD.findall(_BROKEN_WORD.sub(" ", text).lower()):
        vocabulary.add(word)
        vocabulary.update(word.split("-"))

    def join(match: re.Match[str]) -> str:
        first, second = match.groups()
        compound = f"{first}-{second}"
        known = compound.lower() in vocabulary or (
            len(second) >= 3 and second.lower() in vocabulary
        )
        return compound if second[0].isupper() or known else first + second

    return _BROKEN_WORD.sub(join, text)


def clean_text(text: str) -> str:
    """Repair and normalise text extracted from a document.

    Repairs mojibake (:func:`repair_mojibake`), ligatures, letter-spaced words
    (:func:`join_letter_spacing`) and words hyphenated at a line end
    (:func:`repair_hyphenation`); turns list bullets at a line start into
    ``"- "``; drops undecodable glyphs, control and zero-width characters; collapses runs of
    spaces and keeps at most one blank line between paragraphs.

    Args:
        text: Raw text; word gaps wider than one space mark word boundaries inside
            letter-spaced runs.

    Returns:
        The clean text, without leading or trailing whitespace.
    """
    text = repair_mojibake(text)
    text = _LINE_BREAKS.sub("\n", text)
    text = unicodedata.normalize("NFC", text).translate(_LIGATURES)
    text = _BULLET.sub("- ", _SPACES.sub(" ", text))
    text = _JUNK.sub("", text)
    text = _PRIVATE_USE.sub("", text)
    text = "\n".join(join_letter_spacing(line.strip(" ")) for line in text.split("\n"))
    text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\u00ad", "")
    text = repair_hyphenation(text)
    text = re.sub(r" {2,}", " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
