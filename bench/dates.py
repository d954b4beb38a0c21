"""Publication-date inference from the text alone: how often the inferred range holds the true date.

    .venv/bin/python bench/dates.py [--show N] [--gold-body]
    .venv/bin/python bench/dates.py --flags [--show N]    # the role-date check's flags on real coverage
    .venv/bin/python bench/dates.py --events [--show N]   # event dates (link/timeline.py) on the real corpus

NAEB (../shared/data/article-extraction-naeb/, the development half that is there): each page
is read as dossier reads it (extraction and cleaning), its metadata (meta tags, JSON-LD, URL,
htmldate) thrown away, and `published_range` inferred from the clean text and the KB alone,
with no crawl date. `--gold-body` uses the gold article bodies instead of our extraction.
Real corpus (../shared/data/real-corpus/): the openings' texts, scored against meta.jsonl's
dates (a month- or year-precise gold date counts as contained when the range meets it).
PolNeAR dev (../shared/data/polnear/dev/text, 84 U.S. political articles of 2015–2016, dates
from metadata.tsv).

`--events`: each gold event of the real corpus (its gold articles, with meta.jsonl's dates and the
text-only ranges) dated by link/timeline.py and compared with the gold day (gold ranges such as
`2025-02-19/20` count either day; month-only gold dates are not scored).

`--flags`: check/roles.py on the same three sets with their true dates given as the articles'
`published` (real articles without planted errors): flags per 100 articles by severity, and
each flag printed with its sentence for reading.

Scores: articles with any bound; of those, how many ranges contain the true date; ranges with
both bounds and their median width in days; the median distance from the earliest bound to the
true date (how tight a lower bound alone is). Misses are printed for reading.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from dossier.analyze.dates import normalize_date
from dossier.analyze.mentions import find_mentions
from dossier.analyze.published_range import combine, infer_bounds
from dossier.kb import load_kb
from dossier.kb.model import _bounds as date_span

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
NAEB = SHARED / "data" / "article-extraction-naeb"
REAL = SHARED / "data" / "real-corpus"
POLNEAR = SHARED / "data" / "polnear"


def naeb_items(gold_body: bool) -> list[dict]:
    from dossier.analyze.article import analyze_document
    from dossier.model import Article, RawDocument

    gold = json.loads((NAEB / "articles.json").read_text())
    items = []
    for key in sorted(gold):
        g = gold[key]
        path = NAEB / "html" / f"{key}.html.gz"
        truth = normalize_date(g["date"]) if g["date"] and g["date"] != "NaT" else None
        if not path.exists() or truth is None:
            continue
        if gold_body:
            text = g["articleBody"]
        else:
            html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
            article = analyze_document(RawDocument(source=f"{key}.html", content=html, kind="html"))
            if not isinstance(article, Article):
                continue
            text = article.text  # metadata (published, url) is not used
        items.append({"id": key, "text": text, "truth": truth})
    return items


def real_items() -> list[dict]:
    items = []
    for line in (REAL / "articles" / "meta.jsonl").read_text().splitlines():
        meta = json.loads(line)
        if not meta.get("published"):
            continue
        text = (REAL / "articles" / meta["file"]).read_text(encoding="utf-8")
        items.append({"id": meta["file"], "text": text, "truth": meta["published"]})
    return items


def polnear_items() -> list[dict]:
    items = []
    for line in (POLNEAR / "metadata.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        row = line.split("\t")
        path = POLNEAR / "dev" / "text" / f"{row[1]}.txt"
        if row[0] == "dev" and path.exists():
            items.append({"id": row[1], "text": path.read_text(encoding="utf-8"), "truth": row[5]})
    return items


def flags(sets: dict[str, list[dict]], show: int) -> None:
    from dossier.analyze.record import analyze_text
    from dossier.check import roles

    kb = load_kb()
    for label, items in sets.items():
        articles, records = [], {}
        for item in items:
            day = date.fromisoformat(item["truth"]) if len(item["truth"]) == 10 else None
            record = analyze_text(item["text"], on=day, latest=None, lang=None, kb=kb)
            article = {"id": item["id"], "text": item["text"], "published": item["truth"], "published_range": None}
            if day is None:  # month- or year-precise: the range the export would give
                from dossier.analyze.published_range import published_range
                inferred = record["published_range"] or {}
                article["published_range"] = published_range(
                    inferred.get("reasons", []) + inferred.get("ignored", []), item["truth"], "sidecar")
            articles.append(article)
            records[item["id"]] = record
        found = roles.detect({"articles": articles}, records, kb)
        from dossier.analyze.published_range import titled_mentions
        titles = sum(len(titled_mentions(a["text"], records[a["id"]]["mentions"], kb)) for a in articles)
        by_severity = {s: sum(f["severity"] == s for f in found) for s in ("error", "warning", "info")}
        per100 = {s: round(100 * n / len(items), 2) for s, n in by_severity.items()}
        print(json.dumps({"set": label, "articles": len(items), "titles_checked": titles, "flags": by_severity,
                          "per_100_articles": per100}))
        texts = {a["id"]: a["text"] for a in articles}
        for f in found[:show]:
            e = f["evidence"][0]
            text = texts[e["article"]]
            print(f"  {f['severity']:7} {e['article'][:40]}: {f['message']}\n"
                  f"           …{text[max(0, e['start'] - 120):e['end'] + 80]!r}…")


def events(show: int) -> None:
    from dossier.analyze.published_range import published_range
    from dossier.link.timeline import event_date

    kb = load_kb()
    gold = json.loads((REAL / "gold.json").read_text())
    metas = {json.loads(l)["file"]: json.loads(l) for l in (REAL / "articles" / "meta.jsonl").read_text().splitlines()}
    articles = {}
    for name, meta in metas.items():
        text = (REAL / "articles" / name).read_text(encoding="utf-8")
        inferred = combine(infer_bounds(text, [m.to_dict() for m in find_mentions(text, kb)], kb)) or {}
        articles[name.removesuffix(".txt")] = {
            "id": name.removesuffix(".txt"), "text": text, "published": meta["published"],
            "published_range": published_range(inferred.get("reasons", []) + inferred.get("ignored", []),
                                               meta["published"], "sidecar")}
    members: dict[str, list[str]] = {}
    for article, event in gold["event_of"].items():
        members.setdefault(event, []).append(article.removesuffix(".txt"))
    tally: Counter = Counter()
    wrong = []
    for event, info in sorted(gold["events"].items()):
        truth = info["date"]
        if len(truth) < 10:
            tally["gold month only"] += 1
            continue
        days = {truth[:10]} | ({truth[:8] + truth[11:13]} if "/" in truth else set())
        result = event_date({"id": event, "articles": members.get(event, [])}, articles)
        tally[result["certainty"]] += 1
        if result["date"]:
            ok = result["date"] in days
            tally[f"{result['certainty']} right" if ok else f"{result['certainty']} wrong"] += 1
            if not ok:
                wrong.append((event, truth, result))
        elif result["latest"]:
            tally["range holds" if min(days) <= result["latest"] else "range wrong"] += 1
    print(json.dumps({"set": "real corpus gold events", **dict(sorted(tally.items()))}))
    for event, truth, result in wrong[:show]:
        print(f"  WRONG {event} gold {truth} ours {result['date']} ({result['certainty']})")
        for r in result["reasons"][:2] + result["disagreements"][:2]:
            print(f"     {r['reason']}")


def score(items: list[dict], show: int, label: str) -> dict:
    kb = load_kb()
    bounded = contained = 0
    widths, gaps, misses = [], [], []
    t0 = time.perf_counter()
    for item in items:
        mentions = [m.to_dict() for m in find_mentions(item["text"], kb)]
        result = combine(infer_bounds(item["text"], mentions, kb))
        item["range"] = result
        if not result or (result["earliest"] is None and result["latest"] is None):
            continue
        bounded += 1
        first, last = date_span(item["truth"])
        lo = date.fromisoformat(result["earliest"]) if result["earliest"] else date.min
        hi = date.fromisoformat(result["latest"]) if result["latest"] else date.max
        if lo <= last and first <= hi:
            contained += 1
        else:
            misses.append(item)
        if result["earliest"] and result["latest"]:
            widths.append((hi - lo).days + 1)
        if result["earliest"] and first == last:
            gaps.append((first - lo).days)
    secs = time.perf_counter() - t0
    out = {
        "set": label, "articles": len(items), "any_bound": bounded,
        "contained": contained, "contained_pct": round(100 * contained / bounded, 1) if bounded else None,
        "both_bounds": len(widths), "median_width_days": statistics.median(widths) if widths else None,
        "median_days_after_earliest": statistics.median(gaps) if gaps else None,
        "earliest_within_7_days": sum(g <= 7 for g in gaps), "earliest_within_31_days": sum(g <= 31 for g in gaps),
        "ms_per_article": round(1000 * secs / max(1, len(items)), 1),
    }
    print(json.dumps(out))
    for item in misses[:show]:
        print(f"  MISS {item['id']} true {item['truth']} range {item['range']['earliest']}..{item['range']['latest']}")
        for r in item["range"]["reasons"][:4]:
            s, e = r["start"], r["end"]
            context = item["text"][max(0, (s or 0) - 80):(e or 0) + 40].replace("\n", " ") if s is not None else ""
            print(f"     {r['reason']}\n       …{context}…")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=10, help="misses to print per set")
    parser.add_argument("--gold-body", action="store_true", help="NAEB gold bodies instead of our extraction")
    parser.add_argument("--flags", action="store_true", help="the role-date check on real coverage")
    parser.add_argument("--events", action="store_true", help="event dates on the real corpus's gold events")
    args = parser.parse_args()
    if args.events:
        events(args.show)
        return 0
    if not NAEB.is_dir() or not REAL.is_dir() or not POLNEAR.is_dir():
        sys.exit(f"shared data not found under {SHARED / 'data'}")
    naeb = naeb_items(args.gold_body)
    label = "NAEB dev" + (" (gold bodies)" if args.gold_body else "")
    if args.flags:
        flags({label: naeb, "real corpus": real_items(), "PolNeAR dev": polnear_items()}, args.show)
        return 0
    score(naeb, args.show, label)
    score(real_items(), args.show, "real corpus (dated in meta.jsonl)")
    score(polnear_items(), args.show, "PolNeAR dev")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
