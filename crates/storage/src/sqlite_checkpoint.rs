//! Checkpoints of a SQLite file's write-ahead log on a thread of their own.
//!
//! Why: by default the connection whose commit takes the WAL past 1 000 pages copies the
//! log back into the database file before its commit returns. The batch writes through one
//! connection at a time, so every checkpoint sat on its critical path: a `perf` profile of a
//! first batch of 10 000 learners had about 1 s of the writer's time in
//! `sqlite3WalCheckpoint`, much of it after the computation had ended and one core was idle.
//! Here the pool's connections only checkpoint as a backstop ([`BACKSTOP_PAGES`]), and a
//! thread with a connection of its own runs passive checkpoints, which never block a writer
//! or a reader (SQLite copies only the frames no open read transaction still needs).
//!
//! The thread polls: each round runs `PRAGMA wal_checkpoint(PASSIVE)`, and waits
//! [`BUSY_WAIT`] for the next one when the log grew by at least [`BUSY_FRAMES`] since the
//! last round (a batch is writing), [`IDLE_WAIT`] otherwise, so a serving process's small
//! writes are checkpointed within a second without a checkpoint (and its `fsync`) per
//! commit.

use crate::sqlite_bulk::sqlite_error;
use la_app::ports::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// `PRAGMA wal_autocheckpoint` of the pool's connections: a committing connection still
/// checkpoints once the log holds this many pages (256 MiB at 16 KiB pages), should the
/// thread fall behind or be gone. A passive checkpoint finding the thread's checkpoint
/// under way returns at once.
pub const BACKSTOP_PAGES: u32 = 16 * 1024;

/// Log growth (in frames) between two rounds that counts as a writer at work.
const BUSY_FRAMES: i64 = 64;
const BUSY_WAIT: Duration = Duration::from_millis(5);
const IDLE_WAIT: Duration = Duration::from_millis(500);

/// The checkpointing thread of one database file; stopped when dropped or [`stop`]ped.
///
/// [`stop`]: Checkpointer::stop
pub(crate) struct Checkpointer {
    stop: Mutex<Option<(mpsc::Sender<()>, JoinHandle<()>)>>,
}

impl Checkpointer {
    /// Opens a connection to `path` and starts checkpointing it.
    pub(crate) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_error)?;
        let (sender, stopped) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || checkpoint_until_stopped(&conn, &stopped))
            .map_err(|e| StoreError::Other(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self {
            stop: Mutex::new(Some((sender, thread))),
        })
    }

    /// Stops the thread after its current round, and waits for it; its connection, closing,
    /// checkpoints what is left.
    pub(crate) fn stop(&self) {
        let running = self.stop.lock().map(|mut s| s.take()).unwrap_or_default();
        if let Some((sender, thread)) = running {
            drop(sender);
            // A panicked round has nothing left to stop.
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    /// Signals the thread without waiting for it (a drop may run on an async worker).
    fn drop(&mut self) {
        if let Ok(mut running) = self.stop.lock() {
            running.take();
        }
    }
}

fn checkpoint_until_stopped(conn: &Connection, stopped: &mpsc::Receiver<()>) {
    let mut last_log = 0;
    loop {
        let wait = match passive_checkpoint(conn) {
            Ok(log) => {
                // A restarted log counts from zero again.
                let grown = if log >= last_log { log - last_log } else { log };
                last_log = log;
                if grown >= BUSY_FRAMES {
                    BUSY_WAIT
                } else {
                    IDLE_WAIT
                }
            }
            Err(error) => {
                tracing::warn!(%error, "WAL checkpoint failed; the writers' backstop remains");
                IDLE_WAIT
            }
        };
        match stopped.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// One passive checkpoint; returns the number of frames in the log.
fn passive_checkpoint(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        row.get::<_, i64>(1)
    })
    .map_err(sqlite_error)
}
