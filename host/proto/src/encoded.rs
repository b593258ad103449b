//! gRPC with the messages already encoded: a codec that passes bytes as
//! they are, and each service as a table of methods on encoded messages
//! (generated from the protos: [`crate::tables`]).
//!
//! Why: tonic's generated servers and clients are deep stacks of generic
//! code, compiled once per method. The machine serves a hundred methods and
//! calls seventy on viam-server; with the messages encoded at the edge,
//! tonic's code is compiled once, and each method is only its decode, its
//! call and its encode. What a service does stays in tonic's trait for it.

use std::sync::Arc;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use prost::bytes::{Buf, BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Request, Response, Status};

/// The codec: bytes out as they are, the whole message in as bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Encoded;

impl Codec for Encoded {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = Encoded;
    type Decoder = Encoded;

    fn encoder(&mut self) -> Encoded {
        Encoded
    }

    fn decoder(&mut self) -> Encoded {
        Encoded
    }
}

impl Encoder for Encoded {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Encoded {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// A unary method's answer.
pub type Unary = BoxFuture<'static, Result<Response<Bytes>, Status>>;
/// The messages of a server-streaming answer.
pub type Frames = BoxStream<'static, Result<Bytes, Status>>;
/// A server-streaming method's answer.
pub type ServerStreaming = BoxFuture<'static, Result<Response<Frames>, Status>>;

/// One method of a service implemented by `T`.
pub enum Method<T> {
    Unary(fn(Arc<T>, Request<Bytes>) -> Unary),
    ServerStreaming(fn(Arc<T>, Request<Bytes>) -> ServerStreaming),
}

/// A service: its full name and its methods by name.
pub struct Service<T> {
    pub name: &'static str,
    pub methods: Vec<(&'static str, Method<T>)>,
}

/// The request's message, decoded. A message that does not decode is
/// INTERNAL, as tonic's and grpc-go's servers answer it.
pub fn decode<M: prost::Message + Default>(request: Request<Bytes>) -> Result<Request<M>, Status> {
    let (metadata, extensions, bytes) = request.into_parts();
    let message = M::decode(bytes).map_err(|e| Status::internal(format!("the request does not decode: {e}")))?;
    Ok(Request::from_parts(metadata, extensions, message))
}

/// A unary answer, encoded.
pub fn answer<M: prost::Message>(response: Response<M>) -> Result<Response<Bytes>, Status> {
    Ok(response.map(|m| Bytes::from(m.encode_to_vec())))
}

/// A stream of answers, each encoded.
pub fn frames<M, S>(response: Response<S>) -> Result<Response<Frames>, Status>
where
    M: prost::Message + 'static,
    S: futures::Stream<Item = Result<M, Status>> + Send + 'static,
{
    Ok(response.map(|s| s.map(|item| item.map(|m| Bytes::from(m.encode_to_vec()))).boxed()))
}
