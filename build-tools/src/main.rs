//! `build-tools`: see `build-tools help`.

fn main() {
    let code = build_tools::cli::run(
        std::env::args_os().skip(1).collect(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
