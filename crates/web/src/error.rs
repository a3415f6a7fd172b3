//! One error type for the web boundary, rendered two ways: an accessible HTML page for
//! pages and a JSON envelope for `/api`. A 5xx body says only that something went wrong
//! and gives the request id; the detail goes to the log, never personal data.
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use waymark_domain::referral::FieldError;
use waymark_store::StoreError;
use waymark_store::cases::CaseError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there, or not yours: the two are indistinguishable by design.
    #[error("not found")]
    NotFound,
    /// A signed-in user whose role does not allow the action at all.
    #[error("forbidden")]
    Forbidden,
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in with an initial password that must be changed before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Signed in with a password, but the second factor is still to be given (or set up).
    #[error("second factor required")]
    MfaRequired { enrol: bool },
    /// The action needs a recent proof of identity (API callers: confirm on the web first).
    #[error("reauthentication required")]
    ReauthRequired,
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error("the form has expired")]
    Csrf,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<CaseError> for AppError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::NotFound => AppError::NotFound,
            CaseError::Forbidden => AppError::Forbidden,
            CaseError::Invalid { field, message } => {
                AppError::Invalid(vec![FieldError::new(field, message)])
            }
            CaseError::Form(errors) => AppError::Invalid(errors),
            CaseError::Store(s) => AppError::Internal(s.to_string()),
        }
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        // Display only: the alternate form would dump the template context, which holds
        // personal data, into the log.
        AppError::Internal(format!("template: {e}"))
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::MfaRequired { .. } => StatusCode::FORBIDDEN,
            AppError::ReauthRequired => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code in the JSON envelope.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::MfaRequired { enrol: false } => "mfa_required",
            AppError::MfaRequired { enrol: true } => "mfa_enrolment_required",
            AppError::ReauthRequired => "reauthentication_required",
            AppError::Invalid(_) => "invalid",
            AppError::Csrf => "csrf",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            AppError::NotFound => "Page not found",
            AppError::Forbidden => "You do not have permission to do this",
            AppError::Unauthenticated => "Sign in to continue",
            AppError::PasswordChangeRequired => "Change your initial password before continuing",
            AppError::MfaRequired { enrol: false } => "Enter the code from your authenticator app",
            AppError::ReauthRequired => "Confirm it is you before doing this",
            AppError::MfaRequired { enrol: true } => {
                "Set up an authenticator app before continuing"
            }
            AppError::Invalid(_) => "There is a problem with what was sent",
            AppError::Csrf => "This form has expired. Go back, reload the page and try again",
            AppError::Internal(_) => "Sorry, something went wrong",
        }
    }
}

/// Marks a response as an error to be rendered by the error middleware, which knows
/// whether the request was for a page or the API and which request id it carries.
#[derive(Clone, Debug)]
pub struct RenderError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
    pub fields: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            // Internal detail names tables and constraints, never people.
            tracing::error!(error = %detail, "request failed");
        }
        let fields = match &self {
            AppError::Invalid(f) => f.clone(),
            _ => Vec::new(),
        };
        let mut res = self.status().into_response();
        res.extensions_mut().insert(RenderError {
            status: self.status(),
            code: self.code(),
            message: self.message(),
            fields,
        });
        res
    }
}
