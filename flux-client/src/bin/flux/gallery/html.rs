//! The HTML of one gallery page. Every text from a prompt, a line or an error is escaped, and
//! file names are percent-encoded in links: nothing from the input becomes markup.

use std::fmt::Write;

use super::{Entry, PAGE_LINES, State, page_name};

const STYLE: &str = "\
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}\
nav a,nav strong{margin-right:.5em}\
.line{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em .8em;margin:.8em 0}\
.line.failed{border-color:#d33;background:#fff5f5}\
.line.pending{opacity:.6}\
.meta{color:#666;font-size:12px}\
.prompt{margin:.3em 0;white-space:pre-wrap;word-break:break-word}\
.images img{height:160px;width:auto;margin:.2em .4em .2em 0;border-radius:4px;background:#eee}\
.error{color:#b00;white-space:pre-wrap;word-break:break-word}";

pub fn page(entries: &[&Entry], index: usize, pages: usize) -> String {
    let (done, failed) = entries.iter().fold((0, 0), |(d, f), e| match e.state {
        State::Done => (d + 1, f),
        State::Failed => (d, f + 1),
        State::Pending => (d, f),
    });
    let pending = entries.len() - done - failed;
    let mut out = String::with_capacity(512 + entries.len() * 600);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>flux batch, page {page} of {pages}</title><style>{STYLE}</style></head><body>\n\
         <h1>flux batch</h1>\n<p class=\"meta\">Page {page} of {pages} ({PAGE_LINES} lines a \
         page): {done} done, {failed} failed, {pending} not finished. \
         <a href=\"manifest.jsonl\">manifest.jsonl</a></p>\n",
        page = index + 1,
    );
    nav(&mut out, index, pages);
    for entry in entries {
        line(&mut out, entry);
    }
    nav(&mut out, index, pages);
    out.push_str("</body></html>\n");
    out
}

fn nav(out: &mut String, current: usize, pages: usize) {
    if pages < 2 {
        return;
    }
    out.push_str("<nav>Pages: ");
    for index in 0..pages {
        if index == current {
            let _ = write!(out, "<strong>{}</strong>", index + 1);
        } else {
            let _ = write!(out, "<a href=\"{}\">{}</a>", page_name(index), index + 1);
        }
    }
    out.push_str("</nav>\n");
}

fn line(out: &mut String, entry: &Entry) {
    let class = match entry.state {
        State::Done => "done",
        State::Failed => "failed",
        State::Pending => "pending",
    };
    let _ = write!(
        out,
        "<section class=\"line {class}\" id=\"line-{n}\"><div class=\"meta\">\
         <a href=\"#line-{n}\">line {n}</a> · {class}",
        n = entry.line
    );
    if let Some(seed) = entry.seed {
        let _ = write!(out, " · seed {seed}");
    }
    if let Some(size) = &entry.size {
        let _ = write!(out, " · size {}", escape(size));
    }
    out.push_str("</div>");
    if let Some(prompt) = &entry.prompt {
        let _ = write!(out, "<p class=\"prompt\">{}</p>", escape(prompt));
    }
    if let Some(input) = &entry.input {
        let _ = write!(
            out,
            "<p class=\"prompt\"><code>{}</code></p>",
            escape(input)
        );
    }
    if !entry.images.is_empty() {
        out.push_str("<div class=\"images\">");
        for (index, name) in entry.images.iter().enumerate() {
            let href = percent_encode(name);
            let _ = write!(
                out,
                "<a href=\"{href}\"><img src=\"{href}\" loading=\"lazy\" decoding=\"async\" \
                 alt=\"line {} image {}\"></a>",
                entry.line,
                index + 1
            );
        }
        out.push_str("</div>");
    }
    if let Some(error) = &entry.error {
        let _ = write!(out, "<p class=\"error\">{}</p>", escape(error));
    }
    out.push_str("</section>\n");
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A file name as a relative URL: unreserved bytes kept, everything else `%XX`.
fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_never_becomes_markup() {
        let entry = Entry {
            line: 1,
            state: State::Failed,
            prompt: Some("<script>alert('x')</script> & \"q\"".into()),
            images: vec!["a b\"<.png".into()],
            error: Some("<b>bad</b>".into()),
            ..Entry::default()
        };
        let html = page(&[&entry], 0, 1);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>bad"));
        assert!(
            html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        );
        assert!(html.contains("href=\"a%20b%22%3C.png\""));
    }

    #[test]
    fn ten_thousand_lines_render_in_pages() {
        let entries: Vec<Entry> = (1..=PAGE_LINES)
            .map(|line| Entry {
                line,
                state: State::Done,
                prompt: Some(format!("prompt {line}")),
                images: vec![format!("line-{line:06}-1.png")],
                ..Entry::default()
            })
            .collect();
        let refs: Vec<&Entry> = entries.iter().collect();
        let pages = 10_000usize.div_ceil(PAGE_LINES);
        let started = std::time::Instant::now();
        let html = page(&refs, 3, pages);
        // A figure, not an assertion (machines are noisy).
        eprintln!(
            "one page of {PAGE_LINES} lines: {} bytes in {:?}",
            html.len(),
            started.elapsed()
        );
        assert!(html.contains("index-50.html"));
        assert_eq!(html.matches("<img ").count(), PAGE_LINES);
    }
}
