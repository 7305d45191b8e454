fn main() -> std::process::ExitCode {
    soconform::cli::main()
}
