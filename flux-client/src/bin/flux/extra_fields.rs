//! `flux generate --extra KEY=JSON` and `--header NAME:VALUE`: a body field or header the API
//! document does not declare (yet), sent with the request as given.

use clap::Args;
use serde_json::Value;

use crate::exit::Failure;

/// `generate`'s escape hatches.
#[derive(Debug, Args)]
pub struct ExtraArgs {
    /// Send a body field the API document does not declare: KEY=JSON, the value as JSON
    /// (--extra guidance=2.5, --extra style='"photo"'). Repeatable. A field the document
    /// declares is refused: use its option.
    #[arg(long = "extra", value_name = "KEY=JSON", value_parser = parse_extra)]
    pub extra: Vec<(String, Value)>,

    /// Send a header with the request: NAME:VALUE (--header 'x-trace-id: abc'). Repeatable.
    /// Never Authorization: the key is sent from ONEROUTER_API_KEY.
    #[arg(long = "header", value_name = "NAME:VALUE", value_parser = parse_header)]
    pub header: Vec<(String, String)>,
}

fn parse_extra(text: &str) -> Result<(String, Value), String> {
    let (key, json) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KEY=JSON"))?;
    let value = serde_json::from_str(json).map_err(|e| {
        format!("the value of `{key}` is not JSON ({e}); a string needs quotes: {key}='\"{json}\"'")
    })?;
    Ok((key.trim().to_owned(), value))
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not NAME:VALUE"))?;
    Ok((name.trim().to_owned(), value.trim().to_owned()))
}

impl ExtraArgs {
    /// Adds the `--extra` fields to the request's JSON form as its `extra` object, which
    /// [`FluxClient::generate_json`](flux_client::FluxClient::generate_json) sends as they are
    /// (and refuses for a declared field, naming it).
    pub fn add_to(&self, json: &mut Value) -> Result<(), Failure> {
        if self.extra.is_empty() {
            return Ok(());
        }
        let Some(object) = json.as_object_mut() else {
            return Err(Failure::invalid("the request is not a JSON object"));
        };
        if flux_client::fields::field("extra").is_some() {
            return Err(Failure::invalid(
                "--extra cannot be used: the API document declares a field named `extra`",
            ));
        }
        let extra = object
            .entry("extra")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Some(extra) = extra.as_object_mut() {
            for (key, value) in &self.extra {
                extra.insert(key.clone(), value.clone());
            }
        }
        Ok(())
    }

    /// Adds the `--header` headers to the request.
    pub fn headers(
        &self,
        mut request: flux_client::GenerateRequest,
    ) -> flux_client::GenerateRequest {
        for (name, value) in &self.header {
            request = request.extra_header(name, value);
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_values_must_be_json_and_headers_name_value() {
        assert_eq!(
            parse_extra("g=2.5").unwrap(),
            ("g".to_owned(), Value::from(2.5))
        );
        assert_eq!(
            parse_extra(r#"style="photo""#).unwrap().1,
            Value::from("photo")
        );
        let err = parse_extra("style=photo").unwrap_err();
        assert!(err.contains(r#"style='"photo"'"#), "{err}");
        assert!(parse_extra("style").is_err());
        assert_eq!(
            parse_header("x-trace-id: abc").unwrap(),
            ("x-trace-id".to_owned(), "abc".to_owned())
        );
        assert!(parse_header("x-trace-id").is_err());
    }
}
