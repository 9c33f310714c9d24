//! Prepares the vendored Public Suffix List at build time: every Unicode rule gets its punycode
//! form, so the list is parsed at run time without running IDNA over ten thousand rules.

#[path = "src/psl_ascii.rs"]
mod psl_ascii;

fn main() {
    let src = "data/public_suffix_list.dat";
    println!("cargo:rerun-if-changed={src}");
    println!("cargo:rerun-if-changed=src/psl_ascii.rs");
    let text = std::fs::read_to_string(src)
        .expect("data/public_suffix_list.dat is vendored in the repository");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(
        out.join("public_suffix_list.ascii.dat"),
        psl_ascii::add_ascii_rules(&text),
    )
    .expect("OUT_DIR is writable");
}
