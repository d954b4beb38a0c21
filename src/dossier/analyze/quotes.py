"""Every statement an article reports, with its speaker span and cue: the fast rule path.

Three kinds, as DESIGN.md exports them:

* direct: words inside quotation marks that make a statement (straight or curly double
  quotes, « », „ “; single quotes nested inside double ones are their own quote). A quote
  may run over paragraphs (a paragraph that opens a quote without closing it, the next
  reopening it) or be interrupted by its attribution (`"We will," she said, "keep
  talking."`): either way it is one quote whose `parts` list the pieces and whose
  start/end run from the first piece to the last. Content excludes the marks.
* fragment: a quoted phrase inside a sentence (`his "hugs, not bullets" policy`).
* indirect: "X said (that) CLAUSE", "CLAUSE, X said", "according to X, CLAUSE", and the
  Spanish forms. Content is the clause, with its "that" as PolNeAR marks it.

The speaker span is the noun phrase as the article gives it (a name with its title, a
role, a pronoun); resolving it to an actor happens later, with the article's mentions. A
direct quote with no attribution in its sentence continues the speaker of the quote just
before it when it opens its paragraph. An outlet credited for the words ("told Reuters",
"as quoted by the Associated Press") goes in `via`; an outlet that speaks for itself ("AP
reported that ...") is the speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dossier.analyze.cues import EN_VERBS, ES_VERBS, alternation
from dossier.model import QuoteSpan

_OPENERS = {"“": "”", "«": "»", "„": "“", '"': '"'}
# „ may also be closed by ”; sloppy text closes “ with a straight quote, or " with ”
_ALT_CLOSERS = {"„": "”", "“": '"', '"': "”"}
_CUE = rf"(?:{alternation(EN_VERBS | ES_VERBS)})"
# Verbs that introduce a clause in indirect speech ("X said that ...").
_CLAUSE_VERBS = frozenset(
    "said says say told tells warned warns argued argues insisted insists noted notes stated states declared declares "
    "explained explains wrote writes claimed claims asserted asserts announced announces acknowledged acknowledges "
    "admitted admits suggested suggests stressed stresses emphasized emphasizes reiterated reiterates maintained "
    "maintains contended contends predicted predicts promised promises vowed vows pledged pledges confirmed confirms "
    "denied denies reported reports believes believed thinks thought estimated estimates indicated indicates "
    "alleged alleges charged charges testified testifies agreed agrees concluded concludes revealed reveals added adds "
    "disclosed discloses cautioned cautions recalled recalls complained complains conceded concedes "
    "dijo dice dijeron afirmó afirma señaló señala aseguró asegura declaró explicó añadió agregó advirtió sostuvo "
    "insistió indicó expresó manifestó reiteró subrayó destacó apuntó comentó reconoció admitió negó anunció informó "
    "precisó consideró opinó aseveró proclaimed proclaims affirmed affirms repeated repeats assured assures "
    "underscored underscores emphasised emphasises".split())
_CLAUSE_CUE = rf"(?:{alternation(frozenset(_CLAUSE_VERBS))}|pointed\s+out|points\s+out)"
_OUTLETS = (
    r"(?:the\s+)?(?:Associated\s+Press|AP|Reuters|AFP|Agence\s+France-Presse|EFE|Bloomberg|CNN|BBC|NPR|Fox\s+News|"
    r"(?:The\s+)?New\s+York\s+Times|(?:The\s+)?Washington\s+Post|(?:The\s+)?Wall\s+Street\s+Journal|(?:the\s+)?Times|"
    r"(?:the\s+)?Post|Politico|Axios|El\s+Universal|Milenio|La\s+Jornada|Reforma|Proceso|El\s+Financiero|El\s+País|"
    r"Univision|Telemundo|ABC(?:\s+News)?|CBS(?:\s+News)?|NBC(?:\s+News)?|MSNBC|(?:The\s+)?Guardian|Al\s+Jazeera)"
)
_VIA_PATTERNS = [
    re.compile(rf"\b(?:as\s+quoted\s+by|quoted\s+by|told|in\s+an\s+interview\s+with|speaking\s+to|said\s+to|according\s+to)\s+(?P<via>{_OUTLETS})\b"),
    re.compile(rf"\b(?P<via>{_OUTLETS})\s+(?:reported|quoted|cited)\b"),
]
# An opening phrase before the subject: "On Tuesday, she said ...", "En la mañanera, dijo ..."
_LEAD = (r"(?:(?:On|In|At|During|Last|Earlier|Later|After|Before|Meanwhile|However|Also|Still|Yesterday|Today|Speaking|"
         r"En|Durante|Ayer|Hoy|Tras|Antes)\b[^,“”\"\n]{0,50},\s+)?")
_PRONOUN = r"(?:he|she|they|we|I|it|He|She|They|We|It|él|ella|Él|Ella)"
_WORD = r"[\w’'.\-]+"
# A speaker noun phrase that ends where its cue begins: up to seven words, lazily.
_NP = rf"(?:{_PRONOUN}|{_WORD}(?:,?\s+{_WORD}){{0,6}}?)"
_ADVERBS = r"(?:,?\s+(?:[a-z]+ly|also|then|later|again|once|previously|repeatedly|recently|has|had|have|would|will|had\s+also|has\s+also|simply|only|even|further|publicly|privately|flatly|firmly|bluntly|repeatedly))*"
_AFTER_SPEAKER_CUE = re.compile(rf"^[ \t]*,?[ \t]*(?P<spk>{_NP}){_ADVERBS}\s+(?P<cue>{_CUE})\b")
_AFTER_CUE_SPEAKER = re.compile(rf"^[ \t]*,?[ \t]*(?P<cue>{_CUE})\s+(?P<spk>(?:{_PRONOUN}|{_WORD}(?:\s+{_WORD}){{0,6}}?))(?=\s*(?:[,.;:!?]|$|\s+(?:on|in|at|during|after|before|when|while|who|en|durante)\b))")
_NP_LONG = rf"(?:{_PRONOUN}|{_WORD}(?:,?\s+{_WORD}){{0,10}}?)"
# Spanish drops the subject: `"...", puntualizó.` has a cue and no speaker; the speaker is
# then whoever the article last named (resolved with the article's mentions).
_AFTER_CUE_ONLY = re.compile(rf"^[ \t]*,?[ \t]*(?P<cue>{alternation(ES_VERBS)})\b(?=\s*[.,;]|\s+(?:en|durante|al|ante|a|este|esta|el|la)\b)")
_BEFORE = re.compile(rf"^\s*{_LEAD}(?P<spk>{_NP_LONG}),?{_ADVERBS}\s+(?P<cue>{_CUE})\b[^“”\"«»]{{0,80}}?[:,]?\s*$")
_ACCORDING_BEFORE = re.compile(rf"\b(?P<cue>[Aa]ccording\s+to|[Ss]egún|[Dd]e\s+acuerdo\s+con)\s+(?P<spk>[^,“”\"]{{2,80}}?),?\s*$")
_PARTICIPLE_BEFORE = re.compile(r",\s*(?P<cue>saying|stating|adding|noting|warning|insisting|declaring|explaining|arguing|"
                                r"writing|telling\s+\w+|asserting|stressing|emphasizing|affirmando|diciendo|señalando|"
                                r"asegurando|afirmando)\b[^,“”\"«»]{0,80}?[,:]?\s*$")
_SUBJECT = re.compile(r"^\s*" + _LEAD + r"(?P<spk>(?:[A-ZÁÉÍÓÚÑ][\w’'.\-]*)(?:\s+(?:[A-ZÁÉÍÓÚÑ][\w’'.\-]*|of|de|del|la))*"
                      r"|[Hh]e|[Ss]he|[Tt]hey|[Ww]e)\b")
_NEAREST_ATTRIBUTION = re.compile(
    rf"(?P<spk>\b{_PRONOUN}|[A-ZÁÉÍÓÚÑ][\w’'\-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w’'\-]+){{0,3}})(?:,[^,“”\"]{{1,60}},)?{_ADVERBS}"
    rf"\s+(?P<cue>{_CUE}|calls|called|dubs|dubbed|terms|termed|labels|labeled|labelled|sums\s+up|llama|llamó)\b")
_GENERIC_START = frozenset("the a an this that it there here in on at for but and or so if when as after before while with".split())

_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»)]*(?=\s+[\"“«¿¡(]?[A-ZÁÉÍÓÚÑ0-9])")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|St|Jr|Sr|No|Sra|Lic|vs|U\.S|e\.g|i\.e))\.$")

_INDIRECT_SUBJECT_FIRST = re.compile(
    rf"^(?P<lead>{_LEAD})(?P<spk>{_NP}){_ADVERBS}\s+(?P<cue>{_CLAUSE_CUE})"
    rf"(?P<obj>\s+(?:reporters|journalists|lawmakers|legislators|the\s+press|the\s+media|a\s+news\s+conference|"
    rf"the\s+audience|supporters|him|her|them|us|me|{_OUTLETS}|the\s+\w+|a\s+\w+))?"
    rf"(?P<when>\s+(?:on|in|at|during|late|early|last|this)\s+[\w’'\-]+(?:\s+[\w’'\-]+)?)?,?"
    rf"\s+(?P<content>(?:that|que)\b.+|[\wáéíóúñ¿].+)$", re.S)
_INDIRECT_CONTENT_FIRST = re.compile(
    rf"^(?P<content>[A-ZÁÉÍÓÚÑ¿“\"].{{10,}}?),\s+(?:(?P<spk>{_NP}){_ADVERBS}\s+(?P<cue>{_CLAUSE_CUE})|(?P<cue2>{_CLAUSE_CUE})\s+(?P<spk2>{_NP}))"
    rf"(?P<tail>(?:,?\s+(?:on|in|at|during|last|this|late|early|yesterday|today|recently|earlier|later|afterward|"
    rf"told|to|in\s+a|in\s+an|according|as|while|when|el|la|en|durante|ante)\b[^.!?]{{0,80}})?)[.!?]*[\"”’]*$", re.S)
_ACCORDING = re.compile(
    rf"^(?P<cue>[Aa]ccording\s+to|[Ss]egún|[Dd]e\s+acuerdo\s+con)\s+(?P<spk>[^,]{{2,80}}),\s+(?P<content>.{{10,}}?)[.!?]*$|"
    rf"^(?P<content2>.{{10,}}?),\s+(?P<cue2>according\s+to|según|de\s+acuerdo\s+con)\s+(?P<spk2>[^,]{{2,80}}?)[.!?]*$", re.S)


@dataclass
class _Quoted:
    """Text inside quotation marks, possibly in several pieces."""

    parts: list[tuple[int, int]]  # content pieces, without the marks
    open_at: int  # offset of the first opening mark
    close_at: int  # offset just after the last closing mark (or the paragraph end)
    nested: bool = False
    attribution: tuple | None = None  # (speaker span, cue span) found between pieces
    children: list["_Quoted"] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.parts[0][0]

    @property
    def end(self) -> int:
        return self.parts[-1][1]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _is_apostrophe(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def _scan_paragraph(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """(open, close, closed) for each double-quoted stretch of one paragraph; an
    unclosed one runs to the paragraph end."""
    found = []
    i = start
    while i < end:
        ch = text[i]
        if ch in _OPENERS and not (ch == '"' and i + 1 < end and text[i + 1] in " \t" and i > start and text[i - 1].isalnum()):
            closer = _OPENERS[ch]
            j = i + 1
            while j < end and text[j] != closer and text[j] != _ALT_CLOSERS.get(ch, closer):
                j += 1
            if j < end:
                found.append((i, j, True))
                i = j + 1
                continue
            found.append((i, end, False))
            break
        i += 1
    return found


def _nested(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Single-quoted stretches inside a double quote (apostrophes are not quotes)."""
    out = []
    i = start
    while i < end:
        if text[i] in "‘'" and not _is_apostrophe(text, i) and (i == start or not text[i - 1].isalnum()):
            j = i + 1
            while j < end:
                if text[j] in "’'" and not _is_apostrophe(text, j):
                    break
                j += 1
            if j < end and j - i > 2:
                out.append((i + 1, j))
                i = j + 1
                continue
        i += 1
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Content without surrounding spaces and the comma that belongs to the attribution."""
    while start < end and text[start] in " \t\n":
        start += 1
    while end > start and text[end - 1] in " \t\n,;":
        end -= 1
    return start, end


def _sentence_bounds(text: str, para: tuple[int, int]) -> list[tuple[int, int]]:
    """Sentences of one paragraph, not splitting after abbreviations ("U.S.", "Mr.") or
    inside quotation marks."""
    start, end = para
    chunk = text[start:end]
    bounds, last = [], 0
    marks = {i for i, c in enumerate(chunk) if c in "“”\"«»"}
    for m in _SENTENCE_END.finditer(chunk):
        if _ABBREVIATION.search(chunk[max(0, m.start() - 4):m.start() + 1]):
            continue
        inside = sum(1 for i in marks if last <= i < m.start() and chunk[i] in "“«") - sum(
            1 for i in marks if last <= i < m.start() and chunk[i] in "”»")
        straight = sum(1 for i in marks if last <= i < m.start() and chunk[i] == '"')
        if inside > 0 or (straight % 2 == 1 and chunk[m.end() - 1] != '"'):
            continue
        bounds.append((start + last, start + m.end()))
        last = m.end()
        while last < len(chunk) and chunk[last] == " ":
            last += 1
    if last < len(chunk):
        bounds.append((start + last, end))
    return bounds


def _quoted_stretches(text: str) -> list[_Quoted]:
    """Every double-quoted stretch, multi-paragraph quotes joined, nested ones attached."""
    stretches: list[_Quoted] = []
    carry: _Quoted | None = None  # a quote left open at the end of the last paragraph
    for para in _paragraphs(text):
        found = _scan_paragraph(text, *para)
        for n, (open_at, close_at, closed) in enumerate(found):
            piece = _trim(text, open_at + 1, close_at)
            if piece[0] >= piece[1]:
                continue
            if carry is not None and n == 0 and open_at == para[0]:
                carry.parts.append(piece)  # the next paragraph reopens the same quote
                carry.close_at = close_at + (1 if closed else 0)
                quoted = carry
            else:
                quoted = _Quoted([piece], open_at, close_at + (1 if closed else 0))
                stretches.append(quoted)
            for s, e in _nested(text, *piece):
                s, e = _trim(text, s, e)
                if e > s:
                    quoted.children.append(_Quoted([(s, e)], s - 1, e + 1, nested=True))
            carry = quoted if not closed else None
        if found and found[-1][2]:
            carry = None
        elif not found:
            carry = None
    return stretches


def quoted_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks: names there are quoted, not narrated, so
    they are no antecedent for a "he" or "she" outside (`"We disagree with Trump," he said`)."""
    return [(s, e) for q in _quoted_stretches(text) for s, e in q.parts]


def _words(text: str) -> int:
    return len(text.split())


def _is_statement(text: str, quoted: _Quoted, sentence_start: int) -> bool:
    """A full statement, not a phrase inside a sentence: it starts like a sentence (a
    capital, or right after a colon, a cue or the start of the sentence) and has words
    enough to say something."""
    content = " ".join(text[s:e] for s, e in quoted.parts)
    if _words(content) < 3:
        return False
    before = text[sentence_start:quoted.open_at].rstrip()
    first = content.lstrip("¿¡…. ")[:1]
    starts_sentence = before == "" or before.endswith((":", ",")) or re.search(rf"\b{_CUE}$", before) is not None
    return (first.isupper() or first.isdigit()) and (starts_sentence or _words(content) >= 6)


def _span(match: re.Match, group: str, offset: int) -> tuple[int, int] | None:
    if match.group(group) is None:
        return None
    return offset + match.start(group), offset + match.end(group)


def _clean_speaker(text: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """Trim a speaker span of commas and of a leading conjunction."""
    if span is None:
        return None
    s, e = span
    while e > s and text[e - 1] in " ,":
        e -= 1
    e = s + len(_strip_period(text[s:e]))
    lowered = text[s:e].lower()
    for lead in ("and ", "but ", "so ", "y ", "pero ", "as ", "como "):
        if lowered.startswith(lead):
            s += len(lead)
    when = re.search(r"\s+(?:on|in|at|late|early|last|this|el|en)\s+[\w’'\-]+(?:\s+(?:morning|afternoon|evening|night|week|month|year))?$", text[s:e])
    if when and when.start() > 0:  # "Federal officials on Thursday" → "Federal officials"
        e = s + when.start()
    pronoun = None
    for m in re.finditer(rf"\b{_PRONOUN}\b", text[s:e]):
        pronoun = m
    if pronoun is not None and pronoun.end() == e - s:  # "In the past he" → "he"
        s, e = s + pronoun.start(), s + pronoun.end()
    if e <= s:
        return None
    return s, e


_ABBREVIATIONS = frozenset("mr mrs ms dr jr sr st gen sen rep gov lt col sgt sra lic".split())
_NOT_SPEAKERS = frozenset("earlier later meanwhile however also still yet now then today yesterday here there "
                          "instead moreover furthermore indeed thus hence reports report".split())
_SPEAKER_NOUNS = frozenset(
    "officials official spokesman spokeswoman spokesperson analysts analyst experts expert leaders leader minister "
    "ministers president police authorities sources residents workers lawmakers senators investigators prosecutors "
    "officers diplomats critics supporters organizers organisers unions union researchers scientists economists "
    "agency ministry department government office company statement report".split())
_DETERMINERS = frozenset(
    "the a an his her their its our my your this that these those some many several most both each one two three "
    "four five other another officials analysts experts critics residents witnesses sources authorities prosecutors "
    "lawmakers legislators investigators police officers diplomats activists observers economists people "
    "el la los las un una unos unas su sus".split())


def _plausible_speaker(phrase: str) -> bool:
    """A noun phrase that can speak: a pronoun, something with a name in it, or a phrase
    led by a determiner ("the ministry", "officials"); not a clause, an adverb or a quote."""
    phrase = _strip_period(phrase.strip(" ,"))
    if not phrase or not any(c.isalnum() for c in phrase) or any(c in phrase for c in "“”\"«»;:") or _words(phrase) > 12:
        return False
    if re.fullmatch(_PRONOUN, phrase):
        return True
    words = phrase.split()
    if words[0].lower() in ("that", "which", "who", "what", "because", "if", "when", "while", "although", "que", "it"):
        return False
    for m in re.finditer(r"(\w+)[.!?](?=\s|$)", phrase):
        if len(m.group(1)) > 1 and m.group(1).lower() not in _ABBREVIATIONS:
            return False  # runs over a sentence end
    if len(words) == 1 and (words[0].lower().endswith("ly") or words[0].lower() in _NOT_SPEAKERS):
        return False
    if words[0].lower() in ("asked", "responding", "speaking", "according", "after", "before", "during", "despite"):
        return False
    return any(w[:1].isupper() for w in words) or words[0].lower() in _DETERMINERS or words[-1].lower() in _SPEAKER_NOUNS


def _strip_period(phrase: str) -> str:
    """"Quintero." at a sentence end is "Quintero"; "Jr." keeps its period."""
    if phrase.endswith(".") and not phrase.endswith("..."):
        last = re.findall(r"[\w’']+", phrase)[-1:] or [""]
        if last[0].lower() not in _ABBREVIATIONS and not re.fullmatch(r"(?:[A-Z]\.)+", phrase.split()[-1]):
            return phrase[:-1]
    return phrase


def _attribution_after(text: str, quoted: _Quoted, limit: int) -> tuple | None:
    after = text[quoted.close_at:limit]
    for pattern in (_AFTER_CUE_SPEAKER, _AFTER_SPEAKER_CUE):
        m = pattern.match(after)
        if m and _plausible_speaker(m.group("spk")):
            return _clean_speaker(text, _span(m, "spk", quoted.close_at)), _span(m, "cue", quoted.close_at)
    m = _AFTER_CUE_ONLY.match(after)
    if m:
        return None, _span(m, "cue", quoted.close_at)
    return None


def _attribution_before(text: str, quoted: _Quoted, sentence_start: int) -> tuple | None:
    before = text[sentence_start:quoted.open_at]
    m = _ACCORDING_BEFORE.search(before)
    if m and _plausible_speaker(m.group("spk")):
        return _clean_speaker(text, _span(m, "spk", sentence_start)), _span(m, "cue", sentence_start)
    m = _PARTICIPLE_BEFORE.search(before)  # "Rubio explained the policy, saying, \"...\"": the subject speaks
    if m:
        subject = _SUBJECT.match(before)
        if subject and _plausible_speaker(subject.group("spk")):
            return _clean_speaker(text, _span(subject, "spk", sentence_start)), _span(m, "cue", sentence_start)
    m = _BEFORE.match(before)
    if m and _plausible_speaker(m.group("spk")):
        return _clean_speaker(text, _span(m, "spk", sentence_start)), _span(m, "cue", sentence_start)
    nearest = None  # "a policy he calls "hugs, not bullets"": the last speaker and cue before it
    for m in _NEAREST_ATTRIBUTION.finditer(before):
        if _plausible_speaker(m.group("spk")) and m.group("spk").split()[0].lower() not in _GENERIC_START:
            nearest = m
    if nearest is not None:
        return _clean_speaker(text, _span(nearest, "spk", sentence_start)), _span(nearest, "cue", sentence_start)
    return None


def _via(text: str, start: int, end: int) -> tuple[str, int, int] | None:
    window = text[start:end]
    for pattern in _VIA_PATTERNS:
        m = pattern.search(window)
        if m:
            return m.group("via"), start + m.start("via"), start + m.end("via")
    return None


def _quote_span(text: str, parts: list[tuple[int, int]], kind: str, attribution: tuple | None,
                via: tuple | None) -> QuoteSpan:
    speaker, cue = attribution if attribution else (None, None)
    q = QuoteSpan(start=parts[0][0], end=parts[-1][1], kind=kind)
    if len(parts) > 1:
        q.parts = [tuple(p) for p in parts]
    if cue:
        q.cue, q.cue_start, q.cue_end = text[cue[0]:cue[1]], cue[0], cue[1]
    if speaker:
        q.speaker_name, q.speaker_start, q.speaker_end = text[speaker[0]:speaker[1]], speaker[0], speaker[1]
    if via:
        q.via, q.via_start, q.via_end = via
    return q


def _sentence_of(sentences: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in sentences:
        if s <= pos < e:
            return s, e
    return sentences[-1] if sentences else (pos, pos)


def _join_interrupted(text: str, stretches: list[_Quoted]) -> list[_Quoted]:
    """`"We will," she said, "keep talking."`: two stretches with only an attribution
    between them, the second going on in lower case, are one quote."""
    out: list[_Quoted] = []
    for q in stretches:
        if out:
            prev = out[-1]
            between = text[prev.close_at:q.open_at]
            if "\n" not in between and 0 < len(between) <= 80 and between.rstrip().endswith(","):
                attribution = _attribution_after(text, prev, q.open_at)
                second = text[q.parts[0][0]:q.parts[0][0] + 1]
                if attribution and attribution[0] and (second.islower() or text[prev.parts[-1][1]] == ","):
                    prev.parts.extend(q.parts)
                    prev.close_at = q.close_at
                    prev.attribution = attribution
                    prev.children.extend(q.children)
                    continue
        out.append(q)
    return out


def extract_quotes(text: str, lang: str | None = None) -> list[QuoteSpan]:
    """Direct quotes, quoted fragments and indirect speech in one article's clean text."""
    if not text:
        return []
    paragraphs = _paragraphs(text)
    sentences = [s for para in paragraphs for s in _sentence_bounds(text, para)]
    results: list[QuoteSpan] = []
    previous_direct: QuoteSpan | None = None
    previous_paragraph_end = -1
    covered: list[tuple[int, int]] = []  # sentences or stretches that direct quotes account for

    for quoted in _join_interrupted(text, _quoted_stretches(text)):
        s_start, s_end = _sentence_of(sentences, quoted.open_at)
        last_sentence = _sentence_of(sentences, max(quoted.close_at - 1, quoted.open_at))
        para_end = next((e for s, e in paragraphs if s <= quoted.close_at - 1 < e + 1), len(text))
        attribution = quoted.attribution or _attribution_after(text, quoted, min(para_end, last_sentence[1] + 200)) \
            or _attribution_before(text, quoted, s_start)
        statement = _is_statement(text, quoted, s_start)
        opens_paragraph = any(s == quoted.open_at for s, _ in paragraphs)
        between = text[previous_paragraph_end:quoted.open_at]
        follows_quote = previous_direct is not None and "\n" not in between and not any(c in between for c in "“”\"«»") \
            and len(between) < 200
        if attribution is None and statement and previous_direct is not None and (opens_paragraph or follows_quote) \
                and previous_direct.speaker_start is not None and quoted.open_at - previous_paragraph_end < 400:
            attribution = ((previous_direct.speaker_start, previous_direct.speaker_end), None)
        kind = "direct" if statement else "fragment"
        via = _via(text, s_start, max(s_end, last_sentence[1]))
        span = _quote_span(text, quoted.parts, kind, attribution, via)
        if kind == "direct" and attribution is None:
            span = _quote_span(text, quoted.parts, kind, None, via)
        results.append(span)
        if kind == "direct":
            previous_direct = span
            previous_paragraph_end = quoted.close_at
            covered.append((s_start, max(s_end, last_sentence[1])))
        for child in quoted.children:
            inner = _attribution_before(text, child, quoted.start) or _attribution_after(text, child, quoted.end)
            child_kind = "direct" if _words(text[child.start:child.end]) >= 4 and inner else "fragment"
            results.append(_quote_span(text, child.parts, child_kind, inner, None))

    for s_start, s_end in sentences:
        if any(a <= s_start < b or a < s_end <= b for a, b in covered):
            continue
        span = _indirect(text, s_start, s_end)
        if span is not None:
            results.append(span)
    results.sort(key=lambda q: (q.start, q.end))
    return results


def _indirect(text: str, start: int, end: int) -> QuoteSpan | None:
    """Indirect speech in one sentence, if it reports any."""
    sentence = text[start:end]
    m = _ACCORDING.match(sentence)
    if m:
        g = (lambda a, b: a if m.group(a) is not None else b)
        content = _span(m, g("content", "content2"), start)
        speaker = _clean_speaker(text, _span(m, g("spk", "spk2"), start))
        cue = _span(m, g("cue", "cue2"), start)
        if content and speaker and _plausible_speaker(text[speaker[0]:speaker[1]]):
            return _quote_span(text, [_trim_clause(text, *content)], "indirect", (speaker, cue), _via(text, start, end))
    m = _INDIRECT_SUBJECT_FIRST.match(sentence)
    if m and _plausible_speaker(m.group("spk")):
        content = _trim_clause(text, *_span(m, "content", start))
        if m.group("obj") and m.group("cue").lower() not in _TELL_VERBS:
            content = (start + m.start("obj") + len(m.group("obj")) - len(m.group("obj").lstrip()), content[1])
        elif m.group("when") or text[content[0]:content[0] + 12].split(" ")[0].lower() in _PREPOSITIONS:
            that = re.search(r"\b(?:that|que)\b", text[content[0]:min(content[1], content[0] + 90)])
            if that:  # "said during a rally in Michigan that ..." → the clause starts at "that"
                content = (content[0] + that.start(), content[1])
        opening = m.group("content").split(" ", 1)[0].lower()
        if _words(text[content[0]:content[1]]) >= 3 and not _starts_generic_clause(m.group("spk")) \
                and (opening not in ("and", "or", "but", "to", "y", "o", "pero", "the", "a", "an") or m.group("obj")):
            speaker = _clean_speaker(text, _span(m, "spk", start))
            return _quote_span(text, [content], "indirect", (speaker, _span(m, "cue", start)), _via(text, start, end))
    m = _INDIRECT_CONTENT_FIRST.match(sentence)
    if m:
        spk_group, cue_group = ("spk", "cue") if m.group("spk") is not None else ("spk2", "cue2")
        if _plausible_speaker(m.group(spk_group)):
            content = _trim_clause(text, *_span(m, "content", start))
            speaker = _clean_speaker(text, _span(m, spk_group, start))
            if _words(text[content[0]:content[1]]) >= 3:
                return _quote_span(text, [content], "indirect", (speaker, _span(m, cue_group, start)), _via(text, start, end))
    return None


_TELL_VERBS = frozenset("told tells tell warned warns assured assures informed informs reminded reminds asked asks".split())
_PREPOSITIONS = frozenset("during at in on after before via through over by from late early last this".split())


def _starts_generic_clause(speaker: str) -> bool:
    """"In a statement the ministry said" is fine; "If it said" is a clause, not a speaker."""
    return speaker.split()[0].lower() in ("if", "when", "because", "although", "while", "as")


def _trim_clause(text: str, start: int, end: int) -> tuple[int, int]:
    """A clause without its final punctuation and surrounding spaces."""
    while end > start and text[end - 1] in " .!?…\n":
        end -= 1
    while start < end and text[start] == " ":
        start += 1
    return start, end
