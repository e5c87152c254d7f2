//! [`Failure`]: why streaming a listing to a writer stopped early.

/// Why writing stopped early.
pub enum Failure {
    /// Graph (or the token) failed.
    Graph(entrad_graph::Error),
    /// Writing failed.
    Output(std::io::Error),
}

impl From<entrad_graph::Error> for Failure {
    fn from(e: entrad_graph::Error) -> Failure {
        Failure::Graph(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Output(e)
    }
}
