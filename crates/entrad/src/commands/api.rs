//! `entrad api PATH`: any Graph request, following `gh api`'s conventions.
//!
//! The body goes to stdout as Graph sent it (a newline added when it has
//! none), nothing for an empty one (a 204); a non-2xx answer is Graph's
//! error on stderr with the usual exit codes. `--paginate` follows
//! `@odata.nextLink` (on the page's origin, never twice the same link).

use std::collections::HashSet;
use std::io::{Read, Write};

use entrad_graph::{ApiAnswer, ApiRequest, GraphClient, Method};
use serde_json::Value;

use crate::cli::{ApiArgs, Format, GlobalArgs};
use crate::commands::session::Session;
use crate::config;
use crate::error::Error;
use crate::output;

/// Sends the request `args` describes and prints the answer (every page with
/// `--paginate`).
pub async fn run(global: &GlobalArgs, args: &ApiArgs) -> Result<(), Error> {
    let body = args.input.as_deref().map(read_input).transpose()?;
    let method = args.method.unwrap_or(if body.is_some() {
        Method::Post
    } else {
        Method::Get
    });
    let session = Session::open(config::load(global, None)?)?;
    let mut out = output::stdout();
    let sent = send_all(&session.graph, method, args, body, global.format, &mut out).await;
    session.report_retries();
    match sent {
        Ok(()) => Ok(out.flush()?),
        Err(Sent::Graph(e)) => {
            out.flush()?;
            Err(session.graph_error(e))
        }
        Err(Sent::Output(e)) => Err(Error::Output(e)),
    }
}

/// Why the pages stopped.
enum Sent {
    Graph(entrad_graph::Error),
    Output(std::io::Error),
}

impl From<std::io::Error> for Sent {
    fn from(e: std::io::Error) -> Sent {
        Sent::Output(e)
    }
}

async fn send_all(
    graph: &GraphClient,
    method: Method,
    args: &ApiArgs,
    body: Option<Value>,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Sent> {
    let mut target = args.path_or_url.clone();
    let mut body = body;
    let mut seen = HashSet::new();
    loop {
        let mut request = ApiRequest::new(method, target.as_str());
        for (name, value) in &args.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body.take() {
            request = request.json(body);
        }
        let answer = graph.call(&request).await.map_err(Sent::Graph)?;
        if args.include {
            write_head(&answer, out)?;
        }
        let page = args
            .paginate
            .then(|| serde_json::from_slice::<Value>(&answer.body).ok())
            .flatten();
        match (&page, format) {
            (Some(page), Format::Ndjson) => write_items(page, out)?,
            _ => write_body(&answer.body, out)?,
        }
        let next = page
            .as_ref()
            .and_then(|page| page.get("@odata.nextLink"))
            .and_then(Value::as_str);
        let Some(next) = next else {
            return Ok(());
        };
        graph.check_next_link(&target, next).map_err(Sent::Graph)?;
        if !seen.insert(next.to_owned()) {
            return Err(Sent::Graph(entrad_graph::Error::InvalidUrl {
                url: next.to_owned(),
                reason: "@odata.nextLink came back to a page already fetched".to_owned(),
            }));
        }
        out.flush()?;
        target = next.to_owned();
    }
}

/// The status line and headers, as `gh api -i` prints them, then a blank line.
fn write_head(answer: &ApiAnswer, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "HTTP/1.1 {} {}", answer.status, reason(answer.status))?;
    for (name, value) in &answer.headers {
        writeln!(out, "{name}: {value}")?;
    }
    writeln!(out)
}

/// The body verbatim, ending in a newline; nothing for an empty one.
fn write_body(body: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
    if body.is_empty() {
        return Ok(());
    }
    out.write_all(body)?;
    if !body.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A collection page's items, one per line; any other document on one line.
fn write_items(page: &Value, out: &mut dyn Write) -> std::io::Result<()> {
    match page.get("value").and_then(Value::as_array) {
        Some(items) => {
            for item in items {
                serde_json::to_writer(&mut *out, item)?;
                out.write_all(b"\n")?;
            }
        }
        None => {
            serde_json::to_writer(&mut *out, page)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// `--input FILE` (`-`: stdin), which must be JSON.
fn read_input(path: &std::path::Path) -> Result<Value, Error> {
    let mut text = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut file| file.read_to_end(&mut text))
    };
    read.map_err(|e| Error::Config(format!("--input {}: {e}", path.display())))?;
    serde_json::from_slice(&text)
        .map_err(|e| Error::Config(format!("--input {}: not JSON: {e}", path.display())))
}

/// The reason phrase of the statuses Graph answers with.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        _ => "",
    }
}
