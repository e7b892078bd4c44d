//! [`Db`]: one open transaction, with the database's name for the
//! errors its rows may raise.

use postgres::types::ToSql;
use postgres::{Row, Transaction};

use super::columns::Columns;
use crate::store::StoreError;

/// Query parameters.
pub(super) type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// A transaction in progress.
pub(super) struct Db<'a, 't> {
    tx: &'a mut Transaction<'t>,
    name: &'a str,
}

impl<'a, 't> Db<'a, 't> {
    pub(super) fn new(tx: &'a mut Transaction<'t>, name: &'a str) -> Db<'a, 't> {
        Db { tx, name }
    }

    /// Runs a statement; the rows it changed.
    pub(super) fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        Ok(self.tx.execute(sql, params)?)
    }

    /// Every row of a query.
    pub(super) fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        Ok(self.tx.query(sql, params)?)
    }

    /// The row of a query that returns at most one.
    pub(super) fn query_opt(
        &mut self,
        sql: &str,
        params: Params<'_>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.tx.query_opt(sql, params)?)
    }

    /// The row of a query that returns exactly one.
    pub(super) fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
        Ok(self.tx.query_one(sql, params)?)
    }

    /// Reads `row`'s columns.
    pub(super) fn cols<'r>(&self, row: &'r Row) -> Columns<'r>
    where
        'a: 'r,
    {
        Columns::new(row, self.name)
    }

    /// Every row of a query, each read by `read`.
    pub(super) fn rows<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        read: impl Fn(&Columns<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = self.query(sql, params)?;
        rows.iter().map(|row| read(&self.cols(row))).collect()
    }

    /// The row of a query that returns at most one, read by `read`.
    pub(super) fn row<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        read: impl Fn(&Columns<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let row = self.query_opt(sql, params)?;
        row.as_ref().map(|row| read(&self.cols(row))).transpose()
    }

    /// The one value of a query that returns exactly one row.
    pub(super) fn value<T>(&mut self, sql: &str, params: Params<'_>) -> Result<T, StoreError>
    where
        T: for<'r> postgres::types::FromSql<'r>,
    {
        let row = self.query_one(sql, params)?;
        self.cols(&row).get(0)
    }

    /// The next `seq` of `table` (one past the newest; 1 when empty).
    pub(super) fn next_seq(&mut self, table: Bounded) -> Result<i64, StoreError> {
        self.value(
            &format!("SELECT COALESCE(MAX(seq), 0) + 1 FROM {}", table.name()),
            &[],
        )
    }

    /// Forgets the oldest rows of `table` (by `seq`) beyond `limit`.
    pub(super) fn keep_newest(&mut self, table: Bounded, limit: usize) -> Result<(), StoreError> {
        let keep = i64::try_from(limit).unwrap_or(i64::MAX);
        let table = table.name();
        self.execute(
            &format!(
                "DELETE FROM {table} WHERE seq NOT IN
                     (SELECT seq FROM {table} ORDER BY seq DESC LIMIT $1)"
            ),
            &[&keep],
        )?;
        Ok(())
    }
}

/// The tables kept bounded, oldest first by their `seq` column.
#[derive(Clone, Copy)]
pub(super) enum Bounded {
    /// `waiting`.
    Waiting,
    /// `referrer_lists`.
    ReferrerLists,
}

impl Bounded {
    fn name(self) -> &'static str {
        match self {
            Bounded::Waiting => "waiting",
            Bounded::ReferrerLists => "referrer_lists",
        }
    }
}
