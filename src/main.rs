fn main() -> std::process::ExitCode {
    jenga_sandbox::cli::main()
}
