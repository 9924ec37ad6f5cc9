-- 0003 catalogue generation: counts the loads of each election's catalogue, so that a copy
-- of the catalogue kept in memory for snapshots knows when it is stale.
ALTER TABLE election ADD COLUMN catalogue_generation INTEGER NOT NULL DEFAULT 0;
