//! Before the first trial, one cheap request: a target that cannot be reached at all (a
//! refused connection, a name that does not resolve, a TLS failure, bytes that are not
//! HTTP) is a configuration error, not thousands of failed trials.

use super::Engine;
use crate::exchange::TransportError;

impl Engine {
    /// Sends the health probe (the read call for group 0). Any HTTP answer, whatever its
    /// status, means the target is there; so does a timeout, which the watch judges (the
    /// target may be slow, or stopped answering: that is a verdict, not a setting).
    pub async fn check_reachable(&self) -> Result<(), String> {
        let ex = super::family::calls::health_probe(self).await?;
        match &ex.response {
            Err(e @ (TransportError::Connect(_) | TransportError::NotHttp(_))) => Err(format!(
                "cannot reach the target {}: {}; nothing was judged",
                self.base_url,
                self.redactor.text(&e.to_string())
            )),
            _ => Ok(()),
        }
    }
}
