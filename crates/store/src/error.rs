//! The store's error type. Messages carry no personal data: they may reach the log.
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("cannot create the data directory: {0}")]
    DataDir(std::io::Error),
    #[error("DATABASE_URL must start with sqlite:, postgres: or postgresql:")]
    UnsupportedUrl,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("password hashing failed")]
    PasswordHash,
}
