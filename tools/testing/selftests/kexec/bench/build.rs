// SPDX-License-Identifier: GPL-2.0

//! Links the C purgatory's `sha256.o` (built by Kbuild with the purgatory's
//! own flags), named by `KT_C_SHA256_O`.

fn main() {
    println!("cargo:rerun-if-env-changed=KT_C_SHA256_O");
    let o = std::env::var("KT_C_SHA256_O")
        .expect("KT_C_SHA256_O must name the C purgatory's sha256.o (make bench sets it)");
    println!("cargo:rerun-if-changed={o}");
    println!("cargo:rustc-link-arg={o}");
}
