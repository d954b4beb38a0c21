"""A readable Markdown listing of the corpus."""

from __future__ import annotations

import re
from typing import Any

from dossier.report.summary import language_counts, outlet_counts

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _inline(text: str | None) -> str:
    """Escape Markdown syntax in text from articles, which we never trust."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def _article(number: int, article: dict[str, Any]) -> list[str]:
    title = _inline(article["title"]) or "(untitled)"
    lines = [f"### {number}. {title}", ""]
    outlet = _inline(article["outlet_name"] or article["outlet"] or "unknown outlet")
    if article["outlet"] and article["outlet_name"] and article["outlet"] != article["outlet_name"]:
        outlet += f" ({_inline(article['outlet'])})"
    date = article["published"] or "no date"
    if article["published_source"]:
        date += f" (from {article['published_source']})"
    facts = [f"**Outlet:** {outlet}", f"**Published:** {date}", f"**Language:** {article['lang'] or 'unknown'}"]
    lines.append("- " + " · ".join(facts))
    if article["author"]:
        lines.append(f"- **Author:** {_inline(article['author'])}")
    if article["url"]:
        lines.append(f"- **URL:** <{article['url']}>" if " " not in article["url"] else f"- **URL:** {_inline(article['url'])}")
    sources = [s["source"] for s in article["sources"]]
    lines.append(f"- **Source:** `{sources[0]}`" + (f" and {len(sources) - 1} more: " + ", ".join(f"`{s}`" for s in sources[1:]) if len(sources) > 1 else ""))
    lines.append(f"- **ID:** `{article['id']}`" + (" · partial text (summary only)" if article["partial"] else "") + (" · synthetic" if article["synthetic"] else ""))
    if article["removed"]:
        reasons = sorted({r["reason"] for r in article["removed"]})
        lines.append(f"- **Removed by cleaning:** {len(article['removed'])} ({', '.join(reasons)})")
    lines.append("")
    for paragraph in article["text"].split("\n\n"):
        lines.append("> " + _inline(paragraph))
        lines.append(">")
    if lines[-1] == ">":
        lines.pop()
    lines.append("")
    return lines


def _first_seen(quote: dict[str, Any], titles: dict[str, str]) -> str:
    if not quote["first_seen"]:
        return "; first seen: unknown (no dated article carries it)"
    tied = quote.get("first_seen_candidates") or []
    first = _inline(titles.get(quote["first_seen"], quote["first_seen"]))
    if len(tied) > 1:
        return f"; first seen on the same day in {len(tied)} articles, e.g. {first}"
    return f"; first seen in {first}"


def _quotes(document: dict[str, Any]) -> list[str]:
    """Who said what: each statement with its speaker, carriers and how copies reworded it."""
    titles = {a["id"]: a["outlet_name"] or a["outlet"] or a["id"] for a in document["articles"]}
    statements = [q for q in document.get("quotes", []) if q.get("kind") != "fragment"]
    if not statements:
        return []
    lines = ["## Who said what", "", f"{len(statements)} statements (quoted phrases not counted).", ""]
    for q in statements:
        speaker = _inline(q["speaker_name"]) or "speaker unknown"
        lines.append(f"- **{speaker}** ({q.get('kind', 'direct')}): “{_inline(q['text'])}”")
        carriers = ", ".join(_inline(o) for o in q.get("outlets", []))
        lines.append(f"  - carried by {len(q['occurrences'])} articles ({carriers})"
                     + _first_seen(q, titles))
        others = sorted({o["speaker_name"] for o in q["occurrences"] if o["speaker_name"] and o["speaker_name"] != q["speaker_name"]})
        if others:
            lines.append(f"  - also attributed to: {', '.join(_inline(n) for n in others)}")
        for o in q["occurrences"]:
            if o.get("changes"):
                lines.append(f"  - reworded in {_inline(titles.get(o['article'], o['article']))}: “{_inline(o['text'])}”")
    lines.append("")
    return lines


def _events_and_copies(document: dict[str, Any]) -> list[str]:
    """What happened (events by story) and who copied whom."""
    titles = {a["id"]: a["outlet_name"] or a["outlet"] or a["id"] for a in document["articles"]}
    lines: list[str] = []
    events = {e["id"]: e for e in document.get("events", [])}
    if events:
        lines += ["## What happened", ""]
        for story in document.get("stories", []):
            lines += [f"### {_inline(story['title'])}", ""]
            for event_id in story["events"]:
                e = events[event_id]
                outlets = sorted({titles[a] for a in e["articles"]})
                lines.append(f"- **{e['date'] or 'undated'}** {_inline(e['title'])} — {len(e['articles'])} articles "
                             f"({', '.join(_inline(o) for o in outlets)})")
            lines.append("")
    copies = [c for c in document.get("copies", []) if c["kind"] != "duplicate"]
    if copies:
        lines += ["## Who copied whom", "", "| copy | of | kind | similarity | changes |", "| --- | --- | --- | ---: | --- |"]
        for c in copies:
            changes = "; ".join(f"{ch['kind']}: {_inline(ch['original'] or '')} → {_inline(ch['copy'] or '')}"
                                for ch in c["changes"] if ch["kind"] not in ("sentence dropped", "sentence added"))[:300]
            lines.append(f"| {_inline(titles[c['article']])} | {_inline(titles[c['of']])} | {c['kind']} | {c['similarity']:.2f} | {changes} |")
        lines.append("")
    return lines


def _flags(document: dict[str, Any]) -> list[str]:
    """Where sources disagree: each flag with its message and the evidence it points to."""
    texts = {a["id"]: (a["outlet_name"] or a["outlet"] or a["id"], a["text"]) for a in document["articles"]}
    flags = document.get("flags", [])
    lines = ["## Flags", ""] if flags else []
    for f in flags:
        lines.append(f"- **{f['severity']}** · {f['kind']}: {_inline(f['message'])}")
        for e in f["evidence"][:4]:
            name, text = texts.get(e["article"], (e["article"], ""))
            lines.append(f"  - {_inline(name)}: “{_inline(text[e['start']:e['end']][:200])}”")
    return lines + ([""] if flags else [])


def render_markdown(document: dict[str, Any]) -> str:
    articles = document["articles"]
    outlets = outlet_counts(document)
    lines = ["# Dossier", ""]
    lines.append(
        f"{len(articles)} articles from {len(outlets)} outlets; languages: "
        + ", ".join(f"{lang} {n}" for lang, n in language_counts(document))
        + f". Schema `{document['schema']}`."
    )
    lines += ["", "## Outlets", "", "| outlet | articles |", "| --- | ---: |"]
    lines += [f"| {_inline(name)} | {n} |" for name, n in outlets]
    lines.append("")
    lines += _flags(document)
    lines += _events_and_copies(document)
    lines += _quotes(document)
    lines += ["## Articles", ""]
    for number, article in enumerate(articles, start=1):
        lines += _article(number, article)
    problems = document.get("problems", [])
    if problems:
        lines += ["## Skipped and repaired inputs", "", "| input | what happened | why |", "| --- | --- | --- |"]
        lines += [f"| `{p['source']}` | {p['action']} | {_inline(p['reason'])} |" for p in problems]
        lines.append("")
    return "\n".join(lines)
