//! The XMP packet of a WebP file: the metadata JSON in a `flux:request` property and the
//! human-readable summary as `dc:description`, both XML-escaped.

const NS: &str = "https://github.com/flux-client/flux-client/ns/1.0/";

pub(super) fn packet(json: &str, parameters: &str) -> String {
    format!(
        concat!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>",
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">",
            "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
            "<rdf:Description rdf:about=\"\" xmlns:flux=\"{ns}\" ",
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
            "<flux:request>{json}</flux:request>",
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{parameters}</rdf:li></rdf:Alt></dc:description>",
            "</rdf:Description></rdf:RDF></x:xmpmeta>",
            "<?xpacket end=\"r\"?>"
        ),
        ns = NS,
        json = escape(json),
        parameters = escape(parameters),
    )
}

/// The JSON text of the `flux:request` property, if the packet has one.
pub(super) fn json(packet: &str) -> Option<String> {
    let start = packet.find("<flux:request>")? + "<flux:request>".len();
    let end = start + packet[start..].find("</flux:request>")?;
    Some(unescape(&packet[start..end]))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_comes_back() {
        let text = r#"{"prompt":"a <b> & 'c' \"d\" &amp;"}"#;
        assert_eq!(json(&packet(text, "x")).as_deref(), Some(text));
    }
}
