//! The JSON API under `/api/v1`, described by `/api/openapi.json`. It calls the same
//! store functions as the pages; errors use one envelope:
//! `{"error": {"code", "message", "fields": [{"field", "message"}], "request_id"}}`.
pub mod openapi;
pub mod v1;
