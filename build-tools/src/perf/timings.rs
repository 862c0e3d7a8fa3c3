//! What dominated a cold build: the units of cargo's `--timings` report, told apart as the
//! generator stack (only for `build.rs`) or the client and its runtime dependencies.

use std::io::Write;
use std::path::Path;

use super::cargo;

/// One compilation unit of cargo's timings report.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Crate name.
    pub name: String,
    /// Crate version.
    pub version: String,
    /// What was built (`lib`, `build-script`, `run-custom-build`, ...).
    pub target: String,
    /// Seconds from start to end.
    pub duration: f64,
}

/// Reads the units of the newest `cargo-timing-*.html` under `target/cargo-timings`.
pub(super) fn timings(target: &Path) -> Result<Vec<Unit>, String> {
    let dir = target.join("cargo-timings");
    let newest = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("cargo-timing-") && n.ends_with(".html"))
        })
        .max()
        .ok_or_else(|| format!("no timings report in {}", dir.display()))?;
    let html = std::fs::read_to_string(&newest)
        .map_err(|e| format!("cannot read {}: {e}", newest.display()))?;
    parse_timings(&html).ok_or_else(|| format!("no UNIT_DATA in {}", newest.display()))
}

/// Parses the `const UNIT_DATA = [...];` array that cargo's HTML timings report embeds.
pub fn parse_timings(html: &str) -> Option<Vec<Unit>> {
    let start = html.find("UNIT_DATA = ")? + "UNIT_DATA = ".len();
    let mut stream =
        serde_json::Deserializer::from_str(&html[start..]).into_iter::<serde_json::Value>();
    let data = stream.next()?.ok()?;
    let units = data
        .as_array()?
        .iter()
        .filter_map(|u| {
            Some(Unit {
                name: u.get("name")?.as_str()?.to_owned(),
                version: u
                    .get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                target: u
                    .get("target")
                    .and_then(|t| t.as_str())
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                duration: u.get("duration")?.as_f64()?,
            })
        })
        .collect();
    Some(units)
}

/// `name version` of every package in flux-client's normal (non-build) dependency graph, its
/// proc macros included: what a program using the crate links or needs to compile it.
pub(super) fn runtime_packages(copy: &Path, extra: &[String]) -> Result<Vec<String>, String> {
    let output = cargo()
        .current_dir(copy)
        .args(["tree", "--locked", "-p", "flux-client", "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some(format!(
                "{} {}",
                words.next()?,
                words.next()?.trim_start_matches('v')
            ))
        })
        .collect())
}

/// Whether a unit is only there for flux-client's build script (the generator stack), not for
/// the client's own code.
fn build_time_only(unit: &Unit, runtime: &[String]) -> bool {
    let key = format!("{} {}", unit.name, unit.version);
    unit.target.contains("build-script") && unit.name == "flux-client" || !runtime.contains(&key)
}

pub(super) fn summarise(
    units: &[Unit],
    runtime: &[String],
    top: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let total: f64 = units.iter().map(|u| u.duration).sum();
    let generator: f64 = units
        .iter()
        .filter(|u| build_time_only(u, runtime))
        .map(|u| u.duration)
        .sum();
    let mut sorted = units.to_vec();
    sorted.sort_by(|a, b| b.duration.total_cmp(&a.duration));
    writeln!(
        out,
        "\n  cold build: {} units, {total:.1} s of compiler time in all (2 cores run them in parallel); slowest:",
        units.len()
    )?;
    for unit in sorted.iter().take(top) {
        let what = if unit.target.is_empty() {
            String::new()
        } else {
            format!(" ({})", unit.target)
        };
        let side = if build_time_only(unit, runtime) {
            "generator"
        } else {
            "client"
        };
        writeln!(
            out,
            "    {:>6.1} s {:>5.1}%  {side:<9}  {} {}{what}",
            unit.duration,
            unit.duration / total * 100.0,
            unit.name,
            unit.version
        )?;
    }
    writeln!(
        out,
        "  compiler time only for build.rs (generator stack: build-tools, progenitor, typify, ...): {generator:.1} s ({:.0}%); for the client and its runtime dependencies: {:.1} s ({:.0}%)",
        generator / total * 100.0,
        total - generator,
        (total - generator) / total * 100.0
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timings_units_are_read_from_the_html() {
        let html = r#"<script>
const UNIT_DATA = [{"i":0,"name":"syn","version":"2.0.1","mode":"todo","target":"","start":0.1,"duration":4.5,"rmeta_time":2.0,"unlocked_units":[],"unlocked_rmeta_units":[]},{"i":1,"name":"flux-client","version":"0.1.0","mode":"run-custom-build","target":" build script","start":5.0,"duration":0.5}];
const CONCURRENCY_DATA = [];
</script>"#;
        let units = parse_timings(html).expect("units");
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].name, "syn");
        assert_eq!(units[0].version, "2.0.1");
        assert_eq!(units[0].duration, 4.5);
        assert_eq!(units[1].target, "build script");
        assert!(parse_timings("<html>no data</html>").is_none());
    }
}
