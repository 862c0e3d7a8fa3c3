//! The faults' textual form (the `x-mock-fault` header's value).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::account::Account;
use super::faults::Fault;

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay(d) => write!(f, "delay;ms={}", d.as_millis()),
            Fault::Status {
                status,
                retry_after,
            } => {
                write!(f, "status;code={status}")?;
                if let Some(secs) = retry_after {
                    write!(f, ";retry-after={secs}")?;
                }
                Ok(())
            }
            Fault::ErrorIn200 { code } => write!(f, "error-in-200;code={code}"),
            Fault::EmptyData => f.write_str("empty-data"),
            Fault::MalformedJson => f.write_str("malformed-json"),
            Fault::TruncatedBody => f.write_str("truncated"),
            Fault::WrongContentType => f.write_str("wrong-content-type"),
            Fault::CloseBeforeResponse => f.write_str("close-before-response"),
            Fault::CloseMidResponse => f.write_str("close-mid-response"),
            Fault::ImageNotFound => f.write_str("image-404"),
            Fault::ImageTooLarge {
                bytes,
                content_length,
            } => {
                write!(f, "image-too-large;bytes={bytes}")?;
                if !content_length {
                    f.write_str(";chunked")?;
                }
                Ok(())
            }
            Fault::ImageRedirect => f.write_str("image-redirect"),
            Fault::ImageDelay(d) => write!(f, "image-delay;ms={}", d.as_millis()),
            Fault::Account(account) => {
                f.write_str("account")?;
                if let Some(n) = account.concurrent {
                    write!(f, ";concurrent={n}")?;
                }
                if let Some(rate) = account.rate {
                    write!(f, ";rate={rate}")?;
                }
                if let Some(burst) = account.burst {
                    write!(f, ";burst={burst}")?;
                }
                if let Some(secs) = account.retry_after {
                    write!(f, ";retry-after={secs}")?;
                }
                Ok(())
            }
            Fault::ImageStatus { status, times } => {
                write!(f, "image-status;code={status};times={times}")
            }
        }
    }
}

/// Why a fault's text could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultParseError {
    text: String,
    reason: String,
}

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault `{}`: {}", self.text, self.reason)
    }
}

impl std::error::Error for FaultParseError {}

impl Fault {
    /// Parses a comma-separated list of faults, as the `x-mock-fault` header holds.
    ///
    /// # Errors
    ///
    /// A [`FaultParseError`] naming the fault that is not understood and why.
    pub fn parse_list(text: &str) -> Result<Vec<Fault>, FaultParseError> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(str::parse)
            .collect()
    }
}

impl FromStr for Fault {
    type Err = FaultParseError;

    /// Parses one fault: a name, then `;key=value` parameters (or bare flags), as listed on each
    /// variant of [`Fault`]. Unknown names, unknown or missing parameters and bad numbers are errors.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| FaultParseError {
            text: text.to_owned(),
            reason,
        };
        let mut parts = text.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let mut params: Vec<(&str, Option<&str>)> = Vec::new();
        for part in parts.filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((key, value)) => params.push((key.trim(), Some(value.trim()))),
                None => params.push((part, None)),
            }
        }
        let mut take = |key: &str| -> Option<Option<&str>> {
            let index = params.iter().position(|(k, _)| *k == key)?;
            Some(params.remove(index).1)
        };
        let mut number = |key: &str, required: bool| -> Result<Option<u64>, FaultParseError> {
            match take(key) {
                None if required => Err(error(format!("missing parameter `{key}`"))),
                None => Ok(None),
                Some(None) => Err(error(format!("parameter `{key}` needs a value"))),
                Some(Some(value)) => value.parse().map(Some).map_err(|_| {
                    error(format!(
                        "parameter `{key}` must be a non-negative integer, not `{value}`"
                    ))
                }),
            }
        };
        let millis = |n: Option<u64>| Duration::from_millis(n.unwrap_or_default());
        let status_code = |n: Option<u64>| -> Result<u16, FaultParseError> {
            match n {
                Some(code @ 400..=599) => Ok(code as u16),
                Some(code) => Err(error(format!(
                    "`code` must be an error status (400 to 599), not {code}"
                ))),
                None => unreachable!("required"),
            }
        };

        let fault = match name {
            "delay" | "slow" => Fault::Delay(millis(number("ms", true)?)),
            "status" => Fault::Status {
                status: status_code(number("code", true)?)?,
                retry_after: number("retry-after", false)?,
            },
            "rate-limit" => Fault::Status {
                status: 429,
                retry_after: number("retry-after", false)?,
            },
            "error-in-200" => Fault::ErrorIn200 {
                code: status_code(number("code", true)?)?,
            },
            "empty-data" => Fault::EmptyData,
            "malformed-json" => Fault::MalformedJson,
            "truncated" => Fault::TruncatedBody,
            "wrong-content-type" => Fault::WrongContentType,
            "close-before-response" => Fault::CloseBeforeResponse,
            "close-mid-response" => Fault::CloseMidResponse,
            "image-404" => Fault::ImageNotFound,
            "image-too-large" => {
                let bytes = number("bytes", true)?.unwrap_or_default();
                let chunked = match take("chunked") {
                    None => false,
                    Some(None) => true,
                    Some(Some(_)) => return Err(error("`chunked` takes no value".into())),
                };
                Fault::ImageTooLarge {
                    bytes,
                    content_length: !chunked,
                }
            }
            "image-redirect" => Fault::ImageRedirect,
            "image-delay" => Fault::ImageDelay(millis(number("ms", true)?)),
            "account" => {
                let mut account = Account::new();
                account.concurrent = number("concurrent", false)?
                    .map(|n| {
                        u32::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| {
                            error(format!("`concurrent` must be 1 or more, not {n}"))
                        })
                    })
                    .transpose()?;
                account.burst = number("burst", false)?
                    .map(|n| {
                        u32::try_from(n)
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| error(format!("`burst` must be 1 or more, not {n}")))
                    })
                    .transpose()?;
                account.retry_after = number("retry-after", false)?;
                account.rate = match take("rate") {
                    None => None,
                    Some(None) => return Err(error("parameter `rate` needs a value".into())),
                    Some(Some(text)) => Some(text.parse().map_err(|e| error(format!("{e}")))?),
                };
                if account.concurrent.is_none() && account.rate.is_none() {
                    return Err(error("`account` needs `concurrent` or `rate`".into()));
                }
                Fault::Account(account)
            }
            "image-status" => Fault::ImageStatus {
                status: status_code(number("code", true)?)?,
                times: u32::try_from(number("times", false)?.unwrap_or(1))
                    .map_err(|_| error("`times` is too large".into()))?,
            },
            "" => return Err(error("empty fault name".into())),
            other => return Err(error(format!("unknown fault name `{other}`"))),
        };
        if let Some((key, _)) = params.first() {
            return Err(error(format!("unknown parameter `{key}` for `{name}`")));
        }
        Ok(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_text() {
        let all = [
            Fault::Delay(Duration::from_millis(250)),
            Fault::Status {
                status: 503,
                retry_after: None,
            },
            Fault::Status {
                status: 429,
                retry_after: Some(3),
            },
            Fault::ErrorIn200 { code: 402 },
            Fault::EmptyData,
            Fault::MalformedJson,
            Fault::TruncatedBody,
            Fault::WrongContentType,
            Fault::CloseBeforeResponse,
            Fault::CloseMidResponse,
            Fault::ImageNotFound,
            Fault::ImageTooLarge {
                bytes: 1 << 20,
                content_length: true,
            },
            Fault::ImageTooLarge {
                bytes: 10,
                content_length: false,
            },
            Fault::ImageRedirect,
            Fault::ImageDelay(Duration::from_millis(5)),
            Fault::Account(
                Account::new()
                    .concurrent(30)
                    .rate(crate::Rate::per_minute(600))
                    .burst(3)
                    .retry_after(1),
            ),
            Fault::Account(Account::new().rate(crate::Rate::per_second(5))),
            Fault::ImageStatus {
                status: 503,
                times: 2,
            },
        ];
        for fault in all {
            assert_eq!(fault.to_string().parse::<Fault>(), Ok(fault.clone()));
        }
    }

    #[test]
    fn bad_texts_are_errors_naming_the_problem() {
        for (text, reason) in [
            ("nope", "unknown fault name `nope`"),
            ("delay", "missing parameter `ms`"),
            ("delay;ms=soon", "must be a non-negative integer"),
            ("status;code=200", "must be an error status"),
            ("empty-data;x=1", "unknown parameter `x`"),
            ("delay;ms", "needs a value"),
            ("account", "needs `concurrent` or `rate`"),
            ("account;concurrent=0", "must be 1 or more"),
            ("account;rate=5/week", "the unit must be s, min or h"),
            ("account;rate=10/s;ms=3", "unknown parameter `ms`"),
        ] {
            let err = text.parse::<Fault>().unwrap_err().to_string();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }
}
