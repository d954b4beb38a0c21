"""Regenerate archive/crawl.warc.gz, the small WARC of dossier's synthetic sample corpus.

    python examples/sample/make_archive.py

Every page below is SYNTHETIC: fictional outlets and prose written for dossier's demo
about real public events. Not real news; do not cite.

The archive holds, in order:
  1. a `warcinfo` record (readers ignore it),
  2. a `request` record for the first page (readers must ignore it),
  3. three `response` records with HTML pages: these are the articles
     archive/crawl.warc.gz#1, #2 and #3 of gold.json (numbered among HTML responses only).

WARC-Date is the (fictional) crawl time, not the publication date: page #1 carries no
publication date at all, so its gold `published` is null.

Record IDs are derived from the URIs (uuid5) so that the output is stable; warcio
decides the exact gzip bytes, so byte-for-byte equality across warcio versions is not
promised, only an equivalent archive.
"""

from __future__ import annotations

import io
import os
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "archive", "crawl.warc.gz")

RECORDS = [
    dict(
        uri="https://harborcitycourier.example/world/mexico-president-cartels-washington",
        date="2024-03-16T08:12:44Z",
        html="""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- Synthetic sample article written for dossier's bundled demo. Fictional outlet, dates and prose about real public events; not real news, do not cite. -->
<title>Mexico's president: we won't fight the cartels for Washington | Harbor City Courier</title>
<meta property="og:site_name" content="Harbor City Courier">
<meta property="og:title" content="Mexico&#x27;s president: we won&#x27;t fight the cartels for Washington">
<meta property="og:type" content="article">
<link rel="canonical" href="https://harborcitycourier.example/world/mexico-president-cartels-washington">
<meta name="dossier:synthetic" content="true">
</head>
<body>
<header><div class="masthead">Harbor City Courier</div>
<nav><a href="/local">Local</a> | <a href="/transit">Transit</a> | <a href="/world">World</a> | <a href="/sports">Sports</a> | <a href="/obituaries">Obituaries</a></nav></header>
<main>
<article>
<h1>Mexico's president: we won't fight the cartels for Washington</h1>
<p class="byline">By Courier staff</p>
<p>MEXICO CITY — President Andrés Manuel López Obrador said on Friday that Mexico will not take on the drug cartels because Washington tells it to, drawing his sharpest line yet in a long argument with U.S. politicians who want a harder campaign against the gangs.</p>
<p>"We are not going to act as policemen for any foreign government," López Obrador told his morning news conference at the National Palace. "Mexico First. Our home comes first."</p>
<p>The president, whose six-year term ends on Sept. 30, has long defended a policy he sums up as "hugs, not bullets," arguing that poverty and a lack of jobs drive young men into the gangs and that the army should not be sent to hunt them.</p>
<p>He offered to keep working with the United States against fentanyl, but presented that help as a humanitarian gesture rather than an obligation. "Of course we are going to cooperate in fighting drugs, above all because it has become a very sensitive, very sad humanitarian issue," he said, adding that many young people in the United States are dying from the drug.</p>
<p class="related">Read more: Port Alder council approves new ferry timetable</p>
<p>U.S. health data put yearly deaths from synthetic opioids such as fentanyl at more than 70,000, and much of the supply is pressed in Mexican labs from precursor chemicals that arrive from China.</p>
<p>The remarks came as some Republican lawmakers in Washington pressed for U.S. forces to strike cartel laboratories on Mexican soil, an idea López Obrador has repeatedly dismissed as an affront to the country's sovereignty.</p>
<p>Harbor City Courier — Port Alder's hometown paper since 1911</p>
</article>
</main>
<footer><p>Harbor City Courier, 14 Quay Street, Port Alder. Subscribe | Advertise | Contact</p></footer>
</body>
</html>
""",
    ),
    dict(
        uri="https://harborcitycourier.example/world/2025/08/09/sheinbaum-us-military-ruled-out",
        date="2025-08-09T06:30:02Z",
        html="""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- Synthetic sample article written for dossier's bundled demo. Fictional outlet, dates and prose about real public events; not real news, do not cite. -->
<title>Sheinbaum says U.S. military action in Mexico is ruled out | Harbor City Courier</title>
<meta property="og:site_name" content="Harbor City Courier">
<meta property="og:title" content="Sheinbaum says U.S. military action in Mexico is ruled out">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2025-08-08T16:00:00-07:00">
<meta name="author" content="Tomás Reyland, Continental Press">
<link rel="canonical" href="https://harborcitycourier.example/world/2025/08/09/sheinbaum-us-military-ruled-out">
<meta name="dossier:synthetic" content="true">
</head>
<body>
<header><div class="masthead">Harbor City Courier</div>
<nav><a href="/local">Local</a> | <a href="/transit">Transit</a> | <a href="/world">World</a> | <a href="/sports">Sports</a> | <a href="/obituaries">Obituaries</a></nav></header>
<main>
<article>
<h1>Sheinbaum says U.S. military action in Mexico is ruled out</h1>
<p class="byline">By Tomás Reyland, Continental Press</p>
<p>MEXICO CITY (CP) — President Claudia Sheinbaum said on Friday that any U.S. military operation on Mexican territory was "absolutely ruled out," after reports that President Donald Trump had signed a directive telling the Pentagon to prepare options against Latin American drug cartels.</p>
<p>Sheinbaum said her government had been told in advance that Washington was preparing new measures on the cartels, but that troops were never on the table. "It is not part of any agreement, far from it," she told reporters at the National Palace.</p>
<p>The White House would not confirm that the directive exists. Officials said protecting the homeland remained the president's first priority, and Secretary of State Marco Rubio said the designation of the cartels earlier this year had changed how Washington sees them. "We have to start treating them as armed terrorist organizations, not simply drug-dealing entities," Rubio said.</p>
<p>In February the administration designated eight cartels and other criminal groups as foreign terrorist organizations. Sheinbaum warned at the time that the label must not become an excuse to violate Mexico's sovereignty.</p>
<div class="ad-slot">Advertisement</div>
<p>Both governments point to results from their cooperation. U.S. figures show border crossings fell to a record low in June, and seizures of fentanyl at the border are down by more than half.</p>
<p>U.S. Ambassador Ronald Johnson credited the joint work of the two governments, saying the cartels are "going bankrupt and our countries are safer because of it."</p>
<p>Sheinbaum, who took office in October, has sent thousands of National Guard troops to the northern border this year and handed dozens of accused cartel figures over to U.S. prosecutors.</p>
<p>Harbor City Courier — Port Alder's hometown paper since 1911</p>
</article>
</main>
<footer><p>Harbor City Courier, 14 Quay Street, Port Alder. Subscribe | Advertise | Contact</p></footer>
</body>
</html>
""",
    ),
    dict(
        uri="https://borderbeat.example/2025/08/09/sheinbaum-off-the-table/",
        date="2025-08-09T15:02:10Z",
        html="""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- Synthetic sample article written for dossier's bundled demo. Fictional outlet, dates and prose about real public events; not real news, do not cite. -->
<title>Sheinbaum: U.S. military action in Mexico 'completely off the table' | Border Beat Daily</title>
<meta property="og:site_name" content="Border Beat Daily">
<meta property="og:title" content="Sheinbaum: U.S. military action in Mexico &#x27;completely off the table&#x27;">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2025-08-09T08:45:00-05:00">
<meta name="author" content="Rick Sallow">
<link rel="canonical" href="https://borderbeat.example/2025/08/09/sheinbaum-off-the-table/">
<meta name="dossier:synthetic" content="true">
</head>
<body>
<header><div class="masthead">Border Beat Daily</div>
<nav><a href="/home">Home</a> | <a href="/border">Border</a> | <a href="/politics">Politics</a> | <a href="/opinion">Opinion</a> | <a href="/tips">Tips</a></nav></header>
<main>
<article>
<h1>Sheinbaum: U.S. military action in Mexico 'completely off the table'</h1>
<p class="byline">By Rick Sallow</p>
<p>Mexico's President Claudia Sheinbaum says U.S. military action on Mexican soil is "completely off the table," Continental Press reported on Friday, after word spread that President Donald Trump had told the Pentagon to prepare options against the cartels.</p>
<p>"It is not part of any agreement, far from it," Sheinbaum told reporters at the National Palace.</p>
<p>The White House would not confirm that the directive exists. Washington designated eight cartels and other criminal groups as foreign terrorist organizations in February, a move Sheinbaum warned must not become an excuse to violate Mexico's sovereignty.</p>
<p>Cooperation is working, both sides say: border crossings fell to a record low in June, and seizures of fentanyl at the border are down by about a third.</p>
<p>U.S. Ambassador Ronald Johnson said the cartels are "going bankrupt and our countries are safer because of it."</p>
<p>Sheinbaum has sent thousands of National Guard troops to the northern border this year and handed dozens of accused cartel figures over to U.S. prosecutors.</p>
<p>Share your thoughts in the comments below!</p>
<p>Border Beat Daily — independent news from the borderlands</p>
</article>
</main>
<footer><p>Border Beat Daily. All opinions are our own.</p></footer>
</body>
</html>
""",
    ),
]


def _rid(*parts: str) -> str:
    return "<urn:uuid:%s>" % uuid.uuid5(uuid.NAMESPACE_URL, "|".join(parts))


def main() -> None:
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        info = writer.create_warcinfo_record(
            "crawl.warc.gz",
            {
                "software": "dossier examples/sample/make_archive.py",
                "format": "WARC File Format 1.1",
                "description": "Synthetic sample crawl for dossier's demo; fictional outlets; not real news.",
                "isPartOf": "dossier-sample",
            },
        )
        info.rec_headers.replace_header("WARC-Record-ID", _rid("warcinfo", "crawl.warc.gz"))
        info.rec_headers.replace_header("WARC-Date", "2025-11-06T00:00:00Z")
        writer.write_record(info)

        for n, rec in enumerate(RECORDS):
            uri = rec["uri"]
            if n == 0:
                host = uri.split("/")[2]
                path = "/" + uri.split("/", 3)[3]
                req_headers = StatusAndHeaders(
                    f"GET {path} HTTP/1.1",
                    [("Host", host), ("User-Agent", "dossier-sample-crawler/1.0"), ("Accept", "text/html")],
                    protocol="HTTP/1.1",
                    is_http_request=True,
                )
                req = writer.create_warc_record(
                    uri,
                    "request",
                    payload=io.BytesIO(b""),
                    http_headers=req_headers,
                    warc_headers_dict={"WARC-Date": rec["date"], "WARC-Record-ID": _rid("request", uri)},
                )
                writer.write_record(req)
            body = rec["html"].encode("utf-8")
            http_headers = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            resp = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": rec["date"], "WARC-Record-ID": _rid("response", uri)},
            )
            writer.write_record(resp)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, {len(RECORDS)} responses)")


if __name__ == "__main__":
    main()
