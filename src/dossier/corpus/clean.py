"""Remove text that is not the article, and record every removal.

Extractors leave page furniture in the text: the headline again, bylines, photo credits,
site footers, promos, link bars, "share your thoughts in the comments". Cleaning removes
such paragraphs and records each one as a `Removal`, so nothing disappears silently.

The rule that shapes everything here: never remove article body. A leftover footer costs
little; a lost sentence loses evidence. So every noise rule is anchored: the whole paragraph
must be short and match the pattern, never "contains a word". Patterns cover English and
Spanish and run whatever the article's language (outlets mix them).

Two levels, like the rest of dossier:
- `clean_article` works on one article alone (headline, byline, credits, prompts ...);
- `learn_repeated_lines` / `remove_learned_lines` find an outlet's own boilerplate
  (footers, promos) from many of its articles, which no fixed pattern can know.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from dossier.model import Removal

# Reasons (the fixed vocabulary of Removal.reason).
REPEATED_HEADLINE = "repeated headline"
BYLINE = "byline"
PHOTO_CREDIT = "photo credit"
CAPTION = "caption"
FOOTER = "footer"
CROSS_PROMOTION = "cross-promotion"
LINK_BAR = "link bar"
NEWSLETTER_PROMPT = "newsletter prompt"
ADVERTISEMENT = "advertisement"
READ_MORE = "read more"
TAG_LINE = "tag line"
WIDGET = "widget"
COMMENT_PROMPT = "comment prompt"
SHARE_PROMPT = "share prompt"
FOLLOW_PROMPT = "follow prompt"
NAVIGATION = "navigation"
REPEATED_ACROSS_OUTLET = "repeated across outlet"

REASONS = frozenset(
    {
        REPEATED_HEADLINE, BYLINE, PHOTO_CREDIT, CAPTION, FOOTER, CROSS_PROMOTION, LINK_BAR,
        NEWSLETTER_PROMPT, ADVERTISEMENT, READ_MORE, TAG_LINE, WIDGET, COMMENT_PROMPT,
        SHARE_PROMPT, FOLLOW_PROMPT, NAVIGATION, REPEATED_ACROSS_OUTLET,
    }
)

# Paragraphs longer than this are never tested against noise patterns: noise is short.
MAX_NOISE_CHARS = 240
# A caption or a "question + prompt" paragraph may be a little longer.
MAX_CAPTION_CHARS = 400
MAX_PROMPT_CHARS = 400
# Headlines and bylines are looked for only among the first paragraphs.
TOP_ZONE = 8


@dataclass
class CleanResult:
    text: str  # cleaned body, paragraphs separated by "\n\n", no leading/trailing whitespace
    title: str | None  # the title (the given one, or None)
    author: str | None  # from a byline found in the text, else the given author
    removed: list[Removal] = field(default_factory=list)  # every removed piece, in order


# --------------------------------------------------------------------------------------
# Paragraph normalisation
# --------------------------------------------------------------------------------------

_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_SENTENCE_END = re.compile(r"""[.!?:;…"'”’»)\]]$""")


def normalize_paragraphs(text: str) -> str:
    """Unify newlines, strip each line, and return paragraphs separated by one blank line.

    Every non-empty line is a paragraph, except in hard-wrapped text (fixed-width e-mail or
    wire copy), where the lines of one block are joined with a space: there a newline is
    layout, not structure.
    """
    if any(c in text for c in "\r\u2028\u2029\x85\x0b\x0c"):  # the pattern's characters: most texts have none
        text = _NEWLINES.sub("\n", text)
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln if ln.strip(_INVISIBLE).strip() else "" for ln in lines]
    blocks = _blocks(lines)
    width = _wrap_width(blocks)
    paragraphs: list[str] = []
    for block in blocks:
        if width and _block_is_wrapped(block, width):
            paragraphs.append(_join_wrapped(block))
        else:
            paragraphs.extend(block)
    return "\n\n".join(paragraphs)


def _blocks(lines: list[str]) -> list[list[str]]:
    """Group non-empty lines into blocks separated by blank lines."""
    blocks: list[list[str]] = [[]]
    for ln in lines:
        if ln:
            blocks[-1].append(ln)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _wrap_width(blocks: list[list[str]]) -> int:
    """The wrap width if the text is hard-wrapped, else 0.

    Hard-wrapped: most lines that are not the last of their block reach close to the
    widest, end mid-sentence, and are continued by a line starting in lower case. Text with
    one paragraph per line fails the first two; lists and tables of short lines the last.
    """
    pairs = [(b[i], b[i + 1]) for b in blocks for i in range(len(b) - 1)]
    if len(pairs) < 3:
        return 0
    width = max(len(line) for line, _ in pairs)
    if not 40 <= width <= 160:
        return 0
    near_width = sum(1 for line, _ in pairs if len(line) >= 0.7 * width)
    mid_sentence = sum(1 for line, _ in pairs if not _SENTENCE_END.search(line))
    continued = sum(1 for _, nxt in pairs if nxt[:1].islower())
    n = len(pairs)
    if near_width >= 0.8 * n and mid_sentence >= 0.6 * n and continued >= 0.4 * n:
        return width
    return 0


def _block_is_wrapped(block: list[str], width: int) -> bool:
    """A block is one wrapped paragraph when all its lines but the last reach near the width."""
    return len(block) > 1 and all(len(ln) >= 0.7 * width for ln in block[:-1])


def _join_wrapped(block: list[str]) -> str:
    """Join wrapped lines with a space; a word hyphenated at the wrap keeps its hyphen, no space."""
    out = block[0]
    for ln in block[1:]:
        if re.search(r"\w-$", out) and ln[:1].islower():
            out += ln
        else:
            out += " " + ln
    return out


# --------------------------------------------------------------------------------------
# Anchored noise patterns: (pattern, reason). Each must match a whole short paragraph.
# --------------------------------------------------------------------------------------

_AGENCY = r"(?:Getty Images|Getty|AFP|AP|Reuters|EFE|EPA|Shutterstock|iStock(?:photo)?|Cuartoscuro|Bloomberg|Xinhua|NurPhoto|Sipa|Alamy|dpa|ANSA|Europa Press)"
_PHOTO_WORD = r"(?:photo(?:graph)?s?|image(?:s)?|picture|pic|foto(?:grafía)?s?|imagen(?:es)?|ilustración|illustration|video)"
_CREDIT_WORD = r"(?:credits?|crédito?s?|source|fuente|by|de|por|courtesy(?: of)?|cortesía(?: de)?)"

_NOISE_TABLE: list[tuple[str, str]] = [
    # footers: copyright notices
    (r"(?:copyright\s*(?:©|\(c\))?|©|\(c\))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)(?:\s.{0,200})?", FOOTER),
    (r"©\s*[^.!?]{1,60}\b\d{4}\b.{0,160}", FOOTER),
    (r"(?:.{0,160}?(?:[.,;|©]\s*|\d{4}\s+))?(?:all rights reserved|(?:todos los )?derechos reservados)\.?(?:\s.{0,160})?", FOOTER),
    (r"this material may not be published, broadcast, rewritten,? or redistributed\.?", FOOTER),
    (r"(?:queda )?prohibida (?:la|su) reproducción (?:total o parcial)?.{0,160}", FOOTER),
    # photo credits
    (r"(?:©|\(c\))\s*[^.!?]{1,80}", PHOTO_CREDIT),
    (r"[(\[]?(?:(?:main|cover|top|featured|header|lead)\s+)?" + _PHOTO_WORD + r"(?:\s+" + _CREDIT_WORD + r")?\s*[:|]\s*[^!?]{1,100}[)\]]?", PHOTO_CREDIT),
    (r"[(\[]?(?:credits?|crédito?s?)\s*:\s*[^!?]{1,100}[)\]]?", PHOTO_CREDIT),
    (r"[(\[]?" + _PHOTO_WORD + r"\s+(?:by|de|por|courtesy(?: of)?|cortesía(?: de)?)\s+[^.!?]{1,80}(?:\s+(?:on|via|en|vía)\s+[^.!?]{1,40})?[)\]]?", PHOTO_CREDIT),
    (r"\((?:" + _AGENCY + r"\s+)?" + _PHOTO_WORD + r"\s*/\s*[^()]{1,100}\)", PHOTO_CREDIT),
    (r"[^.!?/]{1,80}\s*/\s*" + _AGENCY + r"(?:\s+(?:via|vía)\s+" + _AGENCY + r")?", PHOTO_CREDIT),
    (r"(?:Getty Images|Shutterstock|iStock(?:photo)?|Getty Images/iStockphoto)", PHOTO_CREDIT),
    # advertisements
    (r"(?:advertisement|advertising|ad|sponsored(?: content)?|paid content|publicidad|anuncio|contenido patrocinado|patrocinado)"
     r"(?:\s*[-–—:]?\s*(?:scroll|continue|continúa|sigue)\b.{0,40})?", ADVERTISEMENT),
    (r"(?:story|article|text) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?|continue reading (?:below|the main story)"
     r"|scroll (?:down )?to continue(?: reading| with content)?|(?:la nota|el artículo|la noticia) (?:continúa|sigue) (?:abajo|después de la publicidad)"
     r"|continúa (?:leyendo )?después de la publicidad", ADVERTISEMENT),
    # read more
    (r"(?:read more|read the full (?:story|article)|continue reading|keep reading|click here to read more|lee más|leer más|sigue leyendo|seguir leyendo|ver más|see more)"
     r"(?:\s*(?:here|aquí))?(?:\s*[:\-–—»›→…]+\s*[^\n]{0,160}|\s*[.!»›→…]*)", READ_MORE),
    # cross-promotion and related links
    (r"for more\b.{0,80}\blike this\b.{0,80}", CROSS_PROMOTION),
    (r"(?:read|find|get|see|discover) (?:more|other) (?:stories|news|articles|coverage) like this\b.{0,80}", CROSS_PROMOTION),
    (r"(?:related|related (?:stories|articles|content|coverage|news|links|reading)|more (?:stories|news|coverage) from [\w .'’-]{1,40}|see also|also read|read also|also see"
     r"|don'?’?t miss|you (?:may|might) also like|recommended(?: (?:stories|videos|for you|reading))?|trending(?: now)?|most (?:read|popular)|top stories|latest news"
     r"|lee también|lea también|te puede interesar|también te puede interesar|te recomendamos|notas relacionadas|relacionad[oa]s?|noticias relacionadas|ver también|mira también|no te pierdas|lo más leído)"
     r"(?:\s*[:|\-–—»]+\s*[^\n]{0,180}|\s*[.!»]*)", CROSS_PROMOTION),
    (r"(?:download|get) our (?:free )?(?:mobile )?app\b.{0,100}|descarga nuestra app\b.{0,100}", CROSS_PROMOTION),
    # newsletter and subscribe prompts
    (r"(?:sign up|subscribe|register|suscríbete|suscribete|regístrate|registrate|inscríbete|(?:get|recibe) (?:the|our|nuestro|nuestra|el|la|los|las))\b.{0,80}\b(?:newsletters?|boletín|boletines|inbox|bandeja de entrada|daily briefing|email alerts?)\b.{0,120}", NEWSLETTER_PROMPT),
    (r"(?:subscribe|suscríbete|suscribete)(?: (?:now|today|here|ahora|aquí|gratis))?[.!]*", NEWSLETTER_PROMPT),
    (r"(?:subscribe|suscríbete|suscribete) (?:to|a) (?:our|nuestro|nuestra|nuestros|nuestras)\b.{0,80}", NEWSLETTER_PROMPT),
    # tag and region lines
    (r"(?:regions?|región|regiones|tags?|tagged(?: with| in)?|topics?|filed under|etiquetas?|temas?|keywords|palabras clave|categories|categorías)\s*:\s*[^.!?]{1,150}", TAG_LINE),
    # widgets
    (r"(?:disqus|facebook|twitter|instagram|youtube|tiktok|comments?|comentarios)\s+(?:content\s+)?(?:widget|plugin|embed)\W*", WIDGET),
    (r"(?:loading|view|show|hide|read) (?:all )?comments?\W*|(?:cargando|ver|mostrar|leer) (?:los )?comentarios\W*|\d+\s+(?:comments?|comentarios)|comments?\s*\(\d+\)", WIDGET),
    # comment prompts (a whole paragraph; questions before a prompt are handled separately)
    (r"(?:comments?|comentarios|leave a comment|deja (?:tu|un) comentario|make a comment|post a comment|add a comment)\W*", COMMENT_PROMPT),
    # share and follow prompts
    (r"(?:share|share this(?: (?:article|story|post|page|video))?|share on (?:facebook|twitter|x|whatsapp|linkedin)|share via [\w ]{1,20}"
     r"|compartir|comparte(?: (?:esta|este) (?:nota|artículo|noticia|historia))?)(?:\s*(?:on|en|:)\s*[\w ,|]{0,60})?\W*", SHARE_PROMPT),
    (r"(?:(?:facebook|twitter|x|whatsapp|linkedin|e-?mail|correo|telegram|pinterest|reddit|copy link|copiar enlace|print|imprimir|messenger|flipboard|threads|bluesky)[\s,|·•/]*){2,}", SHARE_PROMPT),
    (r"(?:follow (?:us|me|@[\w.]+|(?-i:[A-Z][\w.]*(?: [A-Z][\w.]*){0,3})) on (?:twitter|x|facebook|instagram|tiktok|threads|linkedin|youtube|google news|bluesky)|síguenos en)\b.{0,120}", FOLLOW_PROMPT),
    # navigation left by extractors
    (r"skip to (?:main )?(?:content|navigation)(?:skip to (?:main )?(?:content|navigation))*|back to top|volver arriba|ir al contenido(?: principal)?", NAVIGATION),
]

# The same table as one alternation (group n is row n), so a paragraph costs one match call.
_NOISE_ANY = re.compile("|".join(f"(?P<r{i}>{pattern})" for i, (pattern, _) in enumerate(_NOISE_TABLE)), re.IGNORECASE)
_NOISE_REASON = {f"r{i}": reason for i, (_, reason) in enumerate(_NOISE_TABLE)}

# A caption: a short paragraph that ends with a photo credit.
_CAPTION_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r".{20,}\s[(\[](?:" + _AGENCY + r"\s+)?" + _PHOTO_WORD + r"\s*[/:]\s*[^()\[\]]{1,100}[)\]]", re.IGNORECASE),
    re.compile(r".{20,}[.)]\s+(?:" + _PHOTO_WORD + r"(?:\s+" + _CREDIT_WORD + r")?|credits?|crédito)\s*:\s*[^.!?]{1,80}", re.IGNORECASE),
    re.compile(r".{20,}[.)]\s+[^.!?/]{1,60}\s*/\s*" + _AGENCY + r"(?:\s+via\s+" + _AGENCY + r")?", re.IGNORECASE),
    re.compile(r"(?:caption|pie de foto)\s*:.{1,300}", re.IGNORECASE),
]

CAPTION_TAIL = 130
# Words without which a paragraph cannot be a reader prompt (a cheap first test).
_PROMPT_HINTS = ("comment", "coment", "opini", "thoughts", "newsletter", "boletín", "inbox")
# Prompt sentences that may follow questions addressed to readers.
_PROMPT_SENTENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(
        r"(?:please\s+)?(?:share|tell us|leave|post|drop|give us)\s+(?:us\s+)?(?:your|us your)\s+(?:thoughts|opinions?|comments?|views|take)"
        r"(?:\s+(?:with us|below))?(?:\s+(?:in|on)\s+the\s+comments?(?:\s+section)?(?:\s+below)?)?[.!]*"
        r"|let us know(?:\s+(?:what you think|your thoughts))?\s+(?:in the comments?(?:\s+section)?(?:\s+below)?|below)[.!]*"
        r"|(?:leave|add|post|write) a comment(?: below)?[.!]*|comment below[.!]*|sound off in the comments(?: below)?[.!]*"
        r"|join the (?:conversation|discussion)(?: below| in the comments)?[.!]*"
        r"|¡?(?:comparte|déjanos|dejanos|danos|deja|cuéntanos|cuentanos|escríbenos)\s+(?:tu|tus|su|un)\s+(?:opinión|opinion|comentarios?|punto de vista)"
        r"(?:\s+(?:en|con|abajo)\b[^.!?]{0,60})?[.!]*"
        r"|¡?(?:cuéntanos|cuentanos|déjanos saber|dinos)\s+en\s+los\s+comentarios[^.!?]{0,40}[.!]*",
        re.IGNORECASE), COMMENT_PROMPT),
    (re.compile(r"(?:sign up|subscribe|suscríbete|suscribete|regístrate)\b.{0,80}\b(?:newsletters?|boletín|inbox)\b.{0,160}", re.IGNORECASE),
     NEWSLETTER_PROMPT),
]

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")

# Byline pieces.
_BYLINE_START = re.compile(r"(?:(?:written|reported|text|story|words)\s+)?(?:by|por)\s*:?\s+(?P<rest>.+)", re.IGNORECASE)
_AFFILIATION_SPLIT = re.compile(r"\s+[|—–/·]\s+|\s+-\s+|\s+in\s+(?=[A-Z])")
_NAME_SPLIT = re.compile(r"\s*,\s*|\s+(?:and|y|e|&)\s+")
_NAME_TOKEN = re.compile(r"(?:[A-ZÁÉÍÓÚÑÜÀÈÌÒÙÇÄËÏÖ][\w'’.\-]*|[A-Z]\.)")
_NAME_PARTICLES = frozenset("de del la las los van von der den da di du le bin al el dos das do ter".split())
_NOT_NAME_TOKENS = frozenset("the a an this that our my your his her its their staff".split())
_AFFILIATION = re.compile(
    r"\b(?:associated press|ap|reuters|afp|efe|bloomberg|press|news|times|post|journal|daily|agency|agencia|staff|writers?|reporters?|"
    r"correspondents?|corresponsal(?:es)?|editors?|redacción|redaccion|contributors?|colaborador(?:es)?|cnn|bbc|magazine|tribune|herald|el universal|milenio)\b",
    re.IGNORECASE,
)

# Headline comparison: all quote marks alike, dashes alike, case and trailing punctuation ignored.
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'", "“": "'", "”": "'", "„": "'", "«": "'", "»": "'", '"': "'",
                         "–": "-", "—": "-", "‐": "-", "‑": "-"})
_TRAILING_PUNCT = " .!?:;,…-'"
MAX_HEADLINE_CHARS = 300
_SITE_SUFFIX = re.compile(r"\s+[|\-]\s+[^|\-]{1,60}$")
_LINK_BAR_SPLIT = re.compile(r"\s*[|•·]\s*")


# --------------------------------------------------------------------------------------
# One article
# --------------------------------------------------------------------------------------


def clean_article(text: str, title: str | None = None, author: str | None = None, lang: str | None = None) -> CleanResult:
    """Normalize paragraphs, then remove noise paragraphs and record each removal.

    `lang` is accepted for the pipeline's sake but not used: English and Spanish patterns
    both run, since outlets mix languages in their furniture.
    """
    paragraphs = [p for p in normalize_paragraphs(text).split("\n\n") if p]
    reasons, found_author = _classify(paragraphs, title)
    _mark_caption_twins(paragraphs, reasons)
    kept = [p for p, r in zip(paragraphs, reasons) if r is None]
    removed = [Removal(text=p, reason=r) for p, r in zip(paragraphs, reasons) if r is not None]
    return CleanResult(text="\n\n".join(kept), title=title, author=found_author or author, removed=removed)


def _classify(paragraphs: list[str], title: str | None) -> tuple[list[str | None], str | None]:
    """The removal reason of each paragraph (None: keep), and the author a byline names."""
    headline = _headline_key(title) if title else _first_headline_key(paragraphs)
    keep_first = title is None  # without a title, the first copy of the headline stays as text
    reasons: list[str | None] = []
    found_author: str | None = None
    after_byline = False
    for i, para in enumerate(paragraphs):
        in_top = i < TOP_ZONE
        if in_top and headline and _headline_matches(para, headline) and not (keep_first and i == 0):
            reason: str | None = REPEATED_HEADLINE
        elif in_top and (byline := _byline_author(para)) is not None:
            reason = BYLINE
            found_author = found_author or byline or None
        elif after_byline and _is_affiliation(para):
            reason = BYLINE  # "By JANE DOE" then "Associated Press" on its own line
        else:
            reason = noise_reason(para)
        after_byline = reason == BYLINE and not _is_affiliation(para)
        reasons.append(reason)
    return reasons, found_author


def _mark_caption_twins(paragraphs: list[str], reasons: list[str | None]) -> None:
    """A paragraph next to a caption that is that caption without its credit is the caption too.

    Pages often give the caption twice, once as image alt text and once with the credit.
    """
    for i, reason in enumerate(reasons):
        if reason != CAPTION:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(paragraphs) and reasons[j] is None:
                twin = paragraphs[j]
                if len(twin) >= 20 and paragraphs[i].startswith(twin) and len(paragraphs[i]) - len(twin) <= CAPTION_TAIL:
                    reasons[j] = CAPTION


def noise_reason(paragraph: str) -> str | None:
    """Why this paragraph, on its own, is noise; None when it may be article text."""
    if len(paragraph) <= MAX_NOISE_CHARS:
        m = _NOISE_ANY.fullmatch(paragraph)
        if m:
            return _NOISE_REASON[m.lastgroup]
        if _is_link_bar(paragraph):
            return LINK_BAR
    if len(paragraph) <= MAX_CAPTION_CHARS and _is_caption(paragraph):
        return CAPTION
    if len(paragraph) <= MAX_PROMPT_CHARS:
        lowered = paragraph.lower()
        if any(hint in lowered for hint in _PROMPT_HINTS):
            return _reader_prompt(paragraph)
    return None


def _is_caption(paragraph: str) -> bool:
    """A paragraph that ends with a photo credit (checked on its tail: credits are short)."""
    tail = paragraph[-CAPTION_TAIL:]
    if "/" not in tail and ":" not in tail and not paragraph.lower().startswith(("caption", "pie de foto")):
        return False
    return any(p.fullmatch(paragraph) for p in _CAPTION_PATTERNS)


def _reader_prompt(paragraph: str) -> str | None:
    """A prompt to readers, possibly after questions addressed to them.

    "What do you think? Let us know in the comments." goes whole: every sentence is either
    a question or the prompt. A paragraph with any statement in it is body and stays.
    """
    sentences = [s for s in _SENTENCE_SPLIT.split(paragraph) if s]
    if not sentences or len(sentences) > 4:
        return None
    *before, last = sentences
    for pattern, reason in _PROMPT_SENTENCES:
        if pattern.fullmatch(last):
            if all(s.endswith("?") for s in before):
                return reason
            return None
    return None


def _is_link_bar(paragraph: str) -> bool:
    """Four or more short labels separated by bars or bullets, none of them a sentence."""
    if "|" not in paragraph and "•" not in paragraph and "·" not in paragraph:
        return False
    parts = _LINK_BAR_SPLIT.split(paragraph.strip("|•· "))
    if len(parts) < 4:
        return False
    for part in parts:
        words = part.split()
        if not 1 <= len(words) <= 6 or len(part) > 50:
            return False
        if re.search(r"[.!?:;]\s|[.!?]$", part):
            return False
    return True


def _headline_key(text: str) -> set[str]:
    """Comparable forms of a headline: case, quotes, dashes, trailing punctuation and a site suffix ignored."""
    key = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    key = " ".join(key.split()).rstrip(_TRAILING_PUNCT).lstrip("' ")
    keys = {key}
    stripped = _SITE_SUFFIX.sub("", key).rstrip(_TRAILING_PUNCT)
    if stripped and len(stripped) >= 0.5 * len(key):
        keys.add(stripped)
    return keys


def _first_headline_key(paragraphs: list[str]) -> set[str] | None:
    """Without a given title, the first paragraph counts as the headline if it is short and repeated soon after."""
    if not paragraphs or len(paragraphs[0]) > 250:
        return None
    keys = _headline_key(paragraphs[0])
    for para in paragraphs[1:TOP_ZONE]:
        if _headline_matches(para, keys):
            return keys
    return None


def _headline_matches(para: str, headline: set[str]) -> bool:
    return len(para) <= MAX_HEADLINE_CHARS and bool(_headline_key(para) & headline)


def _byline_author(paragraph: str) -> str | None:
    """The author named by a byline paragraph ("" when it names only an agency); None if not a byline."""
    if len(paragraph) > 150:
        return None
    m = _BYLINE_START.fullmatch(paragraph)
    if not m:
        return None
    rest = m.group("rest").strip()
    names_part, *affiliations = _AFFILIATION_SPLIT.split(rest, maxsplit=1)
    if any(len(a.split()) > 10 or re.search(r"[.!?]\s", a) for a in affiliations):
        return None
    pieces = [p for p in _NAME_SPLIT.split(names_part) if p]
    names: list[str] = []
    for piece in pieces:
        if _is_name(piece) and not _AFFILIATION.search(piece):
            names.append(piece)
        elif _is_affiliation(piece):
            continue
        else:
            return None
    if not names:
        return ""
    span_end = names_part.find(names[-1]) + len(names[-1])
    return _fix_caps(names_part[:span_end].strip())


def _is_name(piece: str) -> bool:
    """Two to five name tokens (capitalised words, initials, particles such as "de la")."""
    tokens = piece.split()
    if not 2 <= len(tokens) <= 6:
        return False
    capitalised = 0
    for tok in tokens:
        if tok.casefold() in _NOT_NAME_TOKENS:
            return False
        if tok in _NAME_PARTICLES:
            continue
        if not _NAME_TOKEN.fullmatch(tok):
            return False
        capitalised += 1
    return capitalised >= 2


def _is_affiliation(piece: str) -> bool:
    """A short agency or role label such as "Associated Press" or "Staff Writer"."""
    piece = piece.strip()
    return 0 < len(piece.split()) <= 5 and not re.search(r"[.!?]$", piece) and bool(_AFFILIATION.search(piece))


def _fix_caps(names: str) -> str:
    """"JANE DOE and JOHN ROE" -> "Jane Doe and John Roe"; mixed-case names stay as written."""
    return " ".join(w.title() if w.isupper() and len(w) > 1 else w for w in names.split())


# --------------------------------------------------------------------------------------
# An outlet's own boilerplate, learned from many of its articles
# --------------------------------------------------------------------------------------

MAX_LEARNED_CHARS = 200  # boilerplate lines are short
MAX_EDGE_BLOCK = 6  # an edge block of boilerplate is a few paragraphs ...
_QUOTE_MARKS = re.compile(r"[\"“”«»„]")
_REPORTING = re.compile(
    r"\b(?:said|says|told|according to|reported|announced|stated|added|declined to comment|did not (?:immediately )?respond"
    r"|dijo|afirmó|aseguró|señaló|declaró|según|informó|agregó|añadió|no respondió)\b",
    re.IGNORECASE,
)


def learn_repeated_lines(
    articles: Iterable[tuple[str, str]], min_articles: int = 3, min_share: float = 0.1
) -> dict[str, set[str]]:
    """Learn, per outlet, the paragraphs that are its boilerplate.

    A paragraph is boilerplate when it repeats across at least `min_articles` different
    articles of the outlet (and `min_share` of them), and in those articles it sits in an
    edge block: a short run of such repeated paragraphs at the very start or end, where
    footers, promos and tag lines live. A sentence the outlet's articles share in their
    body (a quote of the story everyone carries) is followed and preceded by the article's
    own text, so it is not in an edge block; quoted speech and long lines are never learned.
    Deterministic: identical texts count once, and nothing depends on input order.
    """
    by_outlet: dict[str, list[LineProfile]] = defaultdict(list)
    for outlet, text in articles:
        by_outlet[outlet].append(line_profile(text))
    learned: dict[str, set[str]] = {}
    for outlet, profiles in by_outlet.items():
        lines = learn_from_profiles(profiles, min_articles, min_share)
        if lines:
            learned[outlet] = lines
    return learned


@dataclass(frozen=True)
class LineProfile:
    """What learning an outlet's boilerplate reads of one text (`line_profile`): an outlet is
    learned again from its articles' profiles, stored beside them (`store.corpus`), without
    reading their texts (at 1,000,000 articles a batch add read every text of the 40 outlets it
    touched: 85 s). Only paragraphs of boilerplate shape can be learned, so only they are kept."""

    key: str  # the text's digest: identical texts count once
    paragraphs: int
    shaped: tuple[str, ...]  # its distinct paragraphs of boilerplate shape, sorted
    head: tuple[int, ...]  # its first paragraphs (places in `shaped`) while of that shape, at most MAX_EDGE_BLOCK + 1
    tail: tuple[int, ...]  # its last ones, likewise, last first
    own: tuple[int, str, str] | None  # its longest paragraph of another shape: (length, text if short else "", digest)

    def to_json(self) -> list:
        return [self.key, self.paragraphs, list(self.shaped), list(self.head), list(self.tail),
                list(self.own) if self.own else None]

    @classmethod
    def from_json(cls, value: list) -> LineProfile:
        key, paragraphs, shaped, head, tail, own = value
        return cls(key, paragraphs, tuple(shaped), tuple(head), tuple(tail), tuple(own) if own else None)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def line_profile(text: str) -> LineProfile:
    """One text's `LineProfile`."""
    paragraphs = [p for p in text.split("\n\n") if p]
    shape = {p: _boilerplate_shape(p) for p in set(paragraphs)}
    shaped = tuple(sorted(p for p, ok in shape.items() if ok))
    place = {p: n for n, p in enumerate(shaped)}

    def edge(run: list[str]) -> tuple[int, ...]:
        out = []
        for p in run[:MAX_EDGE_BLOCK + 1]:
            if not shape[p]:
                break
            out.append(place[p])
        return tuple(out)

    others = [p for p, ok in shape.items() if not ok]
    longest = max(others, key=lambda p: (len(p), p)) if others else None
    own = (len(longest), longest if len(longest) <= MAX_LEARNED_CHARS else "", _digest(longest)) if longest else None
    return LineProfile(_digest(text), len(paragraphs), shaped, edge(paragraphs), edge(paragraphs[::-1]), own)


def learn_from_profiles(profiles: Iterable[LineProfile], min_articles: int = 3, min_share: float = 0.1) -> set[str]:
    """The boilerplate lines of one outlet, from its articles' profiles (`learn_repeated_lines`)."""
    distinct = list({p.key: p for p in profiles}.values())
    needed = max(min_articles, min_share * len(distinct))
    counts = Counter(p for profile in distinct for p in profile.shaped)
    candidates = {p for p, n in counts.items() if n >= needed}
    if not candidates:
        return set()
    bodies: dict[str, set[str]] = defaultdict(set)
    for profile in distinct:
        body = _body_key(profile, candidates)
        if body is None:
            continue
        for p in _edge_block(profile, candidates):
            bodies[p].add(body)
    return {p for p, keys in bodies.items() if len(keys) >= needed}


def _boilerplate_shape(paragraph: str) -> bool:
    """Short, not quoted speech, not a reported statement."""
    return (
        len(paragraph) <= MAX_LEARNED_CHARS
        and not _QUOTE_MARKS.search(paragraph)
        and not _REPORTING.search(paragraph)
    )


def _body_key(profile: LineProfile, candidates: set[str]) -> str | None:
    """The digest of the article's longest own (non-candidate) paragraph: versions of one article
    share it. Counting a line once per distinct body keeps updated versions of one article from
    looking like many articles that share a footer."""
    own = [p for p in profile.shaped if p not in candidates]
    best = max(own, key=lambda p: (len(p), p)) if own else None
    if profile.own is not None:
        length, text, digest = profile.own
        if best is None or length > MAX_LEARNED_CHARS or (length, text) > (len(best), best):
            return digest
    return None if best is None else _digest(best)


def _edge_block(profile: LineProfile, candidates: set[str]) -> set[str]:
    """Candidate paragraphs in the short leading and trailing runs of candidates of one article."""
    found: set[str] = set()
    for run in (profile.head, profile.tail):
        block: list[str] = []
        for n in run:
            if profile.shaped[n] not in candidates:
                break
            block.append(profile.shaped[n])
        if len(block) <= MAX_EDGE_BLOCK and len(block) < profile.paragraphs:
            found.update(block)
    return found


def remove_learned_lines(text: str, lines: set[str]) -> tuple[str, list[Removal]]:
    """Remove an outlet's learned boilerplate paragraphs from one article (reason "repeated across outlet")."""
    kept: list[str] = []
    removed: list[Removal] = []
    for para in (p for p in text.split("\n\n") if p):
        if para in lines:
            removed.append(Removal(text=para, reason=REPEATED_ACROSS_OUTLET))
        else:
            kept.append(para)
    return "\n\n".join(kept), removed
