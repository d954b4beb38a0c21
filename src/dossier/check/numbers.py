"""Number mismatch: the same claim stated with values that cannot both be true.

Works on the export's `claims[]` (link/claims.py), whose occurrences are already matched
across articles: within a claim, the value most articles support is the reference, and
each article whose value is incompatible with it (rounding and qualifiers allowed for:
"about 70,000" and "70,123" agree, "more than 70,000" and "more than 17,000" do not) gets
a flag naming both values and both outlets, with the spans of both.

Severity: "warning" when a copy relation ties the two articles (a copy that changes a
number is the classic error) or they report the same event on the same day with a strong
match; "info" when only the story ties them, when either article is undated or they are of
different days, when the number is a casualty toll (tolls are updated between reports; a
later copy with a higher toll is an update too), or when the sentence lists several tallies.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from dossier.link.claims import claims_for, compatible, document_articles, link_claims

KIND = "number mismatch"
MAX_EVIDENCE = 6
# Casualty tolls change by the hour; two outlets' different tolls are usually two moments.
_TOLL = re.compile(r"\b(?:killed|dead|died|deaths?|dying|wounded|injured|hurt|missing|casualties|toll|"
                   r"muert[oa]s?|murieron|fallecid[oa]s|herid[oa]s|desaparecid[oa]s|víctimas)\b", re.I)


def _claims(document: dict[str, Any], records: dict[str, dict]) -> list[dict[str, Any]]:
    """The document's claims with their match links, computed now if the document lacks them."""
    claims = document.get("claims") or []
    if claims and all("links" in c for c in claims):
        return claims
    articles = document_articles(document)
    return link_claims(articles, claims_for(articles, records), document.get("events", []),
                       document.get("stories", []), document.get("copies", []))


def _describe(article: dict[str, Any]) -> str:
    """"borderbeat.example (2024-03-18)", or the title when the outlet is unknown."""
    title = (article.get("title") or "").strip()
    name = article.get("outlet") or (f"the article \"{title[:70]}\"" if title else f"article {article.get('id', '')[:10]}")
    day = article.get("published")
    return f"{name} ({day})" if day else name


def _is_update(odd: dict[str, Any], ref: dict[str, Any], odd_article: dict, ref_article: dict) -> bool:
    """A later article giving a larger count than an earlier one: most likely an updated toll."""
    a, b = odd_article.get("published"), ref_article.get("published")
    if not a or not b or a[:10] == b[:10] or odd["unit"] == "fraction":
        return False
    return (a > b) == (float(odd["value"]) > float(ref["value"]))


def _toll(article: dict[str, Any], occurrence: dict[str, Any]) -> bool:
    text = article.get("text") or ""
    return bool(_TOLL.search(text[max(0, occurrence["start"] - 80):occurrence["end"] + 80]))


STRONG = 0.6  # context overlap at which two articles of one event surely state the same figure


def _severity(tie: str, score: float, odd: dict[str, Any], ref: dict[str, Any],
              odd_article: dict[str, Any], ref_article: dict[str, Any]) -> str:
    """Warning for a copy that changed a number, and for two same-day reports of one event that
    state one figure differently; info whenever an update or a different count is plausible
    (undated articles, different days, casualty tolls, sentences listing several tallies)."""
    if tie == "copy":
        if _toll(odd_article, odd) and _is_update(odd, ref, odd_article, ref_article):
            return "info"  # a later version of a story with a higher toll: an update, not an error
        crowded = odd.get("crowded") or ref.get("crowded")
        return "warning" if not crowded or score >= STRONG else "info"
    if odd.get("crowded") or ref.get("crowded"):
        return "info"
    if tie != "event" or score < STRONG:
        return "info"
    a, b = odd_article.get("published"), ref_article.get("published")
    if not a or not b or a[:10] != b[:10] or _toll(odd_article, odd) or _is_update(odd, ref, odd_article, ref_article):
        return "info"
    return "warning"


def detect(document: dict[str, Any], records: dict[str, dict], kb: Any = None) -> list[dict[str, Any]]:
    """One flag per article whose value of a claim contradicts the value most articles give."""
    articles = {a["id"]: a for a in document.get("articles", [])}
    copied = {c["article"] for c in document.get("copies", []) if c["article"] != c["of"]}  # on a tie, originals win
    flags = []
    claims = _claims(document, records)
    # every exact figure each article gives, whatever claim it was grouped in: an article that also
    # gives the other value elsewhere does not contradict it (the two figures count different things)
    figures: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for c in claims:
        for o in c["occurrences"]:
            if not o.get("vague"):
                figures[(o["article"], o.get("unit"))].append(o)

    def gives(article: str, occurrence: dict[str, Any]) -> bool:
        return any(compatible(o, occurrence) for o in figures.get((article, occurrence.get("unit")), ()))

    for claim in claims:
        occurrences = claim["occurrences"]
        if len({o["article"] for o in occurrences}) < 2:
            continue
        linked: dict[int, dict[int, str]] = defaultdict(dict)
        for link in claim.get("links", []):
            linked[link["a"]][link["b"]] = link["tie"]
            linked[link["b"]][link["a"]] = link["tie"]

        exact = [i for i, o in enumerate(occurrences) if not o.get("vague")]
        if len({occurrences[i]["article"] for i in exact}) < 2:
            continue  # vague quantities ("several", "dozens") never contradict anything

        def support(i: int) -> int:
            return len({occurrences[j]["article"] for j in exact if compatible(occurrences[j], occurrences[i])})

        def order(i: int) -> tuple:
            article = articles.get(occurrences[i]["article"], {})
            return (-support(i), article.get("published") or "9999", occurrences[i]["article"] in copied,
                    occurrences[i]["article"], occurrences[i]["start"])

        reference = min(exact, key=order)
        agreeing = {i for i, o in enumerate(occurrences) if compatible(o, occurrences[reference])}
        flagged_articles = set()
        for i, odd in enumerate(occurrences):
            if i in agreeing or odd.get("vague") or odd["article"] in flagged_articles:
                continue
            own = [o for o in occurrences if o["article"] == odd["article"] and not o.get("vague")]
            if any(compatible(o, occurrences[reference]) for o in own):
                continue  # the article also gives the agreed value: its other number is about something else
            partners = sorted((j for j in linked[i] if j in agreeing and not occurrences[j].get("vague")
                               and occurrences[j]["article"] != odd["article"]
                               and not any(compatible(o, odd) for o in occurrences
                                           if o["article"] == occurrences[j]["article"] and not o.get("vague"))),
                              key=lambda j: ({"copy": 0, "event": 1, "story": 2}[linked[i][j]], order(j)))
            partners = [j for j in partners if not gives(odd["article"], occurrences[j])
                        and not gives(occurrences[j]["article"], odd)]
            if not partners:
                continue
            flagged_articles.add(odd["article"])
            best = partners[0]
            ref = occurrences[best]
            tie = linked[i][best]
            odd_article, ref_article = articles.get(odd["article"], {}), articles.get(ref["article"], {})
            score = max(l["score"] for l in claim.get("links", []) if {l["a"], l["b"]} == {i, best})
            severity = _severity(tie, score, odd, ref, odd_article, ref_article)
            relation = {"copy": "it copies or shares a source with that article",
                        "event": "both report the same event", "story": "both cover the same story"}[tie]
            if severity == "info" and tie == "event":
                relation += " (the figure may have been updated between the two reports, or count something else)"
            seen, evidence_partners = {odd["article"]}, []
            for j in partners:
                if occurrences[j]["article"] not in seen:
                    seen.add(occurrences[j]["article"])
                    evidence_partners.append(j)
            evidence_partners = evidence_partners[:MAX_EVIDENCE]
            others = len(evidence_partners) - 1
            what = f" ({claim['counts']})" if claim.get("counts") and claim["counts"] not in odd["text"] else ""
            message = (f"{_describe(odd_article)} gives \"{odd['text']}\"{what} where {_describe(ref_article)}"
                       + (f" and {others} other article{'s' if others > 1 else ''}" if others > 0 else "")
                       + f" give{'s' if others <= 0 else ''} \"{ref['text']}\"; {relation}.")
            flags.append({
                "kind": KIND, "severity": severity, "message": message,
                "evidence": [{"article": odd["article"], "start": odd["start"], "end": odd["end"]}]
                            + [{"article": occurrences[j]["article"], "start": occurrences[j]["start"],
                                "end": occurrences[j]["end"]} for j in evidence_partners],
                # extensions
                "claim": claim["id"], "values": [odd["value"], ref["value"]], "tie": tie,
                "related": [occurrences[j]["article"] for j in evidence_partners],
            })
    flags.sort(key=lambda f: (f["evidence"][0]["article"], f["evidence"][0]["start"]))
    return flags
