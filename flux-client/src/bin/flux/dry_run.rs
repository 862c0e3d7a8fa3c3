//! `--dry-run`: the request bodies and curl commands that would send them, and nothing sent.

use flux_client::mock::MockServer;
use flux_client::types::CreateImageBody;
use flux_client::{AuthScheme, FluxClient};
use serde_json::{Value, json};

use crate::args::ConnectionArgs;
use crate::exit::{Failure, Status};

/// A client that is never used to send: it only builds bodies, with the base URL and defaults
/// the real run would use. The key is a placeholder; the real one is never read.
pub fn client(connection: &ConnectionArgs) -> Result<FluxClient, Failure> {
    let mut builder = FluxClient::builder().api_key("dry-run");
    if let Some(url) = connection
        .base_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        builder = builder.base_url(url);
    }
    Ok(builder.build()?)
}

/// The body the JSON fields `json` would send, checked as a real run checks them.
pub fn body(client: &FluxClient, json: &Value) -> Result<CreateImageBody, String> {
    client
        .generate_json(json)
        .body()
        .map_err(|e| crate::exit::describe(&e))
}

/// A curl command sending exactly `body` to `client`'s endpoint, with the key read from
/// `$ONEROUTER_API_KEY` by the shell (never written into the command).
pub fn curl(client: &FluxClient, body: &CreateImageBody) -> Result<String, Failure> {
    let text = serde_json::to_string(body)
        .map_err(|e| Failure::failed(format!("cannot write the body as JSON: {e}")))?;
    let config = client.config();
    let url = format!(
        "{}{}",
        config.base_url().as_str().trim_end_matches('/'),
        MockServer::GENERATIONS_PATH
    );
    let bearer = match config.auth_scheme() {
        AuthScheme::Bearer => "Bearer ",
        _ => "",
    };
    Ok(format!(
        "curl -sS -X POST {} -H \"Authorization: {bearer}${}\" -H 'Content-Type: application/json' --data-binary {}",
        quote(&url),
        flux_client::API_KEY_ENV,
        quote(&text),
    ))
}

/// Prints one request: as `{"request", "curl"}` (plus `line` in a batch) with `--json`, else
/// the pretty body, then the curl command.
pub fn print(
    client: &FluxClient,
    body: &CreateImageBody,
    line: Option<usize>,
    as_json: bool,
) -> Result<(), Failure> {
    let curl = curl(client, body)?;
    let text = if as_json {
        let mut object = json!({"request": body, "curl": curl});
        if let Some(line) = line {
            object["line"] = json!(line);
        }
        format!("{object}\n")
    } else {
        let pretty = serde_json::to_string_pretty(body)
            .map_err(|e| Failure::failed(format!("cannot write the body as JSON: {e}")))?;
        let header = line
            .map(|line| format!("# line {line}\n"))
            .unwrap_or_default();
        format!("{header}{pretty}\n{curl}\n")
    };
    // Through the command's one stdout writer: a closed pipe ends quietly.
    crate::output::print(&text)
}

/// `flux batch --dry-run`: every line's request, or why it is invalid. Exit 2 when a line is.
pub fn batch(text: &str, connection: &ConnectionArgs) -> Result<Status, Failure> {
    let client = client(connection)?;
    let mut invalid = 0;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let checked = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("the line is not JSON ({e})"))
            .and_then(|value| body(&client, &crate::repro::with_line_seed(value, number)));
        match checked {
            Ok(body) => print(&client, &body, Some(number), true)?,
            Err(message) => {
                invalid += 1;
                crate::output::eprint_line(&format!(
                    "flux: line {number}: invalid input: {}",
                    crate::output::clean(&message)
                ));
            }
        }
    }
    Ok(if invalid > 0 {
        Status::Invalid
    } else {
        Status::Ok
    })
}

/// Quotes `text` for a POSIX shell: single quotes, each `'` written as `'\''`. Everything else,
/// newlines and non-ASCII included, stands for itself inside single quotes.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_comes_back_through_a_shell() {
        let text = "it's \"quoted\" $HOME `date` \\ \n new line — ünïcödé 🦊 '' end";
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", quote(text)))
            .output()
            .expect("sh runs");
        assert_eq!(String::from_utf8(output.stdout).unwrap(), text);
    }
}
