-- 0002 state by last event: lets a corte refresh the snapshot of the previous corte with
-- only the actas whose state changed since (ReadView::refresh).
CREATE INDEX acta_state_last_event ON acta_state (election, last_event);
