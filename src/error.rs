//! The one application error, mapped once to GraphQL errors with a stable `extensions.code`.
//! Internal causes are logged here, where the error leaves the application, and never sent.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts anything that
//! does into an error without a code, and every error this API sends must carry one.
use async_graphql::ErrorExtensions;

#[derive(Debug)]
pub enum AppError {
    /// The request is wrong in a way the client can fix.
    BadUserInput(String),
    NotFound(String),
    /// No valid API key, where one is needed.
    Unauthenticated(String),
    /// A valid key whose role is too small.
    Forbidden(String),
    /// A statistics request outside the closed query lattice (disclosure.md §4).
    GrainNotAllowed(String),
    /// The database failed; the cause is logged, never sent.
    Database(sea_orm::DbErr),
    /// Anything else that is the server's fault; the cause is logged, never sent.
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput(_) => "BAD_USER_INPUT",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::GrainNotAllowed(_) => "GRAIN_NOT_ALLOWED",
            AppError::Database(_) | AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees: the error itself for client mistakes, a fixed text otherwise.
    pub fn public_message(&self) -> String {
        match self {
            AppError::BadUserInput(m)
            | AppError::NotFound(m)
            | AppError::Unauthenticated(m)
            | AppError::Forbidden(m)
            | AppError::GrainNotAllowed(m) => m.clone(),
            AppError::Database(_) | AppError::Internal(_) => {
                "Internal error: the server could not complete this request. It has been logged; try again later.".to_owned()
            }
        }
    }

    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Database(_) | AppError::Internal(_))
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Database(e)
    }
}

impl From<std::sync::Arc<sea_orm::DbErr>> for AppError {
    fn from(e: std::sync::Arc<sea_orm::DbErr>) -> Self {
        AppError::Internal(format!("database error: {e}"))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        if e.is_internal() {
            // Logged once, here, where the failure is handled; the client gets a fixed text.
            tracing::error!(error = ?e, "request failed");
        }
        let code = e.code();
        async_graphql::Error::new(e.public_message()).extend_with(|_, ext| ext.set("code", code))
    }
}
