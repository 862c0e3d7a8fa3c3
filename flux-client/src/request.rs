//! [`GenerateRequest`]: one setter per body field (generated from the API document), checked
//! before anything is sent.
//!
//! The setters, their types and their range checks are emitted by `build.rs`
//! (`build_tools::surface`) from the repaired document into `request_setters.rs`, so a field
//! the document adds gets a setter, and a `minimum`/`maximum` it states gets a check, by
//! regeneration alone. This file keeps what is the layer's own: the model default, the
//! conversions the setters share, the JSON form ([`FluxClient::generate_json`]) and the checks
//! the document does not state (a non-empty prompt and model, an http(s) `image_url`).
//!
//! One validation serves both forms: every value, from a typed setter (converted to its wire
//! JSON) or from the JSON form, goes through [`GenerateRequest::check`], which applies the
//! document's field table ([`RequestField::check`](crate::fields::RequestField::check): types,
//! enums, ranges, nested arrays and objects) and then the layer's own rules, keyed by the
//! field's wire name so that a document which renames or drops a field only drops the rule.

use std::fmt::Display;

use reqwest::Url;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use std::time::Duration;

use crate::call_options::CallOptions;
use crate::client::FluxClient;
use crate::error::{Error, Result};
use crate::extras::{Extras, Refusal};
use crate::fields::{self, REQUEST_FIELDS};
use crate::images::Images;
use crate::types::{CreateImageBody, builder};

/// One image generation, built with [`FluxClient::generate`] and sent with
/// [`send`](Self::send).
///
/// There is a setter for every field of the request body the API document declares, named and
/// typed like the generated [`CreateImageBody`](crate::types::CreateImageBody) field, with the
/// document's description. Unset fields are not sent, so the server's defaults apply. Setters
/// that take enums also take the strings users type (`"9:16"`, `"5"`, `"b64_json"`); numbers
/// outside the document's `minimum`/`maximum` and strings that are not a valid value are
/// reported by [`body`](Self::body) and [`send`](Self::send) as [`Error::InvalidRequest`]
/// naming the field. Everything is checked before any network traffic.
///
/// ```
/// use flux_client::{Error, FluxClient};
/// use flux_client::types::{AspectRatio, SafetyTolerance};
///
/// let client = FluxClient::builder().api_key("sk-test").build()?;
/// let body = client
///     .generate("a red fox in fresh snow")
///     .size(AspectRatio::X916)
///     .safety_tolerance("5")
///     .seed(42)
///     .n(2)
///     .body()?;
/// assert_eq!(body.size, Some(AspectRatio::X916));
/// assert_eq!(body.safety_tolerance, Some(SafetyTolerance::X5));
///
/// let err = client.generate("fox").size("16/9").body().unwrap_err();
/// assert!(matches!(err, Error::InvalidRequest { field: "size", .. }));
/// # Ok::<(), flux_client::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct GenerateRequest {
    client: FluxClient,
    /// The generated body builder every setter passes its value through to.
    body: builder::CreateImageBody,
    /// Setter inputs that could not be converted, as (field, reason); a later valid value for
    /// the same field replaces its entry.
    rejected: Vec<(&'static str, String)>,
    /// What this request overrides of the client's timeout, retries and deadline.
    options: CallOptions,
    /// Body fields and headers the document does not declare.
    extras: Extras,
}

impl GenerateRequest {
    pub(crate) fn new(client: FluxClient, prompt: String) -> Self {
        let mut request = Self::blank(client);
        request.check("prompt", &Value::from(prompt.as_str()));
        request.body = std::mem::take(&mut request.body).prompt(prompt);
        request
    }

    /// The model set, nothing else.
    fn blank(client: FluxClient) -> Self {
        let model = client.config().model().to_owned();
        let mut request = Self {
            client,
            body: builder::CreateImageBody::default(),
            rejected: Vec::new(),
            options: CallOptions::default(),
            extras: Extras::default(),
        };
        request.check("model", &Value::from(model.as_str()));
        request.body = std::mem::take(&mut request.body).model(model);
        request
    }

    /// The request described by a JSON object: see [`FluxClient::generate_json`].
    pub(crate) fn from_json(client: FluxClient, fields: &Value) -> Self {
        let mut request = Self::blank(client);
        let Some(object) = fields.as_object() else {
            request.reject("body", format!("is {fields}, expected a JSON object"));
            return request;
        };
        let extra_key = crate::schema::EXTRA_KEY;
        let extra = match object.get(extra_key) {
            Some(value) if fields::field(extra_key).is_none() => match value.as_object() {
                Some(extra) => Some(extra.clone()),
                None => {
                    request.reject("extra", format!("is {value}, expected a JSON object"));
                    return request;
                }
            },
            _ => None,
        };
        let object = &object
            .iter()
            .filter(|(k, _)| extra.is_none() || k.as_str() != extra_key)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Map<String, Value>>();
        for (name, value) in extra.into_iter().flatten() {
            request = request.extra_body(name, value);
        }
        if let Some(unknown) = object.keys().find(|k| fields::field(k).is_none()) {
            let known: Vec<&str> = REQUEST_FIELDS.iter().map(|f| f.name).collect();
            request.reject(
                "body",
                format!(
                    "has an unknown field `{unknown}`; the API's fields are {}",
                    known.join(", ")
                ),
            );
            return request;
        }
        for field in REQUEST_FIELDS {
            match object.get(field.name) {
                // The layer sets the model when the object does not.
                None if field.required && field.name != "model" => {
                    request.reject(field.name, "is missing");
                }
                Some(value) => {
                    request.check(field.name, value);
                }
                None => {}
            }
        }
        if !request.rejected.is_empty() {
            return request;
        }
        let mut object: Map<String, Value> = object.clone();
        object
            .entry("model")
            .or_insert_with(|| Value::from(request.client.config().model()));
        match serde_path_to_error::deserialize::<_, CreateImageBody>(Value::Object(object)) {
            Ok(body) => request.body = body.into(),
            Err(e) => {
                let at = e.path().iter().next().map(|s| s.to_string());
                let field = at
                    .as_deref()
                    .and_then(fields::field)
                    .map_or("body", |f| f.name);
                request.reject(field, format!("is not a valid value: {}", e.into_inner()));
            }
        }
        request
    }

    /// The one validation of a value, whichever form set it: the document's declaration of
    /// the field (the generated table), then the layer's own rules for it. Records why it
    /// was refused, replacing what an earlier value of the same field left; `true` when it
    /// is accepted.
    fn check(&mut self, field: &'static str, value: &Value) -> bool {
        self.rejected.retain(|(f, _)| *f != field);
        let declared = fields::field(field).map_or(Ok(()), |declared| {
            declared.check(value).map_err(|refusal| refusal.to_string())
        });
        match declared.and_then(|()| layer_rule(field, value)) {
            Ok(()) => true,
            Err(reason) => {
                self.reject(field, reason);
                false
            }
        }
    }

    fn reject(&mut self, field: &'static str, reason: impl Into<String>) {
        self.rejected.retain(|(f, _)| *f != field);
        self.rejected.push((field, reason.into()));
    }

    /// Converts a setter's input to the generated field's type, then checks its wire form
    /// like any other value (used by the generated setters).
    pub(crate) fn convert<T, V>(&mut self, field: &'static str, value: V) -> Option<T>
    where
        T: Serialize,
        V: TryInto<T>,
        V::Error: Display,
    {
        self.rejected.retain(|(f, _)| *f != field);
        match value.try_into() {
            Ok(value) => {
                let wire = serde_json::to_value(&value).unwrap_or(Value::Null);
                self.check(field, &wire).then_some(value)
            }
            Err(e) => {
                let expected = fields::field(field)
                    .filter(|f| !f.values.is_empty())
                    .map(|f| format!(", expected one of {}", f.values.join(", ")))
                    .unwrap_or_default();
                self.reject(field, format!("is not a valid value ({e}){expected}"));
                None
            }
        }
    }

    /// An integer setter's value: checked like any other value, then converted to the
    /// generated field's type (which may be narrower, such as `NonZeroU64` for `minimum: 1`).
    pub(crate) fn integer<T: DeserializeOwned>(
        &mut self,
        field: &'static str,
        value: i64,
    ) -> Option<T> {
        self.wire(field, Value::from(value))
    }

    /// A number setter's value: finite (JSON has no NaN or infinity), then checked like any
    /// other value.
    pub(crate) fn number<T: DeserializeOwned>(
        &mut self,
        field: &'static str,
        value: f64,
    ) -> Option<T> {
        match serde_json::Number::from_f64(value) {
            Some(number) => self.wire(field, Value::Number(number)),
            None => {
                self.reject(field, format!("is {value}, expected a finite number"));
                None
            }
        }
    }

    fn wire<T: DeserializeOwned>(&mut self, field: &'static str, value: Value) -> Option<T> {
        if !self.check(field, &value) {
            return None;
        }
        match serde_json::from_value(value) {
            Ok(value) => Some(value),
            Err(e) => {
                self.reject(field, format!("is not a valid value: {e}"));
                None
            }
        }
    }

    /// Passes a value through to the generated body builder (used by the generated setters).
    pub(crate) fn with_body(
        mut self,
        set: impl FnOnce(builder::CreateImageBody) -> builder::CreateImageBody,
    ) -> Self {
        self.body = set(std::mem::take(&mut self.body));
        self
    }

    /// Checks the request and returns the body that [`send`](Self::send) would put on the wire.
    ///
    /// ```
    /// use flux_client::{Error, FluxClient};
    ///
    /// let client = FluxClient::builder().api_key("sk-test").build()?;
    /// for (request, field) in [
    ///     (client.generate("  "), "prompt"),
    ///     (client.generate("fox").n(0), "n"),
    ///     (client.generate("fox").image_prompt_strength(1.5), "image_prompt_strength"),
    ///     (client.generate("fox").image_prompt_strength(f64::NAN), "image_prompt_strength"),
    ///     (client.generate("fox").image_url("ftp://example.com/a.png"), "image_url"),
    ///     (client.generate("fox").image_url("not a url"), "image_url"),
    /// ] {
    ///     match request.body() {
    ///         Err(Error::InvalidRequest { field: f, .. }) => assert_eq!(f, field),
    ///         other => panic!("expected an invalid {field}, got {other:?}"),
    ///     }
    /// }
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming the field and the reason
    /// for the first value the document refuses, or for an `extra_body`/`extra_header` that was
    /// refused when it was set.
    pub fn body(&self) -> Result<CreateImageBody> {
        Self::built(self.body.clone(), &self.rejected)
    }

    /// The body the setters built, unless one of them refused its value.
    fn built(
        body: builder::CreateImageBody,
        rejected: &[(&'static str, String)],
    ) -> Result<CreateImageBody> {
        if let Some((field, reason)) = rejected.first() {
            return Err(Error::invalid(field, reason.clone()));
        }
        body.try_into()
            .map_err(|e| Error::invalid("body", format!("{e}")))
    }

    /// Validates the request, sends it (retrying as the client's policy allows) and returns the
    /// generated images.
    ///
    /// The future is `Send + 'static` and can be spawned. Dropping it abandons the request, but
    /// a generation the server already started may still be billed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] naming the field for what [`body`](Self::body) refuses and for
    /// contradicting [`timeout`](Self::timeout) and [`deadline`](Self::deadline); otherwise what
    /// the API or the connection answered once retries are spent ([`Error::Api`],
    /// [`Error::RateLimited`], [`Error::Moderated`], [`Error::Timeout`], ...).
    pub async fn send(self) -> Result<Images> {
        let Self {
            client,
            body,
            rejected,
            options,
            extras,
        } = self;
        // The request is consumed: its body is moved, not copied as `body()` must.
        let body = Self::built(body, &rejected)?;
        let effective = options.resolve(client.config())?;
        client.create_image(body, effective, extras).await
    }

    /// Sends a body field the API document does not declare (yet): OneRouter is
    /// OpenAI-compatible, and parameters reach the API before they reach its document. The
    /// value goes on the wire as given, unchecked. A field the document declares is refused
    /// ([`Error::InvalidRequest`] for `extra_body`, naming it): use its typed setter.
    ///
    /// ```
    /// use flux_client::{Error, FluxClient};
    ///
    /// let client = FluxClient::builder().api_key("sk-test").build()?;
    /// let request = client.generate("a red fox").extra_body("x_client_tag", "t-7");
    /// assert!(request.body().is_ok());
    ///
    /// let err = client.generate("a red fox").extra_body("seed", 7).seed(7).body().unwrap_err();
    /// assert!(matches!(err, Error::InvalidRequest { field: "extra_body", .. }));
    /// assert!(err.to_string().contains("`.seed(..)`"));
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    pub fn extra_body(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Err(refusal) = self.extras.add_field(name.into(), value.into()) {
            self.refuse(refusal);
        }
        self
    }

    /// Sends a header with this request (a provider's routing or tracing header, say). Its
    /// value is hidden from `Debug`. `Authorization` is refused, in any case: the client sends
    /// the key. Invalid names and values are refused too, as [`Error::InvalidRequest`] for
    /// `extra_header`.
    ///
    /// ```
    /// let client = flux_client::FluxClient::builder().api_key("sk-test").build()?;
    /// assert!(client.generate("fox").extra_header("x-trace-id", "abc").body().is_ok());
    /// let err = client.generate("fox").extra_header("AUTHORIZATION", "sk-other").body();
    /// assert!(err.unwrap_err().to_string().contains("authorization"));
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    pub fn extra_header(mut self, name: &str, value: &str) -> Self {
        if let Err(refusal) = self.extras.add_header(name, value) {
            self.refuse(refusal);
        }
        self
    }

    /// The time allowed for each attempt of this request, instead of the client's
    /// [`timeout`](crate::FluxClientBuilder::timeout). It gets its whole length: the client's
    /// deadline grows to it when shorter.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// How many times this request may be sent again, instead of the client's policy's
    /// [`max_retries`](crate::RetryPolicy::max_retries) (the rest of the policy stays).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// The total time allowed for this request's attempts and the waits between them, instead
    /// of the client's [`deadline`](crate::Config::deadline). Shorter than a
    /// [`timeout`](Self::timeout) set on this request, it is refused at [`send`](Self::send).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = Some(deadline);
        self
    }

    /// Whether this request waits out a `429 Too Many Requests`, instead of the client's
    /// policy's [`wait_on_rate_limit`](crate::RetryPolicy::wait_on_rate_limit). With `false`
    /// the first 429 is returned as [`Error::RateLimited`], with its
    /// [`retry_after`](Error::retry_after).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    ///
    /// let server = flux_client::mock::MockServer::start().await?;
    /// let client = flux_client::FluxClient::builder()
    ///     .base_url(server.base_url())
    ///     .api_key(server.api_key())
    ///     .build()?;
    /// server.push_fault("status;code=429;retry-after=30".parse()?);
    /// let err = client
    ///     .generate("a red fox")
    ///     .wait_on_rate_limit(false)
    ///     .timeout(Duration::from_secs(30))
    ///     .send()
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    /// assert_eq!(server.requests().len(), 1);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn wait_on_rate_limit(mut self, wait: bool) -> Self {
        self.options.wait_on_rate_limit = Some(wait);
        self
    }

    /// The JSON Schema (draft 2020-12) of the body [`send`](Self::send) puts on the wire, from
    /// the generated [`CreateImageBody`] through schemars: every field the document declares,
    /// with its description, enum values and `minimum`/`maximum`; `prompt` and `model`
    /// required. For a language model calling the generator as a tool, or an editor checking
    /// requests. [`batch_line_schema`](Self::batch_line_schema) is the form
    /// [`FluxClient::generate_json`] takes.
    ///
    /// ```
    /// let schema = flux_client::GenerateRequest::json_schema();
    /// let size = &schema["properties"]["size"];
    /// assert!(size.to_string().contains("9:16"));
    /// assert_eq!(schema["properties"]["image_prompt_strength"]["maximum"], 1.0);
    /// assert!(schema["required"].as_array().unwrap().contains(&"prompt".into()));
    /// ```
    #[must_use]
    pub fn json_schema() -> Value {
        crate::schema::request_body()
    }

    /// The JSON Schema of the object [`FluxClient::generate_json`] takes (a `flux batch`
    /// line): [`json_schema`](Self::json_schema) where `model` may be left out, plus `extra`,
    /// an object of undeclared fields sent as [`extra_body`](Self::extra_body) would.
    ///
    /// ```
    /// let schema = flux_client::GenerateRequest::batch_line_schema();
    /// assert!(!schema["required"].as_array().unwrap().contains(&"model".into()));
    /// assert_eq!(schema["properties"]["extra"]["type"], "object");
    /// ```
    #[must_use]
    pub fn batch_line_schema() -> Value {
        crate::schema::batch_line()
    }

    fn refuse(&mut self, refusal: Refusal) {
        self.reject(refusal.field, refusal.reason);
    }
}

impl FluxClient {
    /// Starts an image generation for `prompt`; set options on the request, then
    /// [`send`](GenerateRequest::send) it. The request holds a clone of this client, so its
    /// future is `Send + 'static`:
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = flux_client::mock::MockServer::start().await?;
    /// let client = flux_client::FluxClient::builder()
    ///     .base_url(server.base_url())
    ///     .api_key(server.api_key())
    ///     .build()?;
    /// let task = tokio::spawn(client.generate("a red fox").send());
    /// let images = task.await??;
    /// assert_eq!(images.len(), 1);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn generate(&self, prompt: impl Into<String>) -> GenerateRequest {
        GenerateRequest::new(self.clone(), prompt.into())
    }

    /// Starts an image generation from a JSON object holding the request body's fields as the
    /// API names them (a `flux batch` line, a form): `prompt` is required, `model` defaults to
    /// the client's, every field the document declares is accepted, and an `extra` object (unless
    /// the document declares a field `extra`) holds fields it does not declare, sent as
    /// [`extra_body`](GenerateRequest::extra_body) sends them. An unknown key, a value of
    /// the wrong type or outside the document's range is reported by
    /// [`body`](GenerateRequest::body) and [`send`](GenerateRequest::send) as
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest).
    ///
    /// ```
    /// let client = flux_client::FluxClient::builder().api_key("sk-test").build()?;
    /// let fields = serde_json::json!({"prompt": "a red fox", "size": "9:16", "n": 2});
    /// let body = client.generate_json(&fields).body()?;
    /// assert_eq!(body.model, flux_client::DEFAULT_MODEL);
    ///
    /// let typo = serde_json::json!({"prompt": "a red fox", "sise": "9:16"});
    /// assert!(client.generate_json(&typo).body().unwrap_err().to_string().contains("`sise`"));
    ///
    /// let extra = serde_json::json!({"prompt": "a red fox", "extra": {"x_client_tag": "t-7"}});
    /// assert!(client.generate_json(&extra).body().is_ok());
    /// # Ok::<(), flux_client::Error>(())
    /// ```
    pub fn generate_json(&self, fields: &serde_json::Value) -> GenerateRequest {
        GenerateRequest::from_json(self.clone(), fields)
    }
}

mod generated_setters {
    //! One setter per request body field, generated by `build.rs` from the API document.
    include!(concat!(env!("OUT_DIR"), "/request_setters.rs"));
}

/// The checks the document does not state, by wire name: a field the document renames or
/// drops simply has none.
fn layer_rule(field: &str, value: &Value) -> std::result::Result<(), String> {
    match (field, value) {
        ("prompt" | "model", Value::String(text)) if text.trim().is_empty() => {
            Err("is empty".to_owned())
        }
        ("image_url", Value::String(url)) => check_image_url(url),
        _ => Ok(()),
    }
}

fn check_image_url(text: &str) -> std::result::Result<(), String> {
    let url = Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "has scheme `{}`, expected http or https",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".to_owned());
    }
    Ok(())
}
