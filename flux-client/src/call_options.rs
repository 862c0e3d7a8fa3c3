//! What one request overrides of its client's configuration: the per-attempt timeout, the
//! retries, the deadline and whether a 429 is waited out ([`GenerateRequest`]'s `timeout`,
//! `max_retries`, `deadline`, `wait_on_rate_limit`).
//!
//! [`GenerateRequest`]: crate::GenerateRequest

use std::time::Duration;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The overrides one request set; `None` keeps the client's value.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) wait_on_rate_limit: Option<bool>,
}

/// What a request is sent with once its overrides are applied to the client's configuration.
#[derive(Clone, Debug)]
pub(crate) struct Effective {
    pub(crate) policy: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
}

impl CallOptions {
    /// Applies the overrides to `config`, with the builder's rules: a timeout set for the call
    /// gets its whole length (the client's deadline grows to it), a deadline set shorter than
    /// a timeout set is refused, and the client's timeout shrinks to a shorter call deadline.
    pub(crate) fn resolve(&self, config: &Config) -> Result<Effective> {
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid("timeout", "is zero"));
        }
        if self.deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid("deadline", "is zero"));
        }
        let mut policy = config.retry.clone();
        if let Some(retries) = self.max_retries {
            policy = policy.max_retries(retries);
        }
        if let Some(wait) = self.wait_on_rate_limit {
            policy = policy.wait_on_rate_limit(wait);
        }
        let deadline = match (self.deadline, self.timeout) {
            (Some(deadline), Some(timeout)) if deadline < timeout => {
                return Err(Error::invalid(
                    "deadline",
                    format!(
                        "({deadline:?}) is shorter than the request's timeout ({timeout:?}), \
                         which could then never be used in full"
                    ),
                ));
            }
            (Some(deadline), _) => deadline,
            (None, Some(timeout)) => config.deadline.max(timeout),
            (None, None) => config.deadline,
        };
        let timeout = self.timeout.unwrap_or(config.timeout).min(deadline);
        Ok(Effective {
            policy,
            timeout,
            deadline,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::FluxClient::builder()
            .api_key("sk-test")
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap()
            .config()
            .clone()
    }

    #[test]
    fn unset_options_keep_the_clients_values() {
        let config = config();
        let effective = CallOptions::default().resolve(&config).unwrap();
        assert_eq!(effective.timeout, config.timeout());
        assert_eq!(effective.deadline, config.deadline());
        assert_eq!(&effective.policy, config.retry_policy());
    }

    #[test]
    fn a_longer_call_timeout_extends_the_deadline_and_a_shorter_deadline_shrinks_the_timeout() {
        let config = config();
        let long = CallOptions {
            timeout: Some(Duration::from_secs(900)),
            ..CallOptions::default()
        };
        let effective = long.resolve(&config).unwrap();
        assert_eq!(effective.timeout, Duration::from_secs(900));
        assert_eq!(effective.deadline, Duration::from_secs(900));

        let short = CallOptions {
            deadline: Some(Duration::from_secs(5)),
            max_retries: Some(0),
            wait_on_rate_limit: Some(false),
            ..CallOptions::default()
        };
        let effective = short.resolve(&config).unwrap();
        assert_eq!(effective.timeout, Duration::from_secs(5));
        assert_eq!(effective.policy.get_max_retries(), 0);
        assert!(!effective.policy.get_wait_on_rate_limit());
    }

    #[test]
    fn contradicting_or_zero_values_name_the_field() {
        let config = config();
        for (options, field) in [
            (
                CallOptions {
                    timeout: Some(Duration::from_secs(60)),
                    deadline: Some(Duration::from_secs(10)),
                    ..CallOptions::default()
                },
                "deadline",
            ),
            (
                CallOptions {
                    timeout: Some(Duration::ZERO),
                    ..CallOptions::default()
                },
                "timeout",
            ),
        ] {
            match options.resolve(&config) {
                Err(Error::InvalidRequest { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected an invalid {field}, got {other:?}"),
            }
        }
    }
}
