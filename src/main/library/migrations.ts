/**
 * The library's schema as an ordered list of migrations. Migration `n` takes a database from
 * `PRAGMA user_version = n - 1` to `n`; version 0 is an empty file. A step is SQL or a function;
 * `migrate` (db.ts) runs the pending steps inside one transaction, so a database is always at one
 * whole version.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** The schema version this step produces (1, 2, ...; the list is in order without gaps). */
  readonly version: number;
  readonly description: string;
  /** SQL run with `exec`, or a function for steps that need to read data to transform it. */
  readonly up: string | ((db: Database) => void);
}

/** `PRAGMA application_id` of a nerfdex library: "NRFX". */
export const APPLICATION_ID = 0x4e524658;

/**
 * Schema version 1.
 *
 * Times are integer milliseconds since the Unix epoch. Ids are AUTOINCREMENT so that an asset id
 * is never reused: the HNSW index labels points with asset ids, and a reused id could make a
 * stale index look current.
 */
const SCHEMA_V1 = /* sql */ `
CREATE TABLE assets (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  content_sha256    TEXT    NOT NULL UNIQUE
                    CHECK (length(content_sha256) = 64 AND content_sha256 NOT GLOB '*[^0-9a-f]*'),
  name              TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 512),
  family            TEXT    NOT NULL CHECK (length(family) > 0),
  architecture      TEXT    NOT NULL CHECK (length(architecture) > 0),
  config            TEXT    NOT NULL CHECK (json_valid(config)),
  category          TEXT,
  caption           TEXT,
  caption_generated INTEGER NOT NULL DEFAULT 0 CHECK (caption_generated IN (0, 1)),
  meta              TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
-- The gallery's sort orders, alone and after the equality filters it offers.
CREATE INDEX assets_created      ON assets (created_at, id);
CREATE INDEX assets_updated      ON assets (updated_at, id);
CREATE INDEX assets_name         ON assets (name COLLATE NOCASE, id);
CREATE INDEX assets_family       ON assets (family, created_at, id);
CREATE INDEX assets_architecture ON assets (architecture, created_at, id);
CREATE INDEX assets_category     ON assets (category, created_at, id);

-- Where an asset's content lives on disk; one asset, any number of locations.
CREATE TABLE files (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  path       TEXT    NOT NULL UNIQUE,
  format     TEXT    NOT NULL,
  size       INTEGER NOT NULL CHECK (size >= 0),
  mtime_ms   INTEGER NOT NULL,
  sha256     TEXT    NOT NULL CHECK (length(sha256) = 64),
  status     TEXT    NOT NULL DEFAULT 'present' CHECK (status IN ('present', 'missing')),
  last_seen  INTEGER NOT NULL,
  added_at   INTEGER NOT NULL
);
CREATE INDEX files_asset  ON files (asset_id, status);
CREATE INDEX files_status ON files (status);

-- The latest failure per path; cleared when the path imports. size + mtime let a scan skip a
-- bad file that has not changed.
CREATE TABLE import_errors (
  path        TEXT    PRIMARY KEY,
  size        INTEGER,
  mtime_ms    INTEGER,
  error_class TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 1,
  at          INTEGER NOT NULL
);
CREATE INDEX import_errors_at ON import_errors (at);

-- Derived images and volumes live as files in the library's cache folder (path relative to it).
CREATE TABLE renditions (
  asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  kind       TEXT    NOT NULL CHECK (length(kind) > 0),
  path       TEXT    NOT NULL,
  bytes      INTEGER NOT NULL CHECK (bytes >= 0),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, kind)
) WITHOUT ROWID;

-- 'rejected' remembers a dismissed suggestion so a tagger does not suggest it again.
CREATE TABLE tags (
  asset_id   INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  tag        TEXT    NOT NULL CHECK (length(tag) BETWEEN 1 AND 64),
  source     TEXT    NOT NULL CHECK (source IN ('user', 'suggested', 'rejected')),
  confidence REAL    CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (asset_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_tag ON tags (tag, source, asset_id);

CREATE TABLE collections (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  name        TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 256),
  description TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE collection_assets (
  collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  asset_id      INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  added_at      INTEGER NOT NULL,
  PRIMARY KEY (collection_id, asset_id)
) WITHOUT ROWID;
CREATE INDEX collection_assets_asset ON collection_assets (asset_id);

-- Encoder versions. revision counts every change to the model's embeddings (triggers below):
-- an index file stamped with an older revision is stale.
CREATE TABLE models (
  version    TEXT    PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 64 AND version NOT GLOB '*[^A-Za-z0-9._-]*'),
  dims       INTEGER NOT NULL CHECK (dims BETWEEN 1 AND 65536),
  info       TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(info)),
  active     INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  revision   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active = 1;

-- float32 little-endian vectors as the encoder produced them (normalised when loaded).
CREATE TABLE embeddings (
  model_version TEXT    NOT NULL REFERENCES models (version) ON DELETE CASCADE,
  asset_id      INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
  dims          INTEGER NOT NULL,
  vector        BLOB    NOT NULL CHECK (length(vector) = 4 * dims),
  created_at    INTEGER NOT NULL,
  PRIMARY KEY (model_version, asset_id)
);
CREATE INDEX embeddings_asset ON embeddings (asset_id);
CREATE TRIGGER embeddings_dims_insert BEFORE INSERT ON embeddings
WHEN NEW.dims IS NOT (SELECT dims FROM models WHERE version = NEW.model_version)
BEGIN SELECT RAISE(ABORT, 'embedding dims differ from the model''s dims'); END;
CREATE TRIGGER embeddings_dims_update BEFORE UPDATE ON embeddings
WHEN NEW.dims IS NOT (SELECT dims FROM models WHERE version = NEW.model_version)
BEGIN SELECT RAISE(ABORT, 'embedding dims differ from the model''s dims'); END;
CREATE TRIGGER embeddings_revision_insert AFTER INSERT ON embeddings
BEGIN UPDATE models SET revision = revision + 1 WHERE version = NEW.model_version; END;
CREATE TRIGGER embeddings_revision_update AFTER UPDATE ON embeddings
BEGIN UPDATE models SET revision = revision + 1 WHERE version IN (OLD.model_version, NEW.model_version); END;
CREATE TRIGGER embeddings_revision_delete AFTER DELETE ON embeddings
BEGIN UPDATE models SET revision = revision + 1 WHERE version = OLD.model_version; END;

-- Long-running work (imports, re-embedding) that must survive a restart; payload holds its cursor.
CREATE TABLE jobs (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT    NOT NULL,
  state      TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  done       INTEGER NOT NULL DEFAULT 0,
  total      INTEGER,
  payload    TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
  error      TEXT,
  owner_pid  INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_state ON jobs (state, kind);

CREATE TABLE settings (
  key        TEXT    PRIMARY KEY,
  value      TEXT    NOT NULL CHECK (json_valid(value)),
  updated_at INTEGER NOT NULL
);

CREATE TABLE watched_folders (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  path         TEXT    NOT NULL UNIQUE,
  recursive    INTEGER NOT NULL DEFAULT 1 CHECK (recursive IN (0, 1)),
  added_at     INTEGER NOT NULL,
  last_scan_at INTEGER
);

-- Full-text search over names, captions, categories and (not rejected) tags; rowid = assets.id.
-- A table of its own (not external content) because the tags column is an aggregate.
CREATE VIRTUAL TABLE assets_fts USING fts5 (
  name, caption, category, tags,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);
CREATE TRIGGER assets_fts_insert AFTER INSERT ON assets BEGIN
  INSERT INTO assets_fts (rowid, name, caption, category, tags)
  VALUES (NEW.id, NEW.name, coalesce(NEW.caption, ''), coalesce(NEW.category, ''), '');
END;
CREATE TRIGGER assets_fts_update AFTER UPDATE OF name, caption, category ON assets BEGIN
  UPDATE assets_fts SET name = NEW.name, caption = coalesce(NEW.caption, ''), category = coalesce(NEW.category, '')
  WHERE rowid = NEW.id;
END;
CREATE TRIGGER assets_fts_delete AFTER DELETE ON assets BEGIN
  DELETE FROM assets_fts WHERE rowid = OLD.id;
END;
CREATE TRIGGER tags_fts_insert AFTER INSERT ON tags BEGIN
  UPDATE assets_fts SET tags = (SELECT coalesce(group_concat(tag, ' '), '') FROM tags WHERE asset_id = NEW.asset_id AND source <> 'rejected')
  WHERE rowid = NEW.asset_id;
END;
CREATE TRIGGER tags_fts_update AFTER UPDATE ON tags BEGIN
  UPDATE assets_fts SET tags = (SELECT coalesce(group_concat(tag, ' '), '') FROM tags WHERE asset_id = assets_fts.rowid AND source <> 'rejected')
  WHERE rowid IN (OLD.asset_id, NEW.asset_id);
END;
CREATE TRIGGER tags_fts_delete AFTER DELETE ON tags BEGIN
  UPDATE assets_fts SET tags = (SELECT coalesce(group_concat(tag, ' '), '') FROM tags WHERE asset_id = OLD.asset_id AND source <> 'rejected')
  WHERE rowid = OLD.asset_id;
END;
`;

/** Every schema version of the library, oldest first. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, description: 'catalogue: assets, files, tags, collections, embeddings, jobs, settings, full-text search', up: SCHEMA_V1 }];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Checks that `migrations` is numbered 1..n in order; `RangeError` quoting the first gap otherwise. */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new RangeError(`migration list: entry ${i} has version ${m.version}, expected ${i + 1} (versions run 1..n without gaps)`);
  });
}
