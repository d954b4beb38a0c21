"""The SQLite schema as numbered migrations.

Each migration runs once, in its own transaction, and bumps `PRAGMA user_version`; a
database made by an older dossier is brought up to date when it is opened. Never edit
a migration that has shipped: add the next one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the corpus: articles, where each came from, what cleaning removed, what failed.
    """
    CREATE TABLE articles (
        id         TEXT PRIMARY KEY,          -- content hash of base_text
        base_text  TEXT NOT NULL,             -- clean text after per-article cleaning
        text       TEXT NOT NULL,             -- base_text less lines learned as outlet boilerplate
        lang       TEXT,
        added_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );

    -- One row per file or record an article was read from; the same clean text from
    -- two sources is one article with two rows here.
    CREATE TABLE sources (
        source           TEXT PRIMARY KEY,    -- file path, or "file#n" for the n-th record
        file             TEXT NOT NULL,       -- the input file it came from
        article_id       TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        url              TEXT,
        outlet           TEXT,
        outlet_name      TEXT,
        title            TEXT,
        author           TEXT,
        published        TEXT,
        published_source TEXT,
        fetched          TEXT,                -- crawl date (WARC-Date): publication is on or before it
        partial          INTEGER NOT NULL DEFAULT 0,
        extractor        TEXT,
        synthetic        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX sources_article ON sources(article_id);
    CREATE INDEX sources_file ON sources(file);
    CREATE INDEX sources_outlet ON sources(outlet);

    -- What cleaning removed: per source (patterns), or per article (learned lines).
    CREATE TABLE removals (
        source     TEXT REFERENCES sources(source) ON DELETE CASCADE,
        article_id TEXT REFERENCES articles(id) ON DELETE CASCADE,
        seq        INTEGER NOT NULL,
        text       TEXT NOT NULL,
        reason     TEXT NOT NULL,
        CHECK ((source IS NULL) <> (article_id IS NULL))
    );
    CREATE INDEX removals_source ON removals(source);
    CREATE INDEX removals_article ON removals(article_id);

    -- Inputs that were skipped or repaired, with a plain reason.
    CREATE TABLE problems (
        source     TEXT NOT NULL,
        file       TEXT NOT NULL,
        action     TEXT NOT NULL CHECK (action IN ('skipped', 'repaired')),
        reason     TEXT NOT NULL,
        seen_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        PRIMARY KEY (source, action, reason)
    );
    CREATE INDEX problems_file ON problems(file);

    -- Files read to the end, so that a rerun skips them while they are unchanged.
    CREATE TABLE files (
        file     TEXT PRIMARY KEY,
        size     INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        articles INTEGER NOT NULL,
        skipped  INTEGER NOT NULL,
        done_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );

    CREATE TABLE builds (
        id         INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        inputs     TEXT NOT NULL,             -- JSON list of the PATH arguments
        documents  INTEGER NOT NULL DEFAULT 0,
        new_articles INTEGER NOT NULL DEFAULT 0,
        skipped    INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 2: per-article analysis records (mentions, quotations) and what linking derives from them.
    """
    -- One compact analysis record per article, computed on articles.text; `key` says what it was
    -- computed from (text hash, date, analyser and KB versions), so a change redoes only that article.
    CREATE TABLE analyses (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        record     TEXT NOT NULL             -- JSON: {"mentions": [...], "quotes": [...]}
    );

    -- Actors mentioned in the corpus (KB actors and corpus-local ones), as exported.
    CREATE TABLE actors (
        id     TEXT PRIMARY KEY,
        name   TEXT NOT NULL,
        kind   TEXT NOT NULL,
        record TEXT NOT NULL                 -- JSON: the export entry
    );

    -- One row per statement across the corpus, and one per place it occurs.
    CREATE TABLE quotes (
        id           TEXT PRIMARY KEY,
        text         TEXT NOT NULL,
        kind         TEXT NOT NULL,
        speaker      TEXT,                   -- actor id
        speaker_name TEXT,
        first_seen   TEXT,
        first_seen_candidates TEXT NOT NULL DEFAULT '[]'  -- JSON: every article dated on the earliest day
    );
    CREATE TABLE quote_occurrences (
        quote_id   TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start      INTEGER NOT NULL,
        end        INTEGER NOT NULL,
        record     TEXT NOT NULL,            -- JSON: the export occurrence
        PRIMARY KEY (article_id, start, end)
    );
    CREATE INDEX quote_occurrences_quote ON quote_occurrences(quote_id);
    """,
    # 3: copy relations between articles (and duplicate sources of one article).
    """
    CREATE TABLE copies (
        article    TEXT NOT NULL,              -- the copy
        of         TEXT NOT NULL,              -- the article it was copied from
        source     TEXT NOT NULL DEFAULT '',   -- for duplicates: the copy's source
        kind       TEXT NOT NULL,
        similarity REAL,
        record     TEXT NOT NULL,              -- JSON: the export entry
        PRIMARY KEY (article, of, source)
    );
    CREATE INDEX copies_of ON copies(of);
    """,
    # 4: events and stories (replaced as a whole by each linking).
    """
    CREATE TABLE events (
        id     TEXT PRIMARY KEY,
        seq    INTEGER NOT NULL,
        record TEXT NOT NULL                 -- JSON: the export entry
    );
    CREATE TABLE stories (
        id     TEXT PRIMARY KEY,
        seq    INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    """,
    # 5: numeric claims and flags (replaced as a whole by each linking, like events).
    """
    CREATE TABLE claims (
        id     TEXT PRIMARY KEY,
        seq    INTEGER NOT NULL,
        record TEXT NOT NULL                 -- JSON: the export entry
    );
    CREATE TABLE flags (
        id       TEXT PRIMARY KEY,
        seq      INTEGER NOT NULL,
        kind     TEXT NOT NULL,
        severity TEXT NOT NULL,
        record   TEXT NOT NULL               -- JSON: the export entry
    );
    CREATE INDEX flags_kind ON flags(kind, severity);
    """,
    # 6: the linking state saved between builds (link/linker.py), so a build links only its new articles.
    """
    CREATE TABLE link_state (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,               -- linker.STATE_VERSION
        kb      TEXT NOT NULL,               -- fingerprint of the knowledge base it was linked with
        state   BLOB NOT NULL                -- zlib-compressed pickle of the Linker
    );
    """,
    # 7: completion markers of the shard stage (scale/shards.py), so a rerun skips finished shards.
    """
    -- One row per shard written (articles, sources, problems, analysis records and this row in one
    -- transaction). `file` is the input file a record shard came from, or the first file of a group.
    CREATE TABLE shards (
        id        TEXT PRIMARY KEY,           -- hash of the shard's inputs (path, size, mtime, index, size limit)
        file      TEXT NOT NULL,
        seq       INTEGER NOT NULL,           -- index of the shard within its file (0 for a group of files)
        items     INTEGER NOT NULL,           -- records or files it held
        articles  INTEGER NOT NULL,           -- articles it stored
        done_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE INDEX shards_file ON shards(file);
    """,
    # 8: event membership as rows, so an article joining a big event writes one row (its reason for
    # joining, what its lead says of the day) and the event's small header, not the whole event again.
    # events.record then holds the header only (link/corpus.py: read_events puts them back together).
    """
    CREATE TABLE event_articles (
        article_id TEXT PRIMARY KEY,
        event_id   TEXT NOT NULL,
        position   INTEGER NOT NULL,          -- order of joining: the export's `articles` order
        why        TEXT NOT NULL,             -- JSON: why it joined (the export's `why[article]`)
        reason     TEXT                       -- JSON: what its lead says of the event's day, or NULL
    );
    CREATE INDEX event_articles_event ON event_articles(event_id, position);
    -- the articles linked since link_state's snapshot, in order, replayed onto it when it is loaded
    -- (link/linker.py), so a small batch saves a few rows instead of the whole state
    CREATE TABLE link_journal (
        seq        INTEGER PRIMARY KEY,
        article_id TEXT,                      -- NULL: a batch that only added sources
        key        TEXT,                      -- the analysis key it was linked with
        title      TEXT,
        published  TEXT,
        outlets    TEXT,                      -- JSON list
        max_source INTEGER NOT NULL           -- the linker's max_source_rowid after it
    );
    """,
    # 9: what the corpus-level steps of a build need to redo only what changed: each article's
    # text hash (NULL when unknown: set by the analysis stage, cleared when the text changes), and
    # per outlet the signature of its articles and the boilerplate lines learned from them.
    """
    ALTER TABLE articles ADD COLUMN text_hash TEXT;
    CREATE TRIGGER articles_text_changed AFTER UPDATE OF text ON articles
        WHEN NEW.text IS NOT OLD.text
    BEGIN
        UPDATE articles SET text_hash = NULL WHERE id = NEW.id;
    END;
    CREATE TABLE outlet_boilerplate (
        outlet    TEXT PRIMARY KEY,
        signature TEXT NOT NULL,             -- which articles the outlet had when its lines were learned
        lines     TEXT NOT NULL              -- JSON list of the paragraphs learned as its boilerplate
    );
    """,
    # 10: claims and flags by the scope that produced them (link/derived.py), so a batch replaces
    # the rows of the groups, articles, events, statements and copies it touched, not both tables.
    """
    ALTER TABLE claims ADD COLUMN scope TEXT;   -- "g:<group>"; NULL: written whole, redone whole next time
    CREATE INDEX claims_scope ON claims(scope);
    ALTER TABLE flags ADD COLUMN scope TEXT;    -- "a:", "e:", "q:", "c:", "k:" or "g:" and its key
    CREATE INDEX flags_scope ON flags(scope);
    -- each article's claim group (smallest article id of what events, stories and copies tie
    -- to it), event and story when claims were last derived: a change marks its group dirty
    CREATE TABLE claim_groups (
        article_id TEXT PRIMARY KEY,
        grp        TEXT NOT NULL,
        event      TEXT,
        story      TEXT
    );
    -- what claim matching reads of each claim's sentence (link.claims.article_features), kept so
    -- a group's claims are redone without reading and scanning its articles' texts again
    CREATE TABLE claim_features (
        article_id TEXT PRIMARY KEY,
        key        TEXT NOT NULL,             -- the analysis key it was computed with
        features   TEXT NOT NULL              -- JSON: [[context terms], [names], crowded] per claim
    );
    """,
    # 11: which analyses were added, redone or removed since a seq, so an incremental link finds its
    # new and changed articles without reading every analysis (link.corpus.link; pruned up to the
    # seq the saved linking state has seen).
    """
    CREATE TABLE analysis_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id TEXT NOT NULL
    );
    CREATE TRIGGER analysis_added AFTER INSERT ON analyses
    BEGIN
        INSERT INTO analysis_log (article_id) VALUES (NEW.article_id);
    END;
    CREATE TRIGGER analysis_redone AFTER UPDATE OF key ON analyses
        WHEN NEW.key IS NOT OLD.key
    BEGIN
        INSERT INTO analysis_log (article_id) VALUES (NEW.article_id);
    END;
    CREATE TRIGGER analysis_removed AFTER DELETE ON analyses
    BEGIN
        INSERT INTO analysis_log (article_id) VALUES (OLD.article_id);
    END;
    """,
    # 12: claim scopes that do not grow with the corpus (link.claims.claim_scopes): an article's
    # claim group is its event, and a copy relation across events is a scope of its two articles.
    # The rows say which scopes hold each article, so a batch finds the scopes its articles left
    # by id; claim_groups (connected components of events and copies, schema 10) goes, and the
    # next build derives every scope again (link/derived.py: no claim_scopes rows, so a full run).
    """
    DROP TABLE claim_groups;
    CREATE TABLE claim_scopes (
        article_id TEXT NOT NULL,
        scope      TEXT NOT NULL,             -- "g:<event>" (or "g:<article>" without one), "p:<id>:<id>"
        PRIMARY KEY (article_id, scope)
    ) WITHOUT ROWID;
    CREATE INDEX claim_scopes_scope ON claim_scopes(scope);
    """,
    # 13: what the corpus steps of a build need to redo only what changed since they last ran: a log
    # of source rows added, removed or changed (outlet keys, outlet boilerplate and the analyses'
    # dates read the articles and outlets it names, not every source), each step's place in it
    # (marks; also the token of the saved linking state, which a server checks, not the state's
    # bytes, to see whether another build saved one since), the articles whose text hash is unknown.
    """
    CREATE TABLE source_log (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id  TEXT,
        outlet      TEXT,
        outlet_name TEXT
    );
    CREATE TRIGGER source_added AFTER INSERT ON sources
    BEGIN
        INSERT INTO source_log (article_id, outlet, outlet_name) VALUES (NEW.article_id, NEW.outlet, NEW.outlet_name);
    END;
    CREATE TRIGGER source_removed AFTER DELETE ON sources
    BEGIN
        INSERT INTO source_log (article_id, outlet, outlet_name) VALUES (OLD.article_id, OLD.outlet, OLD.outlet_name);
    END;
    CREATE TRIGGER source_changed AFTER UPDATE OF article_id, outlet, outlet_name, published, fetched ON sources
    BEGIN
        INSERT INTO source_log (article_id, outlet, outlet_name) VALUES (OLD.article_id, OLD.outlet, OLD.outlet_name);
        INSERT INTO source_log (article_id, outlet, outlet_name) VALUES (NEW.article_id, NEW.outlet, NEW.outlet_name);
    END;
    CREATE TABLE marks (
        name  TEXT PRIMARY KEY,              -- a corpus step
        value TEXT NOT NULL                  -- JSON: the source_log seq it has seen, and what it ran with
    );
    CREATE INDEX articles_unhashed ON articles(id) WHERE text_hash IS NULL;
    CREATE INDEX sources_outlet_name ON sources(outlet_name);
    """,
    # 14: a story's events as rows, as an event's articles are (schema 8), so an article that joins
    # an event of a story of 40,000 events writes one row, not the story's whole list again. `story`
    # is the story's stable key (the linker's root event); its row in `stories` keeps it as `root`
    # beside the id it is exported under (which follows its first event). An event's place is its
    # first day, as its row in `events` is ordered (`seq`), so migrated rows read back as before;
    # the next build relinks in full (linking state version 12), which writes them as the linker keys them.
    # Also: the outlet-name index covers what the outlet keys count (a post of an outlet with 2,600
    # articles read each of their rows twice).
    """
    CREATE TABLE story_events (
        event TEXT PRIMARY KEY,
        story TEXT NOT NULL,
        place INTEGER NOT NULL               -- the event's first day (ordinal; undated last)
    ) WITHOUT ROWID;
    CREATE INDEX story_events_story ON story_events(story, place, event);
    ALTER TABLE stories ADD COLUMN root TEXT;
    UPDATE stories SET root = json_extract(record, '$.events[0]');
    INSERT OR REPLACE INTO story_events (event, story, place)
        SELECT j.value, s.root, COALESCE((SELECT e.seq FROM events e WHERE e.id = j.value), 10000000)
        FROM stories s, json_each(s.record, '$.events') j;
    UPDATE stories SET record = json_remove(record, '$.events');
    -- the linking state's compressed pickle in chunks (link.linker._Chunks): one value is at most
    -- 1 GB, which the state of a million articles would pass; `link_state.state` is left empty
    CREATE TABLE link_state_chunks (
        seq  INTEGER PRIMARY KEY,
        data BLOB NOT NULL
    );
    INSERT INTO link_state_chunks (seq, data) SELECT 0, state FROM link_state WHERE length(state) > 0;
    UPDATE link_state SET state = x'';
    -- and the outlet keys' counts (store.corpus.unify_outlet_keys) read from the index alone
    DROP INDEX sources_outlet_name;
    CREATE INDEX sources_outlet_name ON sources(outlet_name, outlet, url);
    """,
    # 15: the build summary's languages and outlets (store.corpus.counts) counted from indexes alone:
    # at 1,000,000 articles they scanned the articles and sources tables, 5.7 and 2.5 s of each
    # single-article build's ~30 s
    """
    CREATE INDEX articles_lang ON articles(lang);
    DROP INDEX sources_outlet;
    CREATE INDEX sources_outlet ON sources(outlet, article_id);
    """,
    # 16: what learning an outlet's boilerplate reads of each article (corpus.clean.LineProfile), so a
    # build relearns an outlet from these, not from its texts (a batch add at 1,000,000 articles read
    # every text of the outlets it touched: 85 s); made from the base text when missing, dropped when
    # the base text changes
    """
    CREATE TABLE article_lines (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        profile    TEXT NOT NULL             -- JSON: corpus.clean.LineProfile of the article's base text
    );
    CREATE TRIGGER article_lines_base_changed AFTER UPDATE OF text, base_text ON articles
    WHEN COALESCE(NULLIF(NEW.base_text, ''), NEW.text) IS NOT COALESCE(NULLIF(OLD.base_text, ''), OLD.text)
    BEGIN
        DELETE FROM article_lines WHERE article_id = NEW.id;
    END;
    """,
]
