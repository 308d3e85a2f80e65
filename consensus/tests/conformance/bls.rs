//! `bls/{sign,verify,aggregate,fast_aggregate_verify,aggregate_verify}`: `data.yaml` =
//! `{input, output}` under the IETF ciphersuite.

use crate::support::{hex_bytes, Case, Outcome, Report, Vectors};
use consensus::bls::{self, AggregateSignature, PublicKey, SecretKey, Signature};
use serde_yaml::Value;

pub fn run(vectors: &Vectors, report: &mut Report, handler: &str, cases: &[Case]) -> bool {
    let check: fn(&Value, &Value) -> Result<(), String> = match handler {
        "sign" => sign,
        "verify" => verify,
        "aggregate" => aggregate,
        "fast_aggregate_verify" => fast_aggregate_verify,
        "aggregate_verify" => aggregate_verify,
        _ => return false,
    };
    for case in cases {
        report.run(case, || {
            let data: Value = vectors.read_yaml(&case.path("data.yaml"))?;
            check(&data["input"], &data["output"])?;
            Ok(Outcome::Pass)
        });
    }
    true
}

fn expect_bool(output: &Value) -> Result<bool, String> {
    output
        .as_bool()
        .ok_or_else(|| format!("output is not a bool: {output:?}"))
}

fn compare(got: bool, output: &Value) -> Result<(), String> {
    let want = expect_bool(output)?;
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got}, expected {want}"))
    }
}

fn pubkeys(value: &Value) -> Result<Option<Vec<PublicKey>>, String> {
    let items = value.as_sequence().ok_or("pubkeys is not a list")?;
    let mut keys = Vec::new();
    for item in items {
        match PublicKey::from_bytes(&hex_bytes(item)?) {
            Ok(key) => keys.push(key),
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(keys))
}

fn sign(input: &Value, output: &Value) -> Result<(), String> {
    let secret = SecretKey::from_bytes(&hex_bytes(&input["privkey"])?);
    let message = hex_bytes(&input["message"])?;
    match (secret, output) {
        (Err(_), Value::Null) => Ok(()),
        (Err(e), _) => Err(format!(
            "secret key refused ({e}) but a signature was expected"
        )),
        (Ok(_), Value::Null) => Err("signing succeeded but must fail".into()),
        (Ok(sk), expected) => {
            let got = sk.sign(&message);
            let want = hex_bytes(expected)?;
            if got.as_bytes().0.as_slice() == want.as_slice() {
                Ok(())
            } else {
                Err(format!(
                    "signature {} differs from 0x{}",
                    got.as_bytes(),
                    hex::encode(want)
                ))
            }
        }
    }
}

fn verify(input: &Value, output: &Value) -> Result<(), String> {
    let message = hex_bytes(&input["message"])?;
    let key = PublicKey::from_bytes(&hex_bytes(&input["pubkey"])?);
    let signature = Signature::from_bytes(&hex_bytes(&input["signature"])?);
    let got = match (key, signature) {
        (Ok(pk), Ok(sig)) => bls::verify(&pk, &message, &sig),
        _ => false,
    };
    compare(got, output)
}

fn aggregate(input: &Value, output: &Value) -> Result<(), String> {
    let items = input.as_sequence().ok_or("input is not a list")?;
    let mut signatures = Vec::new();
    let mut decodable = true;
    for item in items {
        match Signature::from_bytes(&hex_bytes(item)?) {
            Ok(sig) => signatures.push(sig),
            Err(_) => decodable = false,
        }
    }
    let got = if decodable {
        AggregateSignature::aggregate(&signatures).ok()
    } else {
        None
    };
    match (got, output) {
        (None, Value::Null) => Ok(()),
        (None, _) => Err("aggregation refused but an aggregate was expected".into()),
        (Some(_), Value::Null) => Err("aggregation succeeded but must fail".into()),
        (Some(agg), expected) => {
            let want = hex_bytes(expected)?;
            let got = agg.to_signature();
            if got.as_bytes().0.as_slice() == want.as_slice() {
                Ok(())
            } else {
                Err(format!(
                    "aggregate {} differs from 0x{}",
                    got.as_bytes(),
                    hex::encode(want)
                ))
            }
        }
    }
}

fn fast_aggregate_verify(input: &Value, output: &Value) -> Result<(), String> {
    let message = hex_bytes(&input["message"])?;
    let keys = pubkeys(&input["pubkeys"])?;
    let signature = Signature::from_bytes(&hex_bytes(&input["signature"])?);
    let got = match (keys, signature) {
        (Some(keys), Ok(sig)) => {
            let refs: Vec<&PublicKey> = keys.iter().collect();
            bls::fast_aggregate_verify(&refs, &message, &sig)
        }
        _ => false,
    };
    compare(got, output)
}

fn aggregate_verify(input: &Value, output: &Value) -> Result<(), String> {
    let messages: Vec<Vec<u8>> = input["messages"]
        .as_sequence()
        .ok_or("messages is not a list")?
        .iter()
        .map(hex_bytes)
        .collect::<Result<_, _>>()?;
    let keys = pubkeys(&input["pubkeys"])?;
    let signature = Signature::from_bytes(&hex_bytes(&input["signature"])?);
    let got = match (keys, signature) {
        (Some(keys), Ok(sig)) => {
            let refs: Vec<&PublicKey> = keys.iter().collect();
            let msgs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
            bls::aggregate_verify(&refs, &msgs, &sig)
        }
        _ => false,
    };
    compare(got, output)
}
