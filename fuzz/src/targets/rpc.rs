//! Requests and responses: each protocol's request and response decoders as the node runs
//! them, and the libp2p frame codec that reads a frame off a stream before anything is decoded
//! (the code byte, the length and its bound, the body).

use super::wire::limits;
use crate::target::{refused, Encoding, Target, Verdict};
use futures::executor::block_on;
use futures::io::Cursor;
use libp2p_codec::Codec;
use networking::p2p::libp2p::request_response as libp2p_codec;
use networking::p2p::rpc_codec::{FrameCodec, RPC_PROTOCOL};
use networking::rpc::Protocol;
use networking::{Request, Response};

fn protocol_of(name: &str) -> Option<Protocol> {
    let tail = name
        .strip_prefix("request_")
        .or_else(|| name.strip_prefix("response_"))?;
    Protocol::ALL.into_iter().find(|p| p.name() == tail)
}

fn request(name: &str, bytes: &[u8]) -> Verdict {
    let Some(protocol) = protocol_of(name) else {
        return Verdict::Wrong(format!("no protocol for {name}"));
    };
    match Request::decode(protocol, bytes) {
        Ok(request) => match request.encode().map(|b| Request::decode(protocol, &b)) {
            Ok(Ok(again)) if again == request => Verdict::Accepted,
            _ => Verdict::Wrong(format!("{name}: does not round-trip")),
        },
        Err(e) => refused(e),
    }
}

fn response(name: &str, bytes: &[u8]) -> Verdict {
    let Some(protocol) = protocol_of(name) else {
        return Verdict::Wrong(format!("no protocol for {name}"));
    };
    match Response::decode(protocol, bytes, limits()) {
        Ok(response) => match response
            .encode()
            .map(|b| Response::decode(protocol, &b, limits()))
        {
            Ok(Ok(again)) if again == response => Verdict::Accepted,
            _ => Verdict::Wrong(format!("{name}: does not round-trip")),
        },
        Err(e) => refused(e),
    }
}

/// The frame codec, reading the bytes both as a request and as a response stream.
fn frame(bytes: &[u8]) -> Verdict {
    let mut codec = FrameCodec::new(*limits());
    let as_request = block_on(codec.read_request(&RPC_PROTOCOL, &mut Cursor::new(bytes)));
    let as_response = block_on(codec.read_response(&RPC_PROTOCOL, &mut Cursor::new(bytes)));
    match (as_request, as_response) {
        (Ok(_), Ok(_)) => Verdict::Accepted,
        (Err(e), _) | (_, Err(e)) => refused(e),
    }
}

macro_rules! rpc_target {
    ($name:literal, $run:ident) => {
        Target {
            name: $name,
            encoding: Encoding::Snappy,
            run: |bytes| $run($name, bytes),
        }
    };
}

pub fn targets() -> Vec<Target> {
    vec![
        rpc_target!("request_status", request),
        rpc_target!("request_beacon_blocks_by_range", request),
        rpc_target!("request_beacon_blocks_by_root", request),
        rpc_target!("request_shard_blocks_by_range", request),
        rpc_target!("response_status", response),
        rpc_target!("response_beacon_blocks_by_range", response),
        rpc_target!("response_beacon_blocks_by_root", response),
        rpc_target!("response_shard_blocks_by_range", response),
        Target {
            name: "rpc_frame",
            encoding: Encoding::Bytes,
            run: frame,
        },
    ]
}
