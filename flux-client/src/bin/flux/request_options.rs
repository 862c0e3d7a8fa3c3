//! The request options of `flux generate`, built from the API document at build time: one
//! option per request body field in `flux_client::fields::REQUEST_FIELDS` (named after it, help
//! from its description, possible values from its enum, the server default shown), so a field
//! or enum value the document adds appears in `flux generate --help` after `cargo build`.
//!
//! Built with clap's builder API (the field list is only known from the generated table); the
//! command's own options stay in `args.rs` with clap's derive. The options become a JSON object
//! with the body's fields, the same form as a batch line, and
//! [`FluxClient::generate_json`](flux_client::FluxClient::generate_json) turns either into a
//! checked request.

use clap::builder::{PossibleValuesParser, TypedValueParser, ValueParser};
use clap::{Arg, ArgAction, ArgMatches, Command};
use flux_client::fields::{REQUEST_FIELDS, RequestField, WireType};
use serde_json::{Map, Value};

/// Fields the command line does not offer as options: the prompt is the positional argument.
const NOT_OPTIONS: &[&str] = &["prompt"];

/// The prompt and the request fields given on the command line, as wire values.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    pub prompt: String,
    pub fields: Map<String, Value>,
}

impl RequestOptions {
    /// The request body's fields as one JSON object (the form of a batch line). `flux generate`
    /// adds them over `--from`'s request and picks a seed (`repro.rs`).
    pub fn to_json(&self) -> Value {
        let mut object = self.fields.clone();
        object.insert("prompt".into(), Value::String(self.prompt.clone()));
        Value::Object(object)
    }

    /// A field's value as given, if it was.
    #[cfg(test)]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }
}

impl clap::FromArgMatches for RequestOptions {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut options = Self::default();
        options.update_from_arg_matches(matches)?;
        Ok(options)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        if let Some(prompt) = matches.get_one::<String>("prompt") {
            self.prompt = prompt.clone();
        }
        for field in options() {
            if let Some(value) = matches.get_one::<Value>(field.name) {
                self.fields.insert(field.name.to_owned(), value.clone());
            }
        }
        Ok(())
    }
}

impl clap::Args for RequestOptions {
    fn augment_args(command: Command) -> Command {
        let command = command.arg(
            Arg::new("prompt")
                .value_name("PROMPT")
                .required(true)
                .help("What the image should show"),
        );
        options().fold(command, |command, field| command.arg(option(field)))
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

fn options() -> impl Iterator<Item = &'static RequestField> {
    REQUEST_FIELDS
        .iter()
        .filter(|f| !NOT_OPTIONS.contains(&f.name))
}

/// One option for a request field.
fn option(field: &'static RequestField) -> Arg {
    let mut arg = Arg::new(field.name)
        .long(long_name(field.name))
        .action(ArgAction::Set)
        .help(help(field));
    if let [short] = field.name.as_bytes()
        && short.is_ascii_alphabetic()
    {
        arg = arg.short(char::from(*short));
    }
    let value_name = long_name(field.name).to_uppercase().replace('-', "_");
    match field.wire_type {
        // Integer and number enums too: clap lists the members in `--help` and in its error,
        // and each goes on the wire as the document types it (`16`, not `"16"`).
        _ if !field.values.is_empty() => arg
            .value_name(value_name)
            .allow_negative_numbers(matches!(
                field.wire_type,
                WireType::Integer | WireType::Number
            ))
            .value_parser(
                PossibleValuesParser::new(field.values).map(|member| field.wire_value(&member)),
            ),
        WireType::Boolean => arg
            .value_name("BOOL")
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(clap::builder::BoolValueParser::new().map(Value::Bool)),
        WireType::Integer => arg
            .value_name(value_name)
            .allow_negative_numbers(true)
            .value_parser(clap::value_parser!(i64).map(Value::from)),
        WireType::Number => arg
            .value_name(value_name)
            .allow_negative_numbers(true)
            .value_parser(ValueParser::new(parse_number)),
        WireType::String => arg
            .value_name(value_name)
            .value_parser(clap::builder::StringValueParser::new().map(Value::String)),
        _ => arg
            .value_name("JSON")
            .value_parser(ValueParser::new(parse_json)),
    }
}

/// The option's name: the field's, with every character other than ASCII letters and digits
/// written `-` (`image_prompt_strength` is `--image-prompt-strength`).
pub fn long_name(field: &str) -> String {
    field
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The option's help: the document's description (without its list of enum values, which clap
/// shows), the allowed range and the server's default.
fn help(field: &RequestField) -> String {
    let description = field
        .description
        .split("\n\n")
        .filter(|paragraph| !paragraph.trim_start().starts_with("Possible enum values"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut help = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if help.is_empty() {
        help = format!("The request's `{}` field", field.name);
    }
    if let Some(range) = range(field) {
        help.push_str(&format!(" ({range})"));
    }
    if let Some(nested) = nested(field) {
        help.push_str(&format!(" ({nested})"));
    }
    if field.name == "model" {
        help.push_str(&format!(" [default: {}]", flux_client::DEFAULT_MODEL));
    } else if let Some(default) = field.server_default_text() {
        help.push_str(&format!(" [server default: {default}]"));
    }
    help
}

fn range(field: &RequestField) -> Option<String> {
    match (field.minimum, field.maximum) {
        (Some(min), Some(max)) => Some(format!("{min} to {max}")),
        (Some(min), None) => Some(format!("at least {min}")),
        (None, Some(max)) => Some(format!("at most {max}")),
        (None, None) => None,
    }
}

/// What a list's items or an object's members must be, as the document declares them
/// (`each item: name required; weight 0 to 1.5; blend add|mix`), checked before sending.
fn nested(field: &RequestField) -> Option<String> {
    let (label, object) = match field.items {
        Some(item) if item.properties.is_empty() => {
            let rules = rules(item);
            return (!rules.is_empty()).then(|| format!("each item: {rules}"));
        }
        Some(item) => ("each item:", item),
        None => ("fields:", field),
    };
    let members: Vec<String> = object
        .properties
        .iter()
        .map(|p| format!("{} {}", p.name, rules(p)).trim_end().to_owned())
        .collect();
    (!members.is_empty()).then(|| format!("{label} {}", members.join("; ")))
}

fn rules(field: &RequestField) -> String {
    let mut rules = Vec::new();
    if field.required {
        rules.push("required".to_owned());
    }
    if !field.values.is_empty() {
        rules.push(field.values.join("|"));
    }
    rules.extend(range(field));
    rules.join(", ")
}

fn parse_number(text: &str) -> Result<Value, String> {
    let number: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    serde_json::Number::from_f64(number)
        .map(Value::Number)
        .ok_or_else(|| format!("`{text}` is not a finite number"))
}

fn parse_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("`{text}` is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Probe {
        #[command(flatten)]
        options: RequestOptions,
    }

    #[test]
    fn every_field_but_the_prompt_is_an_option() {
        let command = <Probe as clap::CommandFactory>::command();
        for field in REQUEST_FIELDS {
            let found = command.get_arguments().any(|a| a.get_id() == field.name);
            assert!(found, "no option for {}", field.name);
        }
    }

    #[test]
    fn enum_values_are_the_documents() {
        let command = <Probe as clap::CommandFactory>::command();
        for field in REQUEST_FIELDS.iter().filter(|f| !f.values.is_empty()) {
            let arg = command
                .get_arguments()
                .find(|a| a.get_id() == field.name)
                .unwrap();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            assert_eq!(values, field.values, "{}", field.name);
        }
    }

    #[test]
    fn options_become_wire_values() {
        let field = REQUEST_FIELDS
            .iter()
            .find(|f| !f.values.is_empty())
            .expect("the document has an enum field");
        let value = field.values[field.values.len() - 1];
        let long = format!("--{}", long_name(field.name));
        let probe = Probe::try_parse_from(["probe", "a fox", &long, value]).unwrap();
        assert_eq!(probe.options.prompt, "a fox");
        assert_eq!(
            probe.options.get(field.name),
            Some(&field.wire_value(value))
        );
        if let Some(flag) = REQUEST_FIELDS
            .iter()
            .find(|f| f.wire_type == WireType::Boolean)
        {
            let long = format!("--{}", long_name(flag.name));
            let probe = Probe::try_parse_from(["probe", "a fox", &long]).unwrap();
            assert_eq!(probe.options.get(flag.name), Some(&Value::Bool(true)));
        }
        assert!(Probe::try_parse_from(["probe", "a fox", &long, "not-a-member"]).is_err());
    }
}
