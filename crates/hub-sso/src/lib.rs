//! EVE SSO, runtime-free: strict local validation of the JWT access tokens EVE SSO issues.
//!
//! [`jwt::verify`] follows RFC 8725 and the JWT section of the security checklist: the signature is
//! verified before any claim is read, algorithms are allow-listed (RS256, ES256), `kid` must name a
//! key of the configured JWKS whose own algorithm matches, and every claim EVE puts in a token is
//! checked. [`jwks`] fetches and caches the SSO's keys, [`client`] builds the OAuth requests and
//! reads their answers, and [`settings`] reads the deployment's SSO configuration.
#![forbid(unsafe_code)]

pub mod client;
pub mod jwks;
pub mod jwt;
pub mod settings;
