//! The interpolation grammar (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `$$`, nesting)
//! on arbitrary text, with a few variables set and unset.
#![no_main]

use composegen::compose::interpolate::{Env, interpolate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut env = Env::empty();
    env.set("A", "a");
    env.set("EMPTY", "");
    env.set("NESTED", "${A}");
    let _ = interpolate(text, &env);
    let mut dotenv = Env::empty();
    dotenv.add_dotenv(text);
});
