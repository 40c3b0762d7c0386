//! Enhanced authentication (MQTT 5 section 4.12): a pluggable mechanism.

use alloc::boxed::Box;
use core::fmt;

use bytes::Bytes;

use crate::ReasonCode;

/// An enhanced authentication mechanism (SCRAM, Kerberos, a token scheme...).
///
/// The connection calls [`start`](Self::start) for the CONNECT (and for each
/// re-authentication), [`respond`](Self::respond) for every AUTH challenge the
/// server sends, and [`finish`](Self::finish) with the server's final data.
/// Mechanisms that keep state between steps keep it in `self`; `start` resets it.
pub trait Authenticator: Send + fmt::Debug {
    /// The Authentication Method, such as `"SCRAM-SHA-256"`.
    fn method(&self) -> &str;

    /// Begins an exchange and returns the Authentication Data for the CONNECT or
    /// re-authentication AUTH, if the mechanism sends any.
    fn start(&mut self) -> Option<Bytes>;

    /// Answers a challenge from the server (AUTH with Continue authentication).
    ///
    /// # Errors
    ///
    /// The reason code to disconnect with when the challenge is not acceptable.
    fn respond(&mut self, challenge: Option<&[u8]>) -> Result<Option<Bytes>, ReasonCode>;

    /// Checks the server's final Authentication Data (in CONNACK or in an AUTH
    /// with Success).
    ///
    /// # Errors
    ///
    /// The reason code to disconnect with when the server did not prove itself.
    fn finish(&mut self, data: Option<&[u8]>) -> Result<(), ReasonCode> {
        let _ = data;
        Ok(())
    }

    /// A fresh copy, for a new connection built from the same options.
    fn clone_box(&self) -> Box<dyn Authenticator>;
}

impl Clone for Box<dyn Authenticator> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}
