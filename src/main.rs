// Against glibc malloc: about 6% more signed pushes a second, a lower p99 and a smaller RSS
// after warm-up (bench/run.sh, alternating runs), with .cargo/config.toml's arena setting.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    jenga_sandbox::cli::main()
}
