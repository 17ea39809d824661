//! Rows to records and records to bind parameters: the one place that knows the column order.

use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::crypto::Sealed;
use crate::store::{
    ConnectionKind, ConnectionRecord, ConnectionStatus, OAuthStateRecord, StoreError,
};

/// A row limit as a bind parameter: SQL counts in `i64`, and a larger limit means "all".
pub(crate) fn limit_param(limit: impl TryInto<i64>) -> i64 {
    limit.try_into().unwrap_or(i64::MAX)
}

/// The `attempts` column of a queue row (the webhook inbox), saturating at `u32::MAX`.
pub(crate) fn attempts_of(row: &AnyRow) -> Result<u32, sqlx::Error> {
    let attempts: i64 = row.try_get("attempts")?;
    Ok(u32::try_from(attempts).unwrap_or(u32::MAX))
}

pub(super) const CONNECTION_COLUMNS: &str =
    "account, kind, status, status_reason, status_changed_at, \
     key_id, sealed_secret, expires_at, scopes, token_version, created_at, updated_at";

pub(super) fn connection_from_row(row: &AnyRow) -> Result<ConnectionRecord, StoreError> {
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let key_id: Option<String> = row.try_get("key_id")?;
    let sealed: Option<Vec<u8>> = row.try_get("sealed_secret")?;
    Ok(ConnectionRecord {
        account: row.try_get("account")?,
        kind: ConnectionKind::parse(&kind).ok_or(StoreError::Corrupt { column: "kind" })?,
        status: ConnectionStatus::parse(&status).ok_or(StoreError::Corrupt { column: "status" })?,
        status_reason: row.try_get("status_reason")?,
        status_changed_at: row.try_get("status_changed_at")?,
        sealed: match (key_id, sealed) {
            (Some(key_id), Some(bytes)) => Some(Sealed { key_id, bytes }),
            _ => None,
        },
        expires_at: row.try_get("expires_at")?,
        scopes: row.try_get("scopes")?,
        token_version: row.try_get("token_version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn state_from_row(row: &AnyRow) -> Result<OAuthStateRecord, StoreError> {
    Ok(OAuthStateRecord {
        account: row.try_get("account")?,
        redirect_uri: row.try_get("redirect_uri")?,
        scopes: row.try_get("scopes")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    })
}

/// `UPDATE` of every mutable column of a connection, with the lock columns cleared; `$1` is
/// the account. Used under a lock, so the record read is the record replaced.
pub(super) const UPDATE_CONNECTION: &str = "UPDATE lever_connections SET kind = $2, status = $3, \
     status_reason = $4, status_changed_at = $5, key_id = $6, sealed_secret = $7, \
     expires_at = $8, scopes = $9, token_version = $10, updated_at = $11, \
     lock_owner = NULL, lock_until = NULL WHERE account = $1";

pub(super) fn bind_connection<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    r: &'q ConnectionRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&r.account)
        .bind(r.kind.as_str())
        .bind(r.status.as_str())
        .bind(r.status_reason.as_deref())
        .bind(r.status_changed_at)
        .bind(r.sealed.as_ref().map(|s| s.key_id.as_str()))
        .bind(r.sealed.as_ref().map(|s| s.bytes.clone()))
        .bind(r.expires_at)
        .bind(r.scopes.as_deref())
        .bind(r.token_version)
        .bind(r.updated_at)
}
