//! The command line. The request options of `generate` are built from the API document in
//! `request_options.rs`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use flux_client::mock::Fault;

use crate::request_options::RequestOptions;

/// Generate images with FLUX1.1 [pro] ultra (OneRouter) from the terminal.
// The doc comment is `--help`'s text, where an escaped `\[pro\]` would show its backslashes.
#[allow(rustdoc::broken_intra_doc_links)]
#[derive(Debug, Parser)]
#[command(name = "flux", version, after_help = concat!("\
Examples:
  flux generate --mock \"a red fox in fresh snow, golden hour\" --out out
  ONEROUTER_API_KEY=sk-... flux generate \"a lighthouse at dusk\" --size 9:16 --seed 42
  flux batch prompts.jsonl --out out

", "\
Exit status:
  0    everything asked for was done
  1    the API, the network, the image host or the disk failed (one line on stderr says which)
  2    invalid command line or input (unknown size, tolerance, strength outside 0..1, empty
       prompt, no API key without --mock, ...): nothing was sent
  3    `batch` only: some lines failed (see DIR/manifest.jsonl and stderr)
  130  interrupted by Ctrl-C
  141  standard output was closed (`| head -1`): ended quietly"))]
pub struct Cli {
    /// Show requests, attempts, retry decisions and downloads on stderr (-vv: everything);
    /// `RUST_LOG` (e.g. `flux_client=debug`) takes precedence. The key is redacted.
    // Listed after every subcommand's own options, not among the request's.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true, display_order = 1000)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate images for one prompt and save them.
    #[command(after_help = concat!("\
Examples:
  flux generate --mock \"a red fox in fresh snow, golden hour\" --out out
  flux generate \"a lighthouse at dusk\" --size 9:16 --seed 42 -n 2 --safety-tolerance 2
  flux generate \"a lighthouse at dusk\" --no-download --json
  flux generate --from out/flux-1700000000-1.png --size 1:1
  flux generate \"a lighthouse at dusk\" --dry-run

Images are saved as DIR/flux-<created>-<n>.<png|jpg|webp> (the extension of their real format);
an existing file is never overwritten. The saved paths are printed, one per line. Each image
carries the request that made it (see `flux inspect`), and every request carries a seed: --seed,
or one flux picks and prints on stderr (\"seed\" in --json), so the image can be made again.

", "\
Exit status:
  0    everything asked for was done
  1    the API, the network, the image host or the disk failed (one line on stderr says which)
  2    invalid command line or input (unknown size, tolerance, strength outside 0..1, empty
       prompt, no API key without --mock, ...): nothing was sent
  130  interrupted by Ctrl-C"))]
    // `flux generate --from IMAGE` takes the image's prompt, so PROMPT is optional with it.
    #[command(mut_arg("prompt", |arg| arg
        .required(false)
        .required_unless_present("from")
        .help("What the image should show (with --from: replaces the image's prompt)")))]
    Generate(GenerateArgs),

    /// Run one generation per line of a JSONL file, resumably.
    #[command(after_help = concat!("\
Example:
  printf '%s\\n' '{\"prompt\": \"a red fox\", \"size\": \"9:16\", \"seed\": 1}' \\
                 '{\"prompt\": \"a lighthouse at dusk\", \"n\": 2}' > prompts.jsonl
  flux batch prompts.jsonl --out out

Each non-blank line is a JSON object with the request body's fields, named as in the API
document: prompt (required) and any field `flux generate --help` lists (as JSON values: numbers
and booleans unquoted, an enum's values typed as the document types them). An unknown key, or a
value the document does not allow (nested ones included), is an error naming it.

Lines run at the API's limits for an account by default (30 generations in flight, 600
requests per minute, evenly paced; --concurrency and --rate change them), slowing down by
themselves when the API answers 429, which never fails a line while its deadline allows.
Progress (lines done and failed, images per minute, time left) is shown on a terminal, else
every minute; the summary gives the achieved rate.

Images are saved as DIR/line-<N>-<n>.<ext> and their paths printed as lines finish; each
carries its request, and a line without a seed is sent with one derived from the line.
DIR/index.html (index-2.html, ... past 200 lines) shows every line's images, prompt, seed, size
and errors; it is rewritten as lines finish. --dry-run prints each line's request and curl
command as JSON, one per line, and sends nothing.
DIR/manifest.jsonl gets one record per finished line, written and synced as it finishes:
{\"line\": N, \"status\": \"done\", \"request\": {...}, \"images\": [{\"url\", \"path\", \"revised_prompt\"}]}
or {\"line\": N, \"status\": \"failed\", \"request\": {...}, \"error\": {\"message\", \"http_status\", \"retry\"}}.
Before downloading, a \"generated\" record keeps the image URLs, so a line interrupted between
generation and download is downloaded, not generated (and paid for) again.

Running the same command again skips lines already done, and lines that failed because of the
line itself (\"retry\": false: invalid input, moderation, or the API refused the request with
400/413/422) unless the line was changed; other failures (network, timeouts, 429/5xx, downloads,
the disk) are tried again, a journaled line from its URLs, never paid for twice. A refused key
(401), used-up credits (402) or quota stop the whole batch at once. One batch at a time per DIR:
a second one exits 2.

", "\
Exit status:
  0    every line is done
  1    the batch could not run (the manifest or DIR cannot be written)
  2    invalid command line, unreadable FILE, damaged manifest, another batch on DIR, or no API
       key: nothing was sent
  3    some lines failed (see DIR/manifest.jsonl and stderr)
  130  interrupted by Ctrl-C (lines in flight are finished and recorded first; a second
       Ctrl-C abandons them)"))]
    Batch(BatchArgs),

    /// Run the mock API server in the foreground (Ctrl-C stops it).
    #[command(after_help = format!("\
Example, to try the real-key commands for free:
  flux mock --port 4010
  # in another terminal:
  ONEROUTER_BASE_URL=http://127.0.0.1:4010 ONEROUTER_API_KEY=sk-mock flux generate \"a red fox\"

The mock validates requests against the API's schema and answers with small PNGs of the
requested aspect ratio. --fault makes it misbehave, e.g. --fault 'delay;ms=2000' or
--fault 'status;code=503'.

{}", flux_client::mock::fault_help()))]
    Mock(MockArgs),

    /// Print the request embedded in images saved by flux (exit 2 when a file has none).
    #[command(after_help = "\
Example:
  flux inspect out/flux-1700000000-1.png
  flux inspect --json out/*.png
  flux generate --from out/flux-1700000000-1.png --size 1:1   # the same request, square")]
    Inspect(crate::inspect::InspectArgs),

    /// Print the JSON Schema of a batch line (--body: of the request body), with the API
    /// document's descriptions, enums and ranges.
    #[command(after_help = "\
Example, to let an editor check a batch file:
  flux schema > flux-batch-line.schema.json")]
    Schema(crate::schema::SchemaArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The request fields, one option per field of the API document.
    #[command(flatten)]
    pub fields: RequestOptions,

    /// Directory to save the images in (created if missing).
    #[arg(short = 'o', long = "out", value_name = "DIR", default_value = ".")]
    pub out: PathBuf,

    /// Print the image URLs instead of downloading them.
    #[arg(long)]
    pub no_download: bool,

    /// Print one JSON object on stdout, {"created", "seed", "images": [{"url", "path",
    /// "revised_prompt"}]}, and nothing else; no progress display. "seed" is the request's
    /// seed (--seed, or the one flux picked), to make the images again.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub extras: crate::extras::GenerateExtras,

    #[command(flatten)]
    pub extra: crate::extra_fields::ExtraArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The JSONL file: one request per line.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Directory for the images and manifest.jsonl (created if missing).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: PathBuf,

    /// At most N generations in flight (the API allows an account 30 concurrent tasks); lines
    /// downloading their images do not count. Lowered by itself when the API answers 429.
    #[arg(short = 'j', long, value_name = "N", default_value_t = flux_client::Limits::API_MAX_CONCURRENT,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: u32,

    /// At most this many generation requests started, evenly paced: N/s, N/min or N/h (the API
    /// allows an account 600/min). Lowered by itself when the API answers 429.
    #[arg(long, value_name = "RATE", default_value = "600/min", value_parser = parse_rate)]
    pub rate: flux_client::Rate,

    /// Record and print the image URLs instead of downloading them.
    #[arg(long)]
    pub no_download: bool,

    #[command(flatten)]
    pub extras: crate::extras::Extras,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// The API port (default: any free port). The image host takes another free port.
    #[arg(long, value_name = "P", default_value_t = 0)]
    pub port: u16,

    /// The API key the mock accepts.
    #[arg(long, value_name = "KEY", default_value = flux_client::mock::MockServer::DEFAULT_API_KEY)]
    pub api_key: String,

    /// A fault applied to every request (repeatable), e.g. 'delay;ms=2000', 'status;code=503';
    /// the list is below.
    #[arg(long, value_name = "FAULT", value_parser = parse_fault)]
    pub fault: Vec<Fault>,

    /// How many recent requests the mock records and images it keeps; older image URLs answer
    /// 404, so memory stays flat however long it runs.
    #[arg(long, value_name = "N", default_value_t = flux_client::mock::MockServer::DEFAULT_HISTORY)]
    pub history: usize,
}

/// Where and how to reach the API.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Use the built-in mock server, started in this process (no key needed, nothing billed);
    /// --base-url and --api-key are ignored.
    #[arg(long)]
    pub mock: bool,

    /// With --mock: a fault the mock applies to every request (repeatable), e.g.
    /// 'delay;ms=500', 'status;code=503'; `--help` lists them all.
    #[arg(long, value_name = "FAULT", value_parser = parse_fault, requires = "mock",
          long_help = format!("With --mock: a fault the mock applies to every request (repeatable).\n\n{}",
                              flux_client::mock::fault_help()))]
    pub mock_fault: Vec<Fault>,

    /// The API's base URL [default: the API document's server].
    #[arg(long, env = flux_client::BASE_URL_ENV, hide_env_values = true, value_name = "URL",
          help = format!("The API's base URL [default: {}]", flux_client::DEFAULT_BASE_URL))]
    pub base_url: Option<String>,

    /// The API key.
    #[arg(long, env = flux_client::API_KEY_ENV, hide_env_values = true, value_name = "KEY")]
    pub api_key: Option<String>,

    /// Seconds allowed for one attempt [default: 120]; all attempts together get 300 s or this,
    /// whichever is longer. Image downloads have their own timeout (60 s per attempt).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,

    /// How many times a request that surely did not start work (connection refused, 429, 503)
    /// is sent again [default: 2].
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,

    /// Fetch image URLs from any address, including those a public API never uses (link-local
    /// such as 169.254.169.254, loopback while the API is not on loopback, the API's own
    /// address), which are refused by default. A URL that carries the key is never fetched.
    #[arg(long)]
    pub allow_any_image_host: bool,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("must be between 0 and 86400 seconds, not {text}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_rate(text: &str) -> Result<flux_client::Rate, String> {
    text.parse()
        .map_err(|e: flux_client::RateParseError| e.to_string())
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    text.parse::<Fault>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
