//! [`GenerateRequest`]: typed setters for every field, checked before anything is sent.

use std::fmt::Display;

use reqwest::Url;

use crate::client::FluxClient;
use crate::error::{Error, Result};
use crate::images::Images;
use crate::types::{AspectRatio, CreateImageBody, OutputFormat, SafetyTolerance};

/// One image generation, built with [`FluxClient::generate`] and sent with
/// [`send`](Self::send).
///
/// Unset fields are not sent, so the server's defaults apply. Setters that take enums also take
/// the strings users type (`"9:16"`, `"5"`, `"b64_json"`); a string that is not a valid value is
/// reported by [`body`](Self::body) and [`send`](Self::send) as [`Error::InvalidRequest`] naming
/// the field. Everything is checked before any network traffic.
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
    prompt: String,
    model: Option<String>,
    size: Option<AspectRatio>,
    seed: Option<i64>,
    n: Option<u32>,
    safety_tolerance: Option<SafetyTolerance>,
    output_format: Option<OutputFormat>,
    image_url: Option<String>,
    image_prompt_strength: Option<f64>,
    enable_safety_checker: Option<bool>,
    enhance_prompt: Option<bool>,
    raw: Option<bool>,
    /// Setter inputs that could not be converted, as (field, reason); a later valid value for
    /// the same field replaces its entry.
    rejected: Vec<(&'static str, String)>,
}

impl GenerateRequest {
    pub(crate) fn new(client: FluxClient, prompt: String) -> Self {
        Self {
            client,
            prompt,
            model: None,
            size: None,
            seed: None,
            n: None,
            safety_tolerance: None,
            output_format: None,
            image_url: None,
            image_prompt_strength: None,
            enable_safety_checker: None,
            enhance_prompt: None,
            raw: None,
            rejected: Vec::new(),
        }
    }

    fn convert<T, V>(&mut self, field: &'static str, value: V) -> Option<T>
    where
        V: TryInto<T>,
        V::Error: Display,
    {
        self.rejected.retain(|(f, _)| *f != field);
        match value.try_into() {
            Ok(value) => Some(value),
            Err(e) => {
                self.rejected
                    .push((field, format!("is not a valid value: {e}")));
                None
            }
        }
    }

    /// The model to use instead of the client's default.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// The aspect ratio (`size` on the wire): an [`AspectRatio`] or a string such as `"9:16"`.
    pub fn size<V>(mut self, size: V) -> Self
    where
        V: TryInto<AspectRatio>,
        V::Error: Display,
    {
        self.size = self.convert("size", size);
        self
    }

    /// The seed; the same seed and prompt give the same image.
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// How many images to generate (at least 1).
    pub fn n(mut self, n: u32) -> Self {
        self.n = Some(n);
        self
    }

    /// The safety tolerance, 1 (strictest) to 6: a [`SafetyTolerance`] or a string such as `"2"`.
    pub fn safety_tolerance<V>(mut self, tolerance: V) -> Self
    where
        V: TryInto<SafetyTolerance>,
        V::Error: Display,
    {
        self.safety_tolerance = self.convert("safety_tolerance", tolerance);
        self
    }

    /// Whether images come back as URLs or base64 data: an [`OutputFormat`] or `"url"` /
    /// `"b64_json"`.
    pub fn output_format<V>(mut self, format: V) -> Self
    where
        V: TryInto<OutputFormat>,
        V::Error: Display,
    {
        self.output_format = self.convert("output_format", format);
        self
    }

    /// An http(s) URL of an image to generate from.
    pub fn image_url(mut self, url: impl Into<String>) -> Self {
        self.image_url = Some(url.into());
        self
    }

    /// How strongly the image prompt weighs, between 0 and 1.
    pub fn image_prompt_strength(mut self, strength: f64) -> Self {
        self.image_prompt_strength = Some(strength);
        self
    }

    /// Enables the server's safety checker.
    pub fn enable_safety_checker(mut self, enable: bool) -> Self {
        self.enable_safety_checker = Some(enable);
        self
    }

    /// Lets the server enhance the prompt.
    pub fn enhance_prompt(mut self, enhance: bool) -> Self {
        self.enhance_prompt = Some(enhance);
        self
    }

    /// Asks for less processed, more natural-looking images.
    pub fn raw(mut self, raw: bool) -> Self {
        self.raw = Some(raw);
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
    pub fn body(&self) -> Result<CreateImageBody> {
        if let Some((field, reason)) = self.rejected.first() {
            return Err(Error::invalid(field, reason.clone()));
        }
        if self.prompt.trim().is_empty() {
            return Err(Error::invalid("prompt", "is empty"));
        }
        let model = self
            .model
            .as_deref()
            .unwrap_or(self.client.config().model());
        if model.trim().is_empty() {
            return Err(Error::invalid("model", "is empty"));
        }
        if self.n == Some(0) {
            return Err(Error::invalid("n", "must be at least 1"));
        }
        if let Some(strength) = self.image_prompt_strength
            && !(0.0..=1.0).contains(&strength)
        {
            return Err(Error::invalid(
                "image_prompt_strength",
                format!("is {strength}, expected a number between 0 and 1"),
            ));
        }
        if let Some(url) = &self.image_url {
            check_image_url(url)?;
        }
        CreateImageBody::builder()
            .model(model.to_owned())
            .prompt(self.prompt.clone())
            .size(self.size)
            .seed(self.seed)
            .n(self.n.map(i64::from))
            .safety_tolerance(self.safety_tolerance)
            .output_format(self.output_format)
            .image_url(self.image_url.clone())
            .image_prompt_strength(self.image_prompt_strength)
            .enable_safety_checker(self.enable_safety_checker)
            .enhance_prompt(self.enhance_prompt)
            .raw(self.raw)
            .try_into()
            .map_err(|e| Error::invalid("body", format!("{e}")))
    }

    /// Validates the request, sends it (retrying as the client's policy allows) and returns the
    /// generated images.
    ///
    /// The future is `Send + 'static` and can be spawned. Dropping it abandons the request, but
    /// a generation the server already started may still be billed.
    pub async fn send(self) -> Result<Images> {
        let body = self.body()?;
        self.client.create_image(body).await
    }
}

fn check_image_url(text: &str) -> Result<()> {
    let field = "image_url";
    let url = Url::parse(text).map_err(|e| Error::invalid(field, format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid(
            field,
            format!("has scheme `{}`, expected http or https", url.scheme()),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(field, "has no host"));
    }
    Ok(())
}
