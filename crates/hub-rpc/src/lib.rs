//! Typed RPC: the Rust counterpart of the original's `getStub<T>(namespace, id)`.
//!
//! workers-rs Durable Objects have no JS-RPC, so calls travel as `POST /rpc/<interface>/<method>`
//! over the stub's `fetch`, with JSON bodies. Each interface is declared once with
//! [`rpc_interface!`], which generates:
//! - the typed client methods on [`Client<I, T>`] for any [`Transport`];
//! - a handler trait the serving object implements;
//! - the server-side `dispatch` that decodes, calls the handler and encodes.
//!
//! Nobody writes JSON by hand per method. An interface also says who serves it:
//! - `object BINDING by Key`: a Durable Object class, one object per key, so a call reads
//!   `ctx.stub::<TokenStore>(&character)` and a wrong binding or key does not compile;
//! - `service Service::X`: a worker, over its service binding (`ctx.service::<Accounts>()`);
//! - neither: served by every object (the health probe), reached by binding and name.
//!
//! Interfaces live next to their domain (`hub_tokens::TokenStore`), so a worker compiles only
//! what it calls. `hub-worker` supplies the transports; tests use [`LoopbackTransport`]. This crate
//! must never depend on `worker`.
#![forbid(unsafe_code)]
#![allow(async_fn_in_trait)]

pub mod bindings;

use hub_domain::Service;
pub use hub_http::{codes, ApiError};
use std::marker::PhantomData;

/// The path prefix of every RPC request.
pub const RPC_PREFIX: &str = "/rpc/";

/// An RPC interface: a named set of methods, and the typed client that calls them.
pub trait Interface: Sized {
    const NAME: &'static str;
    /// The generated client, over any transport.
    type Client<T: Transport>;
    fn client<T: Transport>(transport: T) -> Self::Client<T>;
}

/// An interface served by a Durable Object class: its namespace's binding and the key that names
/// one object.
pub trait ObjectInterface: Interface {
    const BINDING: &'static str;
    type Key: ObjectKey;
}

/// An interface served by a worker, reached over its service binding.
pub trait ServiceInterface: Interface {
    const SERVICE: Service;
}

/// Names one object of a namespace. Names are stable: an object's storage is found by its name.
pub trait ObjectKey {
    fn object_name(&self) -> String;
}

impl ObjectKey for hub_domain::CharacterId {
    fn object_name(&self) -> String {
        self.to_string()
    }
}

impl ObjectKey for hub_domain::CorporationId {
    fn object_name(&self) -> String {
        self.to_string()
    }
}

impl ObjectKey for hub_domain::UserId {
    fn object_name(&self) -> String {
        self.to_string()
    }
}

/// Carries one encoded call to whoever serves the interface.
pub trait Transport {
    /// Sends `body` to `path` and returns the HTTP status and body of the answer.
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), ApiError>;
}

/// The untyped half of a generated client: encodes a call to one of `I`'s methods, sends it and
/// decodes the answer.
pub struct Client<I, T> {
    transport: T,
    _interface: PhantomData<I>,
}

impl<I: Interface, T: Transport> Client<I, T> {
    pub fn new(transport: T) -> Self {
        Self { transport, _interface: PhantomData }
    }

    /// Encodes, sends and decodes one call. Generated methods call this; call sites do not.
    #[doc(hidden)]
    pub async fn call<Req: serde::Serialize, Resp: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        request: &Req,
    ) -> Result<Resp, ApiError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| ApiError::bad_request(format!("encoding {method}: {e}")))?;
        let path = format!("{RPC_PREFIX}{}/{method}", I::NAME);
        let (status, bytes) = self.transport.post(&path, body).await?;
        if status == 200 {
            serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::internal(format!("decoding the answer of {}.{method}: {e}", I::NAME)))
        } else {
            Err(ApiError::from_wire(status, &bytes))
        }
    }
}

/// The answer for a call to an interface the callee does not serve.
pub fn unknown_interface(interface: &str) -> ApiError {
    ApiError::new(404, codes::UNKNOWN_METHOD, format!("this object serves no interface `{interface}`"))
}

/// Splits `/rpc/<interface>/<method>` into its two names.
pub fn parse_rpc_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(RPC_PREFIX)?;
    let (interface, method) = rest.split_once('/')?;
    (!interface.is_empty() && !method.is_empty() && !method.contains('/')).then_some((interface, method))
}

/// Decodes a request body for `method`; a malformed body is a `BadRequest` naming the method.
#[doc(hidden)]
pub fn decode_request<T: serde::de::DeserializeOwned>(method: &str, body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("malformed request for {method}: {e}")))
}

/// Encodes a handler's answer.
#[doc(hidden)]
pub fn encode_response<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("encoding answer: {e}")))
}

/// Declares an interface once; see the crate docs for what it generates.
///
/// ```ignore
/// rpc_interface! {
///     /// Health probe served by every Durable Object.
///     pub interface DurableHealth as "health", handler DurableHealthHandler, client DurableHealthClient {
///         fn probe(ProbeRequest) -> ProbeRecord;
///     }
/// }
/// ```
#[macro_export]
macro_rules! rpc_interface {
    (
        $(#[$meta:meta])*
        pub interface $iface:ident as $name:literal, handler $handler:ident, client $client:ident, object $binding:ident by $key:ty {
            $($methods:tt)+
        }
    ) => {
        $crate::rpc_interface! {
            $(#[$meta])*
            pub interface $iface as $name, handler $handler, client $client { $($methods)+ }
        }

        impl $crate::ObjectInterface for $iface {
            const BINDING: &'static str = $crate::bindings::$binding;
            type Key = $key;
        }
    };
    (
        $(#[$meta:meta])*
        pub interface $iface:ident as $name:literal, handler $handler:ident, client $client:ident, service $service:ident {
            $($methods:tt)+
        }
    ) => {
        $crate::rpc_interface! {
            $(#[$meta])*
            pub interface $iface as $name, handler $handler, client $client { $($methods)+ }
        }

        impl $crate::ServiceInterface for $iface {
            const SERVICE: ::hub_domain::Service = ::hub_domain::Service::$service;
        }
    };
    (
        $(#[$meta:meta])*
        pub interface $iface:ident as $name:literal, handler $handler:ident, client $client:ident {
            $( $(#[$mmeta:meta])* fn $method:ident($req:ty) -> $resp:ty; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $iface;

        impl $crate::Interface for $iface {
            const NAME: &'static str = $name;
            type Client<T: $crate::Transport> = $client<T>;
            fn client<T: $crate::Transport>(transport: T) -> $client<T> {
                $client($crate::Client::new(transport))
            }
        }

        /// The typed client of this interface.
        pub struct $client<T>(pub $crate::Client<$iface, T>);

        /// Implemented by whatever serves this interface.
        #[allow(async_fn_in_trait)]
        pub trait $handler {
            $( $(#[$mmeta])* async fn $method(&self, request: $req) -> Result<$resp, $crate::ApiError>; )+
        }

        impl<T: $crate::Transport> $client<T> {
            $(
                $(#[$mmeta])*
                pub async fn $method(&self, request: &$req) -> Result<$resp, $crate::ApiError> {
                    self.0.call(stringify!($method), request).await
                }
            )+
        }

        impl $iface {
            /// Serves a call addressed to `interface`: one of this interface's methods, or
            /// `unknown_method` when the call is for an interface the callee does not serve.
            pub async fn serve<H: $handler>(handler: &H, interface: &str, method: &str, body: &[u8]) -> Result<Vec<u8>, $crate::ApiError> {
                if interface != $name {
                    return Err($crate::unknown_interface(interface));
                }
                Self::dispatch(handler, method, body).await
            }

            /// Decodes one call, runs it on `handler` and encodes the answer.
            pub async fn dispatch<H: $handler>(handler: &H, method: &str, body: &[u8]) -> Result<Vec<u8>, $crate::ApiError> {
                match method {
                    $(
                        stringify!($method) => {
                            let request: $req = $crate::decode_request(method, body)?;
                            let response = handler.$method(request).await?;
                            $crate::encode_response(&response)
                        }
                    )+
                    other => Err($crate::ApiError::new(
                        404,
                        $crate::codes::UNKNOWN_METHOD,
                        format!("interface {} has no method `{}`", $name, other),
                    )),
                }
            }
        }
    };
}

/// A transport that serves calls in-process: for native tests of both sides of an interface.
pub struct LoopbackTransport<F>(pub F);

impl<F, Fut> Transport for LoopbackTransport<F>
where
    F: Fn(String, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = (u16, Vec<u8>)>,
{
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), ApiError> {
        Ok((self.0)(path.to_owned(), body).await)
    }
}

#[cfg(test)]
mod tests;
