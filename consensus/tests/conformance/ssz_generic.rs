//! `ssz_generic/<handler>/{valid,invalid}/<case>`. The type is in the case name
//! (`uint_N`, `vec_<elem>_<len>`, `bitvec_<len>`, `bitlist_<limit>`, `boolean`, or a test
//! container); the rest of the name only describes the content. Valid cases decode to the
//! value of `value.yaml`, encode back to the same bytes and have the root of `meta.yaml`;
//! invalid cases must fail to decode.
//!
//! SSZ types are compile-time here, so the runner compiles in every length the generator
//! uses; a case naming a length that is not compiled in fails loudly rather than passing.

use crate::support::{normalize, Case, Outcome, Report, Vectors};
use consensus::primitives::Root;
use consensus::sszx::{decode, encode, hash_tree_root};
use ssz_rs::prelude::*;

pub fn run(vectors: &Vectors, report: &mut Report, handler: &str, cases: &[Case]) -> bool {
    if ![
        "uints",
        "boolean",
        "basic_vector",
        "bitvector",
        "bitlist",
        "containers",
    ]
    .contains(&handler)
    {
        return false;
    }
    for case in cases {
        report.run(case, || {
            let valid = match case.suite.as_str() {
                "valid" => true,
                "invalid" => false,
                other => return Err(format!("unknown suite {other}")),
            };
            dispatch(handler, vectors, case, valid)
        });
    }
    true
}

fn dispatch(handler: &str, v: &Vectors, case: &Case, valid: bool) -> Result<Outcome, String> {
    let parts: Vec<&str> = case.name.split('_').collect();
    let number = |i: usize| parts.get(i).and_then(|p| p.parse::<usize>().ok());
    match handler {
        "boolean" => check::<bool>(v, case, valid),
        "uints" => match number(1) {
            Some(8) => check::<u8>(v, case, valid),
            Some(16) => check::<u16>(v, case, valid),
            Some(32) => check::<u32>(v, case, valid),
            Some(64) => check::<u64>(v, case, valid),
            Some(128) => check::<u128>(v, case, valid),
            Some(256) => check::<U256>(v, case, valid),
            _ => Err(format!("unknown uint type in {}", case.name)),
        },
        "basic_vector" => {
            let len = number(2).ok_or_else(|| format!("no length in {}", case.name))?;
            match parts.get(1).copied() {
                Some("bool") => vector::<bool>(v, case, valid, len),
                Some("uint8") => vector::<u8>(v, case, valid, len),
                Some("uint16") => vector::<u16>(v, case, valid, len),
                Some("uint32") => vector::<u32>(v, case, valid, len),
                Some("uint64") => vector::<u64>(v, case, valid, len),
                Some("uint128") => vector::<u128>(v, case, valid, len),
                Some("uint256") => vector::<U256>(v, case, valid, len),
                other => Err(format!("unknown vector element {other:?}")),
            }
        }
        "bitvector" => bitvector(v, case, valid, number(1)),
        "bitlist" => bitlist(v, case, valid, number(1)),
        "containers" => match parts[0] {
            "SingleFieldTestStruct" => check::<SingleFieldTestStruct>(v, case, valid),
            "SmallTestStruct" => check::<SmallTestStruct>(v, case, valid),
            "FixedTestStruct" => check::<FixedTestStruct>(v, case, valid),
            "VarTestStruct" => check::<VarTestStruct>(v, case, valid),
            "ComplexTestStruct" => check::<ComplexTestStruct>(v, case, valid),
            "BitsStruct" => check::<BitsStruct>(v, case, valid),
            other => Err(format!("unknown test container {other}")),
        },
        other => Err(format!("unknown handler {other}")),
    }
}

/// A type that SSZ forbids (a zero-length vector): nothing can decode as it.
fn illegal_type(v: &Vectors, case: &Case, valid: bool) -> Result<Outcome, String> {
    v.read(&case.path("serialized.ssz"))?;
    if valid {
        Err("a valid case of a zero-length type".into())
    } else {
        Ok(Outcome::Pass)
    }
}

macro_rules! by_length {
    ($v:expr, $case:expr, $valid:expr, $len:expr, |$n:ident| $body:expr, [$($l:literal),*]) => {
        match $len {
            0 => illegal_type($v, $case, $valid),
            $($l => { const $n: usize = $l; $body })*
            other => Err(format!("length {other} is not compiled into the runner")),
        }
    };
}

fn vector<T>(v: &Vectors, case: &Case, valid: bool, len: usize) -> Result<Outcome, String>
where
    T: SimpleSerialize + Clone + serde::Serialize,
{
    by_length!(
        v,
        case,
        valid,
        len,
        |N| check::<Vector<T, N>>(v, case, valid),
        [1, 2, 3, 4, 5, 8, 16, 31, 512, 513]
    )
}

fn bitvector(v: &Vectors, case: &Case, valid: bool, len: Option<usize>) -> Result<Outcome, String> {
    let len = len.ok_or_else(|| format!("no length in {}", case.name))?;
    by_length!(
        v,
        case,
        valid,
        len,
        |N| check::<Bitvector<N>>(v, case, valid),
        [1, 2, 3, 4, 5, 8, 9, 16, 31, 32, 512, 513]
    )
}

const BITLIST_LIMITS: &[usize] = &[1, 2, 3, 4, 5, 8, 16, 31, 32, 512, 513];

fn bitlist(v: &Vectors, case: &Case, valid: bool, limit: Option<usize>) -> Result<Outcome, String> {
    let Some(limit) = limit else {
        // `bitlist_no_delimiter*` names no limit: the bytes must be refused under every one.
        if valid {
            return Err(format!("valid bitlist case without a limit: {}", case.name));
        }
        for limit in BITLIST_LIMITS {
            bitlist(v, case, false, Some(*limit))?;
        }
        return Ok(Outcome::Pass);
    };
    match limit {
        1 => check::<Bitlist<1>>(v, case, valid),
        2 => check::<Bitlist<2>>(v, case, valid),
        3 => check::<Bitlist<3>>(v, case, valid),
        4 => check::<Bitlist<4>>(v, case, valid),
        5 => check::<Bitlist<5>>(v, case, valid),
        8 => check::<Bitlist<8>>(v, case, valid),
        16 => check::<Bitlist<16>>(v, case, valid),
        31 => check::<Bitlist<31>>(v, case, valid),
        32 => check::<Bitlist<32>>(v, case, valid),
        512 => check::<Bitlist<512>>(v, case, valid),
        513 => check::<Bitlist<513>>(v, case, valid),
        other => Err(format!(
            "bitlist limit {other} is not compiled into the runner"
        )),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    root: String,
}

fn check<T>(v: &Vectors, case: &Case, valid: bool) -> Result<Outcome, String>
where
    T: SimpleSerialize + Clone + serde::Serialize,
{
    let bytes = v.read(&case.path("serialized.ssz"))?;
    let decoded = decode::<T>(&bytes);
    if !valid {
        return match decoded {
            Err(_) => Ok(Outcome::Pass),
            Ok(_) => Err("invalid bytes decoded without error".into()),
        };
    }
    let value = decoded.map_err(|e| e.to_string())?;
    let encoded = encode(&value).map_err(|e| format!("cannot re-encode: {e}"))?;
    if encoded != bytes {
        return Err("re-encoding differs from serialized.ssz".into());
    }
    let meta: Meta = v.read_yaml(&case.path("meta.yaml"))?;
    let root: Root = hash_tree_root(&value);
    if root.to_hex() != meta.root {
        return Err(format!("root {root} differs from {}", meta.root));
    }
    let expected: serde_yaml::Value = v.read_yaml(&case.path("value.yaml"))?;
    let got = serde_yaml::to_value(&value).map_err(|e| format!("cannot render value: {e}"))?;
    if normalize(&got) != normalize(&expected) {
        return Err(format!(
            "decoded value {got:?} differs from value.yaml {expected:?}"
        ));
    }
    Ok(Outcome::Pass)
}

fn hex_list<S: serde::Serializer, const N: usize>(
    list: &List<u8, N>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("0x{}", hex::encode(list.as_slice())))
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize)]
struct SingleFieldTestStruct {
    #[serde(rename = "A")]
    a: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize)]
struct SmallTestStruct {
    #[serde(rename = "A")]
    a: u16,
    #[serde(rename = "B")]
    b: u16,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize)]
struct FixedTestStruct {
    #[serde(rename = "A")]
    a: u8,
    #[serde(rename = "B")]
    b: u64,
    #[serde(rename = "C")]
    c: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize)]
struct VarTestStruct {
    #[serde(rename = "A")]
    a: u16,
    #[serde(rename = "B")]
    b: List<u16, 1024>,
    #[serde(rename = "C")]
    c: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize)]
struct ComplexTestStruct {
    #[serde(rename = "A")]
    a: u16,
    #[serde(rename = "B")]
    b: List<u16, 128>,
    #[serde(rename = "C")]
    c: u8,
    #[serde(rename = "D", serialize_with = "hex_list")]
    d: List<u8, 256>,
    #[serde(rename = "E")]
    e: VarTestStruct,
    #[serde(rename = "F")]
    f: Vector<FixedTestStruct, 4>,
    #[serde(rename = "G")]
    g: Vector<VarTestStruct, 2>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize)]
struct BitsStruct {
    #[serde(rename = "A")]
    a: Bitlist<5>,
    #[serde(rename = "B")]
    b: Bitvector<2>,
    #[serde(rename = "C")]
    c: Bitvector<1>,
    #[serde(rename = "D")]
    d: Bitlist<6>,
    #[serde(rename = "E")]
    e: Bitvector<8>,
}
