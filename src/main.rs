use clap::Parser;

fn main() {
    let cli = gstdash::cli::Cli::parse();
    std::process::exit(gstdash::cli::run(cli));
}
