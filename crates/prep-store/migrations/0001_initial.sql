-- 0001 initial: elections, the catalogue of expected actas, the append-only event log (the
-- audit trail) and the current state of each acta derived from it.

-- One election of the process: its vote columns and the counting rules its actas are
-- classified with.
CREATE TABLE election (
    id      TEXT PRIMARY KEY,
    title   TEXT NOT NULL,
    -- JSON array of the vote column names, in published order.
    columns TEXT NOT NULL,
    -- JSON of prep_count::Rules.
    rules   TEXT NOT NULL
) STRICT;

-- The expected actas of each election, in the order they were loaded.
CREATE TABLE catalogue (
    id               INTEGER PRIMARY KEY,
    election         TEXT NOT NULL REFERENCES election (id),
    -- The store's key of the acta: CLAVE_ACTA, qualified with the area (and the occurrence)
    -- when the catalogue repeats it.
    acta             TEXT NOT NULL,
    -- 1, 2, … among the entries with the same CLAVE_ACTA and area.
    occurrence       INTEGER NOT NULL,
    clave_casilla    TEXT NOT NULL,
    clave_acta       TEXT NOT NULL,
    tipo_casilla     TEXT NOT NULL,
    id_casilla       TEXT NOT NULL,
    ext_contigua     TEXT NOT NULL,
    id_entidad       TEXT NOT NULL,
    entidad          TEXT NOT NULL,
    id_area          TEXT NOT NULL,
    area             TEXT NOT NULL,
    seccion          TEXT NOT NULL,
    ubicacion        INTEGER NOT NULL,
    tipo_acta        TEXT NOT NULL,
    lista_nominal    INTEGER NOT NULL,
    representantes   INTEGER NOT NULL,
    boletas_especial INTEGER,
    UNIQUE (election, acta)
) STRICT;

CREATE INDEX catalogue_clave ON catalogue (election, clave_acta);

-- Every capture, verification and correction, in the order they were acknowledged. Never
-- updated, never deleted.
CREATE TABLE event (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    election       TEXT NOT NULL REFERENCES election (id),
    -- The key the identification resolved to (catalogue key, or the fuera de catálogo key).
    acta           TEXT NOT NULL,
    fuera          INTEGER NOT NULL CHECK (fuera IN (0, 1)),
    -- JSON of the identification as captured.
    ident          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('capture', 'verification', 'correction')),
    origin         TEXT NOT NULL,
    -- The caller's clock: milliseconds since the Unix epoch.
    at_ms          INTEGER NOT NULL,
    -- JSON of the captured content, and the SHA-256 of exactly these bytes.
    content        TEXT NOT NULL,
    content_sha256 TEXT NOT NULL
) STRICT;

CREATE INDEX event_acta ON event (election, acta, id);

CREATE TRIGGER event_no_update BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TRIGGER event_no_delete BEFORE DELETE ON event
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

-- The current state of every captured acta (catalogue or fuera de catálogo), derived from
-- its events; an acta of the catalogue without a row here is not captured.
CREATE TABLE acta_state (
    id             INTEGER PRIMARY KEY,
    election       TEXT NOT NULL REFERENCES election (id),
    acta           TEXT NOT NULL,
    -- NULL for an acta fuera de catálogo.
    catalogue_id   INTEGER REFERENCES catalogue (id),
    ident          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('captured', 'verified')),
    -- JSON array of the vote cells in the election's column order (null: column not given).
    votes          TEXT NOT NULL,
    -- JSON of everything else captured.
    details        TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    -- The Anexo 13 classification: CONTABILIZADA code, OBSERVACIONES legend,
    -- TOTAL_VOTOS_CALCULADO (NULL for a sin acta or fuera de catálogo).
    contabilizada  TEXT NOT NULL,
    observaciones  TEXT NOT NULL,
    total_votos    INTEGER,
    capture_event  INTEGER NOT NULL REFERENCES event (id),
    capture_sha256 TEXT NOT NULL,
    last_event     INTEGER NOT NULL REFERENCES event (id),
    last_kind      TEXT NOT NULL,
    UNIQUE (election, acta)
) STRICT;

CREATE INDEX acta_state_catalogue ON acta_state (catalogue_id);

-- The actas fuera de catálogo of an election, in the order they were captured.
CREATE INDEX acta_state_fuera ON acta_state (election, capture_event) WHERE catalogue_id IS NULL;
