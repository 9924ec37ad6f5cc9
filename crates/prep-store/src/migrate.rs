//! Schema migrations: the SQL files of `migrations/`, applied in order on open and recorded
//! in the `schema_version` table.

use crate::StoreError;
use crate::content::sha256_hex;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// One migration: its version, its name and its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The number in its file name (`0001_initial.sql` → 1).
    pub version: u32,
    /// The rest of its file name (`initial`).
    pub name: &'static str,
    /// The SQL, run as one batch in one transaction.
    pub sql: &'static str,
}

/// Every migration, in the order they are applied. A test checks that this list and the
/// files of `migrations/` agree.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "state_by_last_event",
        sql: include_str!("../migrations/0002_state_by_last_event.sql"),
    },
    Migration {
        version: 3,
        name: "catalogue_generation",
        sql: include_str!("../migrations/0003_catalogue_generation.sql"),
    },
];

/// Creates `schema_version` if needed, checks that the migrations already applied are the
/// ones this build knows (same SHA-256), and applies the missing ones, each in its own
/// transaction together with its `schema_version` row.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             sha256     TEXT NOT NULL,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         ) STRICT;",
    )?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let newest: Option<u32> =
        tx.query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if let Some(found) = newest.filter(|&v| v > known) {
        return Err(StoreError::NewerSchema { found, known });
    }
    for m in MIGRATIONS {
        let sha = sha256_hex(m.sql.as_bytes());
        let applied: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM schema_version WHERE version = ?1",
                [m.version],
                |r| r.get(0),
            )
            .optional()?;
        match applied {
            Some(s) if s == sha => continue,
            Some(_) => {
                return Err(StoreError::MigrationChanged {
                    version: m.version,
                    name: m.name,
                });
            }
            None => {}
        }
        tx.execute_batch(m.sql)
            .map_err(|source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            })?;
        tx.execute(
            "INSERT INTO schema_version (version, name, sha256) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, sha],
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_matches_the_migrations_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{:04}_{}.sql", m.version, m.name))
            .collect();
        assert_eq!(files, listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version as usize,
                i + 1,
                "versions are 1, 2, 3, … in order"
            );
        }
    }

    #[test]
    fn applying_twice_is_a_no_op_and_recorded_once() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("first");
        migrate(&mut conn).expect("second");
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n as usize, MIGRATIONS.len());
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("first");
        conn.execute(
            "UPDATE schema_version SET sha256 = 'x' WHERE version = 1",
            [],
        )
        .expect("tamper");
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::MigrationChanged { version: 1, .. })
        ));
    }
}
