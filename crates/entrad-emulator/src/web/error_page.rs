//! The page that says what went wrong (an expired form, an unknown tenant, an
//! AADSTS error a browser is shown), for the consent flow and the portal alike.

use askama::Template;

/// A title and a message, rendered from `templates/error.html`.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    pub(crate) title: String,
    pub(crate) message: String,
}
