//! AFL++ harness: `SHARDNODE_FUZZ_TARGET=<name>` chooses one of `shardnode-fuzz list`'s
//! targets; AFL feeds it inputs, and a panic that escapes the target or a wrong verdict aborts,
//! which AFL records as a crash. `fuzz_nohook!`: the harness does not abort on panics that
//! the code under test catches itself (the one known ssz_rs panic, which
//! `consensus::sszx::decode` turns into a typed error); those are not findings.

fn main() {
    let name = std::env::var("SHARDNODE_FUZZ_TARGET").unwrap_or_default();
    let Some(target) = shardnode_fuzz::targets::by_name(&name) else {
        eprintln!("set SHARDNODE_FUZZ_TARGET to one of `shardnode-fuzz list`, not {name:?}");
        std::process::exit(2);
    };
    afl::fuzz_nohook!(|data: &[u8]| {
        if let shardnode_fuzz::target::Verdict::Wrong(why) = (target.run)(data) {
            panic!("{}: {why}", target.name);
        }
    });
}
