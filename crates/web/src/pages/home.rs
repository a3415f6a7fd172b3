//! The front door: signed-in users go to their cases, everyone else to sign in.
use axum::response::Redirect;

use crate::auth::Session;

pub async fn home(session: Option<Session>) -> Redirect {
    match session {
        Some(_) => Redirect::to("/cases"),
        None => Redirect::to("/sign-in"),
    }
}
