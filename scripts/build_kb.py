#!/usr/bin/env python3
"""Build the shipped actor knowledge base (src/dossier/kb/data/actors.jsonl.gz).

Reads the third-party snapshots in ``<repo>/../shared/data`` (see src/dossier/kb/README.md
for what each contributes and its license) plus the hand-written
``src/dossier/kb/data/curated.jsonl``, merges them into one actor list and writes it
deterministically (sorted, gzip with mtime 0).

    .venv/bin/python scripts/build_kb.py [--shared DIR] [--out FILE]
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
from dossier.kb.model import date_hi, date_lo, norm  # noqa: E402

KB_DATA = REPO / "src" / "dossier" / "kb" / "data"
SINCE = 2000  # heads of state/government from this year on

# Country names differ between sources; map the variants to one display name.
COUNTRY_CANON = {
    "united states of america": "United States", "usa": "United States",
    "kingdom of the netherlands": "Netherlands", "kingdom of denmark": "Denmark",
    "people's republic of china": "China", "russian federation": "Russia",
    "united kingdom of great britain and northern ireland": "United Kingdom",
    "german federal republic": "Germany", "korea, republic of": "South Korea",
    "republic of korea": "South Korea", "korea, south": "South Korea",
    "korea, north": "North Korea", "democratic people's republic of korea": "North Korea",
    "ivory coast": "Côte d'Ivoire", "cote d'ivoire": "Côte d'Ivoire",
    "czech republic": "Czechia", "turkey": "Türkiye", "turkiye": "Türkiye",
    "the gambia": "Gambia", "republic of the congo": "Congo",
    "democratic republic of the congo": "DR Congo", "congo, democratic republic of": "DR Congo",
    "democratic republic of congo": "DR Congo", "myanmar (burma)": "Myanmar", "burma": "Myanmar",
    "swaziland": "Eswatini", "east timor": "Timor-Leste", "cape verde": "Cabo Verde",
    "macedonia": "North Macedonia", "state of palestine": "Palestine",
    "federated states of micronesia": "Micronesia", "vatican city": "Holy See",
    "bosnia-herzegovina": "Bosnia and Herzegovina", "kyrgyz republic": "Kyrgyzstan",
    "republic of ireland": "Ireland", "st. kitts and nevis": "Saint Kitts and Nevis",
    "st. lucia": "Saint Lucia", "st. vincent": "Saint Vincent and the Grenadines",
    "surinam": "Suriname", "the bahamas": "Bahamas", "serbia (yugoslavia)": "Serbia",
    "democratic republic of vietnam": "Vietnam",
}


def country(name: str) -> str:
    name = name.strip()
    return COUNTRY_CANON.get(norm(name), name)


def office_key(title: str, of: str) -> tuple[str, str]:
    return norm(title), norm(country(of))


class Builder:
    def __init__(self) -> None:
        self.actors: dict[str, dict] = {}
        self.name_index: dict[str, set[str]] = defaultdict(set)  # norm(name or alias) -> ids

    # --- actors -------------------------------------------------------------------------
    def add_actor(self, aid: str, name: str, kind: str, source: str, aliases=()) -> dict:
        a = self.actors.get(aid)
        if a is None:
            a = self.actors[aid] = {"id": aid, "name": name, "kind": kind, "aliases": set(),
                                    "roles": [], "sources": set()}
            self.name_index[norm(name)].add(aid)
        for al in aliases:
            self.add_alias(a, al)
        a["sources"].add(source)
        return a

    def add_alias(self, a: dict, alias: str) -> None:
        if alias and norm(alias) != norm(a["name"]):
            a["aliases"].add(alias)
        self.name_index[norm(alias)].add(a["id"])

    def person(self, name: str, source: str, qid: str | None = None, fallback_id: str | None = None) -> dict:
        """Find the person by Wikidata id or exact (normalised) name, else create one."""
        if qid and f"wd:{qid}" in self.actors:
            return self.add_actor(f"wd:{qid}", name, "person", source, [name])
        ids = [i for i in self.name_index.get(norm(name), ()) if self.actors[i]["kind"] == "person"]
        if len(ids) == 1:
            a = self.actors[ids[0]]
            if qid and a["id"].startswith("cur:"):
                a["qid"] = qid
            a["sources"].add(source)
            return a
        return self.add_actor(f"wd:{qid}" if qid else fallback_id or f"p:{slug(name)}", name, "person", source)

    def add_role(self, a: dict, title: str, of: str, start, end, source: str, as_of=None, rank: int = 9) -> None:
        a["roles"].append({"title": title, "of": country(of), "start": start or None, "end": end or None,
                           "source": source, "as_of": as_of, "rank": rank})

    # --- sources ------------------------------------------------------------------------
    def load_curated(self, path: Path) -> None:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            d = json.loads(line)
            aid = d.get("id") or (f"wd:{d['wikidata']}" if d.get("wikidata") else f"cur:{slug(d['name'])}")
            a = self.add_actor(aid, d["name"], d.get("kind", "person"), "curated", d.get("aliases", []))
            for s in d.get("sources", []):
                a["sources"].add(s)
            for r in d.get("roles", []):
                self.add_role(a, r["title"], r["of"], r.get("start"), r.get("end"), r["source"], r.get("as_of"), rank=0)

    def load_everypolitician(self, d: Path) -> None:
        src = "EveryPolitician mexico-ministers 2022-07-25 (Wikidata, CC0), holders21.csv"
        for row in csv.DictReader(open(d / "holders21.csv", encoding="utf-8")):
            if row["position"] == "position":
                continue
            if row["end"] and row["end"][:4] < str(SINCE):
                continue
            a = self.person(row["person"], "everypolitician-mexico", row["personID"] or None)
            self.add_role(a, row["position"], "Mexico", row["start"], row["end"], src,
                          as_of=None if row["end"] else "2022-07-25", rank=1)

    def load_wikidata2022(self, d: Path) -> None:
        src = "EveryPolitician world-leaders-2021 2022-10-09 (Wikidata, CC0), year precision"
        for row in csv.DictReader(open(d / "wikidata.csv", encoding="utf-8")):
            if row["end_year"] and int(row["end_year"]) < SINCE:
                continue
            label = row["positionLabel"]
            title = label.split(" of ")[0].strip() if " of " in label else label
            title = title[:1].upper() + title[1:]
            a = self.person(row["officeholderLabel"], "world-leaders-wikidata/2022", row["officeholder"])
            self.add_role(a, title, row["country"], row["start_year"], row["end_year"], src,
                          as_of=None if row["end_year"] else "2022-10-09", rank=3)

    def load_reign(self, d: Path) -> None:
        names = {}
        for row in csv.DictReader(open(d / "electionlist_3_21.csv", encoding="latin-1")):
            names.setdefault(row["ccode"], row["country"])
        for row in csv.DictReader(open(d / "regime_list.csv", encoding="latin-1")):
            names.setdefault(row["cowcode"], row["gwf_country"])
        rows = [r for r in csv.DictReader(open(d / "leaderlist_3_21.csv", encoding="latin-1")) if r["leader"]]
        by_country = defaultdict(list)
        for r in rows:
            by_country[r["ccode"]].append(r)
        src0 = "REIGN leaderlist March 2021 (Bell, Besaw & Frank, One Earth Future; cited, no data license stated): effective leader"
        for cc, tenures in by_country.items():
            cname = country(names.get(cc, tenures[0]["stateabb"]))
            tenures.sort(key=lambda r: (int(r["syear"]), int(r["smonth"] or 1), int(r["sdate"] or 1)))
            for i, r in enumerate(tenures):
                if r["eyear"] and int(r["eyear"]) < SINCE:
                    continue
                start = f"{int(r['syear']):04d}-{int(r['smonth']):02d}-{int(r['sdate']):02d}" if r["sdate"] and r["smonth"] else r["syear"]
                end = f"{int(r['eyear']):04d}-{int(r['emonth']):02d}" if r["eyear"] and r["emonth"] else (r["eyear"] or None)
                a = self.reign_person(r["leader"], cname, r["leadid"])
                self.add_role(a, "Leader", cname, start, end, src0,
                              as_of=None if end else "2021-03-01", rank=2)

    def reign_person(self, name: str, cname: str, leadid: str) -> dict:
        """REIGN gives surnames only ('Calderon'): join to a person already holding an office
        in the same country whose name ends with them, if exactly one does."""
        key = norm(name).replace("g.w. ", "george w. ")
        cands = set()
        for a in self.actors.values():
            if a["kind"] != "person" or not any(norm(r["of"]) == norm(cname) for r in a["roles"]):
                continue
            for n in [a["name"], *a["aliases"]]:
                nn = norm(n)
                if nn == key or nn.endswith(" " + key):
                    cands.add(a["id"])
        if len(cands) == 1:
            a = self.actors[cands.pop()]
            self.add_alias(a, name)
            a["sources"].add("reign-leaders")
            return a
        return self.add_actor(f"reign:{leadid}", name, "person", "reign-leaders")

    def load_archive2026(self, d: Path) -> None:
        """Cross-check only (the data README's caveat): confirm an open role of the same
        person and sharpen a year-precision start to the day."""
        rows = list(csv.DictReader(open(d / "all-leaders.csv", encoding="utf-8")))
        for row in rows:
            cname = country(row["Country"])
            for who, since in ((row["Head of Government"], row["HoG Since"]), (row["Head of State"], row["HoS Since"])):
                for aid in self.name_index.get(norm(who), ()):
                    for r in self.actors[aid]["roles"]:
                        if norm(r["of"]) != norm(cname) or r["end"] or r["rank"] != 3:
                            continue
                        if r["start"] and len(r["start"]) == 4 and since[:4] == r["start"]:
                            r["start"] = since
                            r["source"] += "; start day from world-leaders-current 2026-08-22 (CC BY-SA 4.0)"
                        if r["as_of"] and r["as_of"] < "2026-08-22":
                            r["as_of"] = "2026-08-22"
                            r["source"] += "; still in office per world-leaders-current 2026-08-22"

    # --- post-processing ------------------------------------------------------------------
    def dedupe_roles(self) -> None:
        """One person, one office: keep the best-ranked role where two overlap."""
        for a in self.actors.values():
            kept: list[dict] = []
            for r in sorted(a["roles"], key=lambda r: r["rank"]):
                if any(office_key(k["title"], k["of"]) == office_key(r["title"], r["of"]) and overlaps(k, r) for k in kept):
                    continue
                kept.append(r)
            a["roles"] = kept

    def handovers(self) -> None:
        """Per office, end each term the day before the next holder's precise start, so a
        handover day never has two holders; derive open ends the same way and say so."""
        offices = defaultdict(list)
        for a in self.actors.values():
            for r in a["roles"]:
                if r["title"] not in ("Agency", "Senator"):
                    offices[office_key(r["title"], r["of"])].append((a, r))
        for holders in offices.values():
            holders.sort(key=lambda ar: (date_lo(ar[1]["start"]) or date.min, ar[0]["id"]))
            for (a, r), (b, nxt) in zip(holders, holders[1:]):
                if a["id"] == b["id"] or not nxt["start"] or len(nxt["start"]) != 10:
                    continue
                ns = date.fromisoformat(nxt["start"])
                day_before = (ns - timedelta(days=1)).isoformat()
                if r["end"] is None:
                    r["end"] = day_before
                    r["source"] += f"; end derived: open in source, set to the day before successor {b['name']}'s start {nxt['start']}"
                    r["as_of"] = None
                elif len(r["end"]) == 10 and r["end"] >= nxt["start"]:
                    r["source"] += f"; end {r['end']} cut to {day_before} (successor {b['name']} starts {nxt['start']})"
                    r["end"] = day_before
                elif len(r["end"]) < 10 and nxt["start"].startswith(r["end"]):
                    r["source"] += f"; end day derived from successor {b['name']}'s start {nxt['start']}"
                    r["end"] = day_before

    def countries(self) -> None:
        for a in list(self.actors.values()):
            for r in a["roles"]:
                cname = r["of"]
                if not any(self.actors[i]["kind"] in ("country", "group", "organization")
                           for i in self.name_index.get(norm(cname), ())):
                    self.add_actor(f"country:{slug(cname)}", cname, "country", "derived: office country")

    def surname_aliases(self) -> None:
        """Accent-less forms always; surname-only forms only where no other actor has them."""
        cand: dict[str, set[str]] = defaultdict(set)
        forms: dict[str, str] = {}
        for a in self.actors.values():
            for n in [a["name"], *a["aliases"]]:
                plain = strip_accents(n)
                if plain != n:
                    self.add_alias(a, plain)
            if a["kind"] != "person" or not any((r["start"] or "0")[:4] >= str(SINCE) or (r["end"] or "9999") >= str(SINCE) for r in a["roles"]):
                continue
            toks = [t for t in re.split(r"\s+", a["name"]) if t]
            if len(toks) < 2:
                continue
            for k in ([2] if len(toks) >= 3 else [1]):
                s = " ".join(toks[-k:])
                if len(s) > 3 and s[0].isupper():
                    cand[norm(s)].add(a["id"])
                    forms[norm(s)] = s
        for key, ids in cand.items():
            owners = {i for i in self.name_index.get(key, ())} | ids
            if len(owners) == 1:
                a = self.actors[owners.pop()]
                self.add_alias(a, forms[key])
                self.add_alias(a, strip_accents(forms[key]))

    def write(self, out: Path) -> dict:
        lines, n_roles = [], 0
        for aid in sorted(self.actors):
            a = self.actors[aid]
            roles = sorted(({k: v for k, v in r.items() if k != "rank" and not (k == "as_of" and v is None)}
                            for r in a["roles"]), key=lambda r: (r["start"] or "", r["title"], r["of"]))
            n_roles += len(roles)
            rec = {"id": aid, "name": a["name"], "kind": a["kind"], "aliases": sorted(a["aliases"] - {a["name"]}),
                   "roles": roles, "sources": sorted(a["sources"])}
            lines.append(json.dumps(rec, ensure_ascii=False, sort_keys=False))
        raw = ("\n".join(lines) + "\n").encode("utf-8")
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
            gz.write(raw)
        out.write_bytes(buf.getvalue())
        return {"actors": len(lines), "roles": n_roles, "bytes": len(buf.getvalue())}


def overlaps(r1: dict, r2: dict) -> bool:
    a1, b1 = date_lo(r1["start"]) or date.min, date_hi(r1["end"]) or date.max
    a2, b2 = date_lo(r2["start"]) or date.min, date_hi(r2["end"]) or date.max
    return a1 <= b2 and a2 <= b1


def strip_accents(s: str) -> str:
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", norm(s)).strip("-")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=KB_DATA / "actors.jsonl.gz")
    args = p.parse_args(argv)
    sh = args.shared
    if not sh.is_dir():
        print(f"shared data not found: {sh}", file=sys.stderr)
        return 2
    b = Builder()
    b.load_curated(KB_DATA / "curated.jsonl")
    b.load_everypolitician(sh / "everypolitician-mexico")
    b.load_wikidata2022(sh / "world-leaders-wikidata" / "2022-every-politician")
    b.load_reign(sh / "reign-leaders")
    b.load_archive2026(sh / "world-leaders-wikidata" / "2026-open-data-archive")
    b.dedupe_roles()
    b.handovers()
    b.countries()
    b.surname_aliases()
    stats = b.write(args.out)
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
