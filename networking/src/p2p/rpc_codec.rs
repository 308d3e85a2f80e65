//! Request/response framing for libp2p: one stream protocol, `/shardnode/rpc/1`, whose frames
//! carry the protocol's one-byte code, a 4-byte big-endian length and the `snappy(ssz(..))`
//! bytes. The length is checked against the protocol's compressed bound **before** anything is
//! read, so an oversized frame costs nothing; the bytes themselves are decoded (with the
//! per-type SSZ limit, before decompressing) by the node, which judges them.

use crate::codec::max_compressed_len;
use crate::limits::Limits;
use crate::rpc::Protocol;
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use std::io;

/// What a frame's buffer starts at before its bytes arrive.
const FIRST_READ: usize = 64 * 1024;

/// The one stream protocol of the request/response kinds.
pub const RPC_PROTOCOL: StreamProtocol = StreamProtocol::new("/shardnode/rpc/1");

/// One request or response: which protocol, and its encoded bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub protocol: Protocol,
    pub bytes: Vec<u8>,
}

/// The codec: frames with per-protocol size bounds.
#[derive(Clone, Debug)]
pub struct FrameCodec {
    limits: Limits,
}

impl FrameCodec {
    pub fn new(limits: Limits) -> Self {
        Self { limits }
    }

    fn bound(&self, protocol: Protocol, response: bool) -> usize {
        let limit = if response {
            protocol.response_limit(&self.limits)
        } else {
            protocol.request_limit()
        };
        max_compressed_len(limit)
    }

    async fn read_frame<T>(&self, io: &mut T, response: bool) -> io::Result<Frame>
    where
        T: AsyncRead + Unpin + Send,
    {
        let mut head = [0u8; 5];
        io.read_exact(&mut head).await?;
        let protocol = Protocol::from_code(head[0]).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("unknown request protocol code {}", head[0]),
            )
        })?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let bound = self.bound(protocol, response);
        if len > bound {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} frame of {len} bytes exceeds its {bound}-byte bound",
                    protocol.name()
                ),
            ));
        }
        // Grown as bytes arrive, not allocated up front: the bound is the protocol's the
        // peer names, and a peer that names the largest and sends nothing costs nothing.
        let mut bytes = Vec::with_capacity(len.min(FIRST_READ));
        (&mut *io).take(len as u64).read_to_end(&mut bytes).await?;
        if bytes.len() != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{} frame ended after {} of its {len} bytes",
                    protocol.name(),
                    bytes.len()
                ),
            ));
        }
        Ok(Frame { protocol, bytes })
    }

    async fn write_frame<T>(&self, io: &mut T, frame: &Frame) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let len = u32::try_from(frame.bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame over 4 GiB"))?;
        io.write_all(&[frame.protocol.code()]).await?;
        io.write_all(&len.to_be_bytes()).await?;
        io.write_all(&frame.bytes).await
    }
}

#[async_trait::async_trait]
impl libp2p::request_response::Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = Frame;
    type Response = Frame;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Frame>
    where
        T: AsyncRead + Unpin + Send,
    {
        self.read_frame(io, false).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Frame>
    where
        T: AsyncRead + Unpin + Send,
    {
        self.read_frame(io, true).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: Frame,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.write_frame(io, &request).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: Frame,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        self.write_frame(io, &response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::ChainConfig;
    use futures::executor::block_on;
    use futures::io::Cursor;

    fn codec() -> FrameCodec {
        FrameCodec::new(Limits::from_config(&ChainConfig::default()))
    }

    #[test]
    fn frames_round_trip() {
        let frame = Frame {
            protocol: Protocol::BeaconBlocksByRoot,
            bytes: vec![1, 2, 3],
        };
        let mut wire = Cursor::new(Vec::new());
        block_on(codec().write_frame(&mut wire, &frame)).unwrap();
        let mut wire = Cursor::new(wire.into_inner());
        assert_eq!(
            block_on(codec().read_frame(&mut wire, false)).unwrap(),
            frame
        );
    }

    #[test]
    fn oversized_and_unknown_frames_are_refused_before_reading() {
        // A status request claiming 1 MB: refused from the header, the body never read.
        let mut header = vec![Protocol::Status.code()];
        header.extend_from_slice(&(1u32 << 20).to_be_bytes());
        let err = block_on(codec().read_frame(&mut Cursor::new(header), false)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("exceeds"), "{err}");
        let unknown = vec![9u8, 0, 0, 0, 1, 0];
        let err = block_on(codec().read_frame(&mut Cursor::new(unknown), false)).unwrap_err();
        assert!(
            err.to_string().contains("unknown request protocol"),
            "{err}"
        );
        // A truncated frame is an error, not a hang or a panic.
        let truncated = vec![Protocol::Status.code(), 0, 0, 0, 50, 1, 2];
        assert!(block_on(codec().read_frame(&mut Cursor::new(truncated), false)).is_err());
    }
}
